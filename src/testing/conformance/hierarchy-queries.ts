import { expect } from "./test-api.js";
import type { Organization } from "../../domain/organization/schema.js";
import type { Storage } from "../../storage/ports.js";
import { expectDetached, expectOrgKitError, expectStrictlyIncreasing, readAllPages } from "./assertions.js";
import type { ConformanceSuite } from "./context.js";
import { idsOf, org } from "./fixtures.js";

/**
 * The tree every test of this sub-suite uses (ids under the namespace `n`; sibling
 * suffixes chosen so that code-unit order — `B` < `_` < `a` — differs from a
 * case-insensitive or locale order):
 *
 * ```
 * n-r
 * ├── n-r-B
 * │   ├── n-r-B-x
 * │   └── n-r-B-y        (discontinued)
 * │       └── n-r-B-y-1
 * ├── n-r-_
 * └── n-r-a
 *     └── n-r-a-1
 *         └── n-r-a-1-i
 * ```
 */
async function plantTree(storage: Storage, ns: string): Promise<Record<string, Organization>> {
  const specs: [string, string | null, Organization["status"]][] = [
    ["r", null, "active"],
    ["r-B", "r", "active"],
    ["r-B-x", "r-B", "active"],
    ["r-B-y", "r-B", "discontinued"],
    ["r-B-y-1", "r-B-y", "active"],
    ["r-_", "r", "active"],
    ["r-a", "r", "active"],
    ["r-a-1", "r-a", "active"],
    ["r-a-1-i", "r-a-1", "active"],
  ];
  const tree: Record<string, Organization> = {};
  for (const [suffix, parent, status] of specs) {
    const organization = org(`${ns}-${suffix}`, { parentId: parent === null ? null : `${ns}-${parent}`, status });
    await storage.organizations.insert(organization);
    tree[suffix] = organization;
  }
  return tree;
}

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The optional `descendantIds`, or a failure that says how to skip its tests. */
function descendantIdsOf(storage: Storage): (id: string) => Promise<string[]> {
  const { organizations } = storage;
  if (typeof organizations.descendantIds !== "function") {
    throw new Error(`organizations.descendantIds is optional: an adapter without it skips the "hierarchy-queries > descendantIds (optional) …" tests`);
  }
  return (id) => organizations.descendantIds!(id);
}

