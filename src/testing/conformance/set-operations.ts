import { expect } from "./test-api.js";
import type { OrganizationRepository, StorageSession } from "../../storage/ports.js";
import { expectDetached, expectOrgKitError } from "./assertions.js";
import type { ConformanceSuite } from "./context.js";
import { idsOf, org } from "./fixtures.js";

/** The optional method, or a failure that says how to skip the sub-suite. */
function required<K extends keyof OrganizationRepository>(repository: OrganizationRepository, method: K): NonNullable<OrganizationRepository[K]> {
  const fn = repository[method];
  if (typeof fn !== "function") {
    throw new Error(`organizations.${String(method)} is optional: an adapter without it skips the "set-operations" sub-suite (the service then falls back to one call per row)`);
  }
  return (fn as (...args: never[]) => unknown).bind(repository) as NonNullable<OrganizationRepository[K]>;
}

function savepointOf(session: StorageSession): NonNullable<StorageSession["savepoint"]> {
  if (typeof session.savepoint !== "function") {
    throw new Error(`session.savepoint is optional: an adapter without it skips the "set-operations" sub-suite (per-row imports then commit row by row)`);
  }
  return session.savepoint.bind(session) as NonNullable<StorageSession["savepoint"]>;
}

/**
 * The ports' optional set-wise methods, which bulk imports use: `getManyByExternalId`,
 * `findActiveByNames`, `ancestorIdsOfMany`, `insertMany`, and `savepoint` on a
 * transaction's session. An adapter without them skips this sub-suite (`skip:
 * ["set-operations"]`); the service then falls back to the single-row methods.
 */