/** `children`, `ancestors`, `descendants`, `descendantIds` (optional) and `subtreeHeight`. */
export const hierarchyQueriesSuite: ConformanceSuite = {
  name: "hierarchy-queries",
  define(ctx) {
    const ids = (ns: string, ...suffixes: string[]) => suffixes.map((suffix) => `${ns}-${suffix}`);

    ctx.test("children are the direct children ordered by id (code unit), paginated by id", async () => {
      const ns = ctx.namespace();
      await plantTree(ctx.storage, ns);
      const { organizations } = ctx.storage;
      expect(idsOf(await organizations.children(`${ns}-r`))).toEqual(ids(ns, "r-B", "r-_", "r-a"));
      expect(idsOf(await organizations.children(`${ns}-r`, { limit: 2 }))).toEqual(ids(ns, "r-B", "r-_"));
      expect(idsOf(await organizations.children(`${ns}-r`, { after: `${ns}-r-_`, limit: 2 }))).toEqual(ids(ns, "r-a"));
      expect(idsOf(await organizations.children(`${ns}-r`, { after: `${ns}-r-a`, limit: 2 }))).toEqual([]);
      expect(idsOf(await organizations.children(`${ns}-r-B-y`))).toEqual(ids(ns, "r-B-y-1"));
      expect(await organizations.children(`${ns}-r-a-1-i`)).toEqual([]);
      expect(await organizations.children(`${ns}-missing`)).toEqual([]);
      const first = await organizations.children(`${ns}-r`);
      await expectDetached(first, () => organizations.children(`${ns}-r`));
    });

    ctx.test("children(null) lists the roots in id order", async () => {
      const ns = ctx.namespace();
      await plantTree(ctx.storage, ns);
      await ctx.storage.organizations.insert(org(`${ns}-Q`));
      const roots = await readAllPages((after, limit) => ctx.storage.organizations.children(null, { after, limit }), (o) => o.id, 3);
      expect(roots.every((o) => o.parentId === null)).toBe(true);
      expectStrictlyIncreasing(idsOf(roots));
      expect(idsOf(roots).filter((id) => id.startsWith(`${ns}-`))).toEqual(ids(ns, "Q", "r"));
    });

    ctx.test("ancestors are nearest first, without the organization itself", async () => {
      const ns = ctx.namespace();
      await plantTree(ctx.storage, ns);
      const { organizations } = ctx.storage;
      expect(idsOf(await organizations.ancestors(`${ns}-r-a-1-i`))).toEqual(ids(ns, "r-a-1", "r-a", "r"));
      expect(idsOf(await organizations.ancestors(`${ns}-r-B-y-1`))).toEqual(ids(ns, "r-B-y", "r-B", "r"));
      expect(await organizations.ancestors(`${ns}-r`)).toEqual([]);
      expect(await organizations.ancestors(`${ns}-missing`)).toEqual([]);
    });

    ctx.test("descendants are in depth-first pre-order, siblings by id, discontinued included by default", async () => {
      const ns = ctx.namespace();
      const tree = await plantTree(ctx.storage, ns);
      const { organizations } = ctx.storage;
      const all = await organizations.descendants(`${ns}-r`);
      expect(idsOf(all)).toEqual(ids(ns, "r-B", "r-B-x", "r-B-y", "r-B-y-1", "r-_", "r-a", "r-a-1", "r-a-1-i"));
      expect(all[2]).toEqual(tree["r-B-y"]);
      expect(idsOf(await organizations.descendants(`${ns}-r`, { includeDiscontinued: true }))).toEqual(idsOf(all));
      expect(idsOf(await organizations.descendants(`${ns}-r-a`))).toEqual(ids(ns, "r-a-1", "r-a-1-i"));
      expect(await organizations.descendants(`${ns}-r-a-1-i`)).toEqual([]);
      expect(await organizations.descendants(`${ns}-missing`)).toEqual([]);
      await expectDetached(all, () => organizations.descendants(`${ns}-r`));
    });

    ctx.test("descendants(id, null) means no options; a non-boolean includeDiscontinued is VALIDATION_FAILED", async () => {
      const ns = ctx.namespace();
      await plantTree(ctx.storage, ns);
      const { organizations } = ctx.storage;
      expect(idsOf(await organizations.descendants(`${ns}-r-a`, null as never))).toEqual(ids(ns, "r-a-1", "r-a-1-i"));
      await expectOrgKitError(organizations.descendants(`${ns}-r-a`, { includeDiscontinued: "no" as never }), "VALIDATION_FAILED");
    });

    ctx.test("descendants with includeDiscontinued false leave out discontinued organizations and their subtrees", async () => {
      const ns = ctx.namespace();
      await plantTree(ctx.storage, ns);
      const { organizations } = ctx.storage;
      expect(idsOf(await organizations.descendants(`${ns}-r`, { includeDiscontinued: false }))).toEqual(
        ids(ns, "r-B", "r-B-x", "r-_", "r-a", "r-a-1", "r-a-1-i"),
      );
      expect(idsOf(await organizations.descendants(`${ns}-r-B`, { includeDiscontinued: false }))).toEqual(ids(ns, "r-B-x"));
      // The starting organization itself is never filtered: only what lies below it.
      expect(idsOf(await organizations.descendants(`${ns}-r-B-y`, { includeDiscontinued: false }))).toEqual(ids(ns, "r-B-y-1"));
    });

    ctx.test("descendantIds (optional) are every id below, discontinued subtrees included, in code-unit order", async () => {
      const ns = ctx.namespace();
      const tree = await plantTree(ctx.storage, ns);
      const descendantIds = descendantIdsOf(ctx.storage);
      const below = ids(ns, "r-B", "r-B-x", "r-B-y", "r-B-y-1", "r-_", "r-a", "r-a-1", "r-a-1-i");
      expect(await descendantIds(`${ns}-r`)).toEqual([...below].sort(byCodeUnit));
      expect(await descendantIds(`${ns}-r-B`)).toEqual(ids(ns, "r-B-x", "r-B-y", "r-B-y-1"));
      expect(await descendantIds(`${ns}-r-B-y`)).toEqual(ids(ns, "r-B-y-1"));
      expect(await descendantIds(`${ns}-r-a-1-i`)).toEqual([]);
      expect(await descendantIds(`${ns}-missing`)).toEqual([]);
      // The same sets as a naive walk of the parent links read raw, so the adapter cannot agree with itself.
      if (ctx.inspect !== null) {
        const parentOf = new Map<string, unknown>();
        for (const id of Object.values(tree).map((o) => o.id)) parentOf.set(id, (await ctx.inspect.organization(id))?.["parentId"]);
        for (const id of parentOf.keys()) {
          const naive = [...parentOf.keys()].filter((other) => {
            for (let at = parentOf.get(other); typeof at === "string"; at = parentOf.get(at)) if (at === id) return true;
            return false;
          });
          expect(await descendantIds(id), `descendantIds of ${id}`).toEqual(naive.sort(byCodeUnit));
        }
      }
    });

    ctx.test("descendantIds (optional) follow moves of single organizations and of all of an organization's children", async () => {
      const ns = ctx.namespace();
      const tree = await plantTree(ctx.storage, ns);
      const { organizations } = ctx.storage;
      const descendantIds = descendantIdsOf(ctx.storage);
      const moved = { ...tree["r-a"]!, parentId: `${ns}-r-B`, version: 2 };
      await organizations.update(moved, 1);
      expect(await descendantIds(`${ns}-r-B`)).toEqual(ids(ns, "r-B-x", "r-B-y", "r-B-y-1", "r-a", "r-a-1", "r-a-1-i"));
      expect(await descendantIds(`${ns}-r`)).toEqual(ids(ns, "r-B", "r-B-x", "r-B-y", "r-B-y-1", "r-_", "r-a", "r-a-1", "r-a-1-i").sort(byCodeUnit));
      // Detached: a root of its own now.
      await organizations.update({ ...moved, parentId: null, version: 3 }, 2);
      expect(await descendantIds(`${ns}-r-B`)).toEqual(ids(ns, "r-B-x", "r-B-y", "r-B-y-1"));
      expect(await descendantIds(`${ns}-r-a`)).toEqual(ids(ns, "r-a-1", "r-a-1-i"));
      expect(await descendantIds(`${ns}-r`)).not.toContain(`${ns}-r-a-1`);
      // All of r-B's children under r-_ at once (a merge's move), when the adapter has it.
      if (typeof organizations.moveChildren === "function") {
        const children = [tree["r-B-x"]!, tree["r-B-y"]!].map((o) => ({ ...o, parentId: `${ns}-r-_`, version: o.version + 1 }));
        await organizations.moveChildren(`${ns}-r-B`, children);
        expect(await descendantIds(`${ns}-r-B`)).toEqual([]);
        expect(await descendantIds(`${ns}-r-_`)).toEqual(ids(ns, "r-B-x", "r-B-y", "r-B-y-1"));
        expect(await descendantIds(`${ns}-r`)).toEqual(ids(ns, "r-B", "r-B-x", "r-B-y", "r-B-y-1", "r-_").sort(byCodeUnit));
      }
    });

    ctx.test("subtreeHeight is the longest downward path, 0 for a leaf or an unknown id", async () => {
      const ns = ctx.namespace();
      await plantTree(ctx.storage, ns);
      const { organizations } = ctx.storage;
      expect(await organizations.subtreeHeight(`${ns}-r`)).toBe(3);
      expect(await organizations.subtreeHeight(`${ns}-r-B`)).toBe(2);
      expect(await organizations.subtreeHeight(`${ns}-r-B-y`)).toBe(1);
      expect(await organizations.subtreeHeight(`${ns}-r-a-1-i`)).toBe(0);
      expect(await organizations.subtreeHeight(`${ns}-r-_`)).toBe(0);
      expect(await organizations.subtreeHeight(`${ns}-missing`)).toBe(0);
    });

    ctx.test("moving and detaching organizations updates every hierarchy query", async () => {
      const ns = ctx.namespace();
      const tree = await plantTree(ctx.storage, ns);
      const { organizations } = ctx.storage;
      const moved = { ...tree["r-a"]!, parentId: `${ns}-r-B`, version: 2 };
      await organizations.update(moved, 1);
      expect(idsOf(await organizations.children(`${ns}-r`))).toEqual(ids(ns, "r-B", "r-_"));
      expect(idsOf(await organizations.children(`${ns}-r-B`))).toEqual(ids(ns, "r-B-x", "r-B-y", "r-a"));
      expect(idsOf(await organizations.ancestors(`${ns}-r-a-1-i`))).toEqual(ids(ns, "r-a-1", "r-a", "r-B", "r"));
      expect(await organizations.subtreeHeight(`${ns}-r-B`)).toBe(3);
      expect(await organizations.subtreeHeight(`${ns}-r`)).toBe(4);
      expect(idsOf(await organizations.descendants(`${ns}-r`))).toEqual(
        ids(ns, "r-B", "r-B-x", "r-B-y", "r-B-y-1", "r-a", "r-a-1", "r-a-1-i", "r-_"),
      );
      await organizations.update({ ...moved, parentId: null, version: 3 }, 2);
      expect(idsOf(await organizations.children(`${ns}-r-B`))).toEqual(ids(ns, "r-B-x", "r-B-y"));
      expect(idsOf(await organizations.ancestors(`${ns}-r-a-1`))).toEqual(ids(ns, "r-a"));
      const roots = await readAllPages((after, limit) => organizations.children(null, { after, limit }), (o) => o.id, 1000);
      expect(idsOf(roots).filter((id) => id.startsWith(`${ns}-`))).toEqual(ids(ns, "r", "r-a"));
      expect(await organizations.subtreeHeight(`${ns}-r`)).toBe(3);
    });
  },
};