export const setOperationsSuite: ConformanceSuite = {
  name: "set-operations",
  define(ctx) {
    ctx.test("getManyByExternalId returns the organizations found, in the order asked, detached", async () => {
      const ns = ctx.namespace();
      const [a, b] = [org(`${ns}-a`, { externalId: `${ns}-A` }), org(`${ns}-b`, { externalId: `${ns}-B` })];
      await ctx.storage.organizations.insert(a);
      await ctx.storage.organizations.insert(b);
      const getMany = required(ctx.storage.organizations, "getManyByExternalId");
      const found = await getMany([`${ns}-B`, `${ns}-missing`, `${ns}-A`, `${ns}-B`]);
      expect(found).toEqual([b, a, b]);
      await expectDetached(found[0], async () => (await getMany([`${ns}-B`]))[0]);
      expect(await getMany([])).toEqual([]);
      // External ids are exact: no case folding.
      expect(await getMany([`${ns}-a`])).toEqual([]);
    });

    ctx.test("findActiveByNames finds active holders of the names, compared lower-cased, ordered by id", async () => {
      const ns = ctx.namespace();
      const [x, y, gone] = [org(`${ns}-y`, { name: `${ns} Yankee` }), org(`${ns}-x`, { name: `${ns} X-Ray` }), org(`${ns}-z`, { name: `${ns} Zulu`, status: "discontinued" })];
      for (const o of [x, y, gone]) await ctx.storage.organizations.insert(o);
      const findNames = required(ctx.storage.organizations, "findActiveByNames");
      expect(idsOf(await findNames([`${ns} YANKEE`, `${ns} x-ray`, `${ns} zulu`, `${ns} nobody`]))).toEqual([`${ns}-x`, `${ns}-y`]);
      expect(await findNames([])).toEqual([]);
    });

    ctx.test("ancestorIdsOfMany lists each organization's ancestors nearest first, skipping unknown ids", async () => {
      const ns = ctx.namespace();
      const root = org(`${ns}-root`);
      const mid = org(`${ns}-mid`, { parentId: root.id });
      const leaf = org(`${ns}-leaf`, { parentId: mid.id });
      for (const o of [root, mid, leaf]) await ctx.storage.organizations.insert(o);
      const ancestry = required(ctx.storage.organizations, "ancestorIdsOfMany");
      expect(await ancestry([leaf.id, `${ns}-missing`, root.id, mid.id])).toEqual([
        { id: leaf.id, ancestorIds: [mid.id, root.id] },
        { id: root.id, ancestorIds: [] },
        { id: mid.id, ancestorIds: [root.id] },
      ]);
      // After a move, the answer follows it.
      const current = (await ctx.storage.organizations.get(leaf.id))!;
      await ctx.storage.organizations.update({ ...current, parentId: root.id, version: current.version + 1 }, current.version);
      expect(await ancestry([leaf.id])).toEqual([{ id: leaf.id, ancestorIds: [root.id] }]);
    });

    ctx.test("insertMany stores every organization, children before their parents too, and the hierarchy reads follow", async () => {
      const ns = ctx.namespace();
      const root = org(`${ns}-root`, { externalId: `${ns}-R` });
      const child = org(`${ns}-child`, { parentId: root.id });
      const grandchild = org(`${ns}-grandchild`, { parentId: child.id });
      const insertMany = required(ctx.storage.organizations, "insertMany");
      await insertMany([grandchild, root, child]);
      expect(await ctx.storage.organizations.getMany([root.id, child.id, grandchild.id])).toEqual([root, child, grandchild]);
      expect(idsOf(await ctx.storage.organizations.ancestors(grandchild.id))).toEqual([child.id, root.id]);
      expect(idsOf(await ctx.storage.organizations.descendants(root.id))).toEqual([child.id, grandchild.id]);
      await insertMany([]);
    });

    ctx.test("insertMany is all or nothing: a taken id, external id or name, also within the batch, stores none", async () => {
      const ns = ctx.namespace();
      await ctx.storage.organizations.insert(org(`${ns}-taken`, { externalId: `${ns}-T` }));
      const insertMany = required(ctx.storage.organizations, "insertMany");
      const clashes = [
        [org(`${ns}-a1`), org(`${ns}-taken`)],
        [org(`${ns}-a2`), org(`${ns}-b2`, { externalId: `${ns}-T` })],
        [org(`${ns}-a3`, { name: `${ns} Same` }), org(`${ns}-b3`, { name: `${ns} same` })],
        [org(`${ns}-a4`), org(`${ns}-a4`)],
      ];
      for (const batch of clashes) {
        await expectOrgKitError(insertMany(batch), "CONFLICT", "unique");
        for (const o of batch) if (o.id !== `${ns}-taken`) expect(await ctx.storage.organizations.get(o.id)).toBeNull();
      }
    });

    ctx.test("a savepoint undoes what its callback wrote when it throws, and the transaction goes on and commits the rest", async () => {
      const ns = ctx.namespace();
      const outcome = await ctx.storage.transaction(async (session) => {
        const savepoint = savepointOf(session);
        await session.organizations.insert(org(`${ns}-before`));
        const failure = await savepoint(async () => {
          await session.organizations.insert(org(`${ns}-inside`));
          throw new Error("changed my mind");
        }).catch((error: unknown) => error);
        expect((failure as Error).message).toBe("changed my mind");
        expect(await session.organizations.get(`${ns}-inside`)).toBeNull();
        // A write the storage refuses inside a savepoint does not end the transaction either.
        await expectOrgKitError(savepoint(() => session.organizations.insert(org(`${ns}-before`))), "CONFLICT", "unique");
        const kept = await savepoint(async () => {
          await session.organizations.insert(org(`${ns}-kept`));
          // Savepoints nest: the inner one is undone, the outer one kept.
          await savepoint(async () => {
            await session.organizations.insert(org(`${ns}-inner`));
            throw new Error("inner");
          }).catch(() => undefined);
          return "kept";
        });
        await session.organizations.insert(org(`${ns}-after`));
        return kept;
      });
      expect(outcome).toBe("kept");
      const stored = idsOf(await ctx.storage.organizations.getMany([`${ns}-before`, `${ns}-inside`, `${ns}-kept`, `${ns}-inner`, `${ns}-after`]));
      expect(stored).toEqual([`${ns}-before`, `${ns}-kept`, `${ns}-after`]);
    });

    ctx.test("what a savepoint kept is still rolled back with its transaction", async () => {
      const ns = ctx.namespace();
      await ctx.storage
        .transaction(async (session) => {
          await savepointOf(session)(() => session.organizations.insert(org(`${ns}-kept`)));
          throw new Error("roll back");
        })
        .catch(() => undefined);
      expect(await ctx.storage.organizations.get(`${ns}-kept`)).toBeNull();
      if (ctx.inspect) expect(await ctx.inspect.organization(`${ns}-kept`)).toBeNull();
    });
  },
};
