import { expect } from "./test-api.js";
import type { Organization } from "../../domain/organization/schema.js";
import type { MembershipRepository, OrganizationRepository, ResourceRepository } from "../../storage/ports.js";
import { expectDetached, expectOrgKitError } from "./assertions.js";
import type { ConformanceContext, ConformanceSuite } from "./context.js";
import { at, idsOf, membership, org, resource, rule, user } from "./fixtures.js";

/** The optional method, or a failure that says how to skip the sub-suite. */
function required<R extends object, K extends keyof R>(repository: R, name: string, method: K): NonNullable<R[K]> {
  const fn = repository[method];
  if (typeof fn !== "function") {
    throw new Error(`${name}.${String(method)} is optional: an adapter without it skips the "merge-operations" sub-suite (the service then moves one row per call)`);
  }
  return (fn as (...args: never[]) => unknown).bind(repository) as NonNullable<R[K]>;
}

const moveChildrenOf = (ctx: ConformanceContext) => required<OrganizationRepository, "moveChildren">(ctx.storage.organizations, "organizations", "moveChildren");
const reassignMembershipsOf = (ctx: ConformanceContext) => required<MembershipRepository, "reassignOrganization">(ctx.storage.memberships, "memberships", "reassignOrganization");
const reassignResourcesOf = (ctx: ConformanceContext) => required<ResourceRepository, "reassignOrganization">(ctx.storage.resources, "resources", "reassignOrganization");

/** `child` moved under `parentId`, as the service writes it (version + 1). */
const movedUnder = (child: Organization, parentId: string): Organization => ({ ...child, parentId, version: child.version + 1, updatedAt: at(9) });

/**
 * Root `r` with `p` (the old parent) and `q` (the new one); `p` has children `c1`, `c2`,
 * and `c1` a child `g` with a child `gg`.
 */
async function plantTree(ctx: ConformanceContext, ns: string) {
  const ids = { r: `${ns}-r`, p: `${ns}-p`, q: `${ns}-q`, c1: `${ns}-c1`, c2: `${ns}-c2`, g: `${ns}-g`, gg: `${ns}-gg` };
  const rows = [
    org(ids.r),
    org(ids.p, { parentId: ids.r }),
    org(ids.q, { parentId: ids.r }),
    org(ids.c1, { parentId: ids.p }),
    org(ids.c2, { parentId: ids.p }),
    org(ids.g, { parentId: ids.c1 }),
    org(ids.gg, { parentId: ids.g }),
  ];
  for (const row of rows) await ctx.storage.organizations.insert(row);
  return { ids, byId: new Map(rows.map((o) => [o.id, o])) };
}

/**
 * The ports' optional set-wise writes that merges use: `organizations.moveChildren`,
 * `memberships.reassignOrganization` and `resources.reassignOrganization`. An adapter
 * without them skips this sub-suite (`skip: ["merge-operations"]`); the service then
 * moves one row per call.
 */
export const mergeOperationsSuite: ConformanceSuite = {
  name: "merge-operations",
  define(ctx) {
    ctx.test("moveChildren moves siblings under a new parent; versions, parents and every hierarchy read below them follow", async () => {
      const ns = ctx.namespace();
      const { ids, byId } = await plantTree(ctx, ns);
      const moveChildren = moveChildrenOf(ctx);
      const moved = [movedUnder(byId.get(ids.c1)!, ids.q), movedUnder(byId.get(ids.c2)!, ids.q)];
      await moveChildren(ids.p, moved);
      expect(await ctx.storage.organizations.getMany([ids.c1, ids.c2])).toEqual(moved);
      expect(await ctx.storage.organizations.children(ids.p)).toEqual([]);
      expect(idsOf(await ctx.storage.organizations.children(ids.q))).toEqual([ids.c1, ids.c2]);
      expect(idsOf(await ctx.storage.organizations.ancestors(ids.gg))).toEqual([ids.g, ids.c1, ids.q, ids.r]);
      expect(idsOf(await ctx.storage.organizations.descendants(ids.q))).toEqual([ids.c1, ids.g, ids.gg, ids.c2]);
      expect(await ctx.storage.organizations.descendants(ids.p)).toEqual([]);
      expect(await ctx.storage.organizations.subtreeHeight(ids.q)).toBe(3);
      expect(await ctx.storage.organizations.subtreeHeight(ids.p)).toBe(0);
      expect(await ctx.storage.organizations.subtreeHeight(ids.r)).toBe(4);
      if (ctx.inspect) {
        const raw = await ctx.inspect.organization(ids.c1);
        expect(raw!.parentId).toBe(ids.q);
        expect(Number(raw!.version)).toBe(2);
      }
      // A move up: under the root, whose ancestry is shorter.
      const again = [movedUnder(moved[0]!, ids.r)];
      await moveChildren(ids.q, again);
      expect(idsOf(await ctx.storage.organizations.ancestors(ids.gg))).toEqual([ids.g, ids.c1, ids.r]);
      await moveChildren(ids.q, []);
    });

    ctx.test("moveChildren is all or nothing: a stale version, a child moved elsewhere or a missing one moves none", async () => {
      const ns = ctx.namespace();
      const { ids, byId } = await plantTree(ctx, ns);
      const moveChildren = moveChildrenOf(ctx);
      const good = movedUnder(byId.get(ids.c1)!, ids.q);
      const stale = { ...movedUnder(byId.get(ids.c2)!, ids.q), version: 5 };
      await expectOrgKitError(moveChildren(ids.p, [good, stale]), "CONFLICT", "version");
      // g is at version 1 but under c1, not p.
      await expectOrgKitError(moveChildren(ids.p, [good, movedUnder(byId.get(ids.g)!, ids.q)]), "CONFLICT", "version");
      await expectOrgKitError(moveChildren(ids.p, [good, movedUnder(org(`${ns}-missing`, { parentId: ids.p }), ids.q)]), "NOT_FOUND");
      expect((await ctx.storage.organizations.get(ids.c1))!.parentId).toBe(ids.p);
      expect(idsOf(await ctx.storage.organizations.ancestors(ids.gg))).toEqual([ids.g, ids.c1, ids.p, ids.r]);
      if (ctx.inspect) expect((await ctx.inspect.organization(ids.c1))!.parentId).toBe(ids.p);
      // Bad arguments: children with different new parents, or the old parent as the new one.
      await expectOrgKitError(moveChildren(ids.p, [good, movedUnder(byId.get(ids.c2)!, ids.r)]), "VALIDATION_FAILED");
      await expectOrgKitError(moveChildren(ids.p, [movedUnder(byId.get(ids.c1)!, ids.p)]), "VALIDATION_FAILED");
      await expectOrgKitError(moveChildren(ids.p, [good, good]), "VALIDATION_FAILED");
      expect((await ctx.storage.organizations.get(ids.c1))!.version).toBe(1);
    });

    ctx.test("memberships.reassignOrganization moves a page by user id; a user already in the target keeps that membership; rule sources are replaced", async () => {
      const ns = ctx.namespace();
      const [from, to, other] = [`${ns}-from`, `${ns}-to`, `${ns}-other`];
      for (const id of [from, to, other]) await ctx.storage.organizations.insert(org(id));
      const users = [`${ns}-uA`, `${ns}-u_`, `${ns}-ua`, `${ns}-ub`];
      for (const id of users) await ctx.storage.users.insert(user(id));
      const [oldRule, newRule] = [`${ns}-rule-old`, `${ns}-rule-new`];
      await ctx.storage.rules.insert(rule(oldRule, from));
      await ctx.storage.rules.insert(rule(newRule, to));
      const rows = [
        membership(users[0]!, from, { role: "manager", admin: true, createdAt: at(1), updatedAt: at(1) }),
        membership(users[1]!, from, { createdAt: at(1), updatedAt: at(1) }),
        membership(users[2]!, from, { source: { type: "rule", ruleId: oldRule }, createdAt: at(1), updatedAt: at(1) }),
        membership(users[3]!, from, { source: { type: "import" }, createdAt: at(1), updatedAt: at(1) }),
      ];
      for (const row of rows) await ctx.storage.memberships.put(row);
      const keptThere = membership(users[1]!, to, { role: "Billing Contact", createdAt: at(2), updatedAt: at(2) });
      await ctx.storage.memberships.put(keptThere);
      const untouched = membership(users[0]!, other);
      await ctx.storage.memberships.put(untouched);
      const reassign = reassignMembershipsOf(ctx);
      const options = { updatedAt: at(9), sourceRules: { [oldRule]: newRule } };

      const first = await reassign(from, to, { ...options, limit: 2 });
      expect(first).toEqual([
        { previous: rows[0], current: { ...rows[0], organizationId: to, updatedAt: at(9) }, kept: false },
        { previous: rows[1], current: keptThere, kept: true },
      ]);
      await expectDetached(first[0]!.current, () => ctx.storage.memberships.get(users[0]!, to));
      // The next page, after the last user of the first: a membership a listed rule created cites its replacement.
      const second = await reassign(from, to, { ...options, after: users[1]!, limit: 1 });
      expect(second).toEqual([{ previous: rows[2], current: { ...rows[2], organizationId: to, updatedAt: at(9), source: { type: "rule", ruleId: newRule } }, kept: false }]);
      const last = await reassign(from, to, { ...options, after: users[2]!, limit: 10 });
      expect(last).toEqual([{ previous: rows[3], current: { ...rows[3], organizationId: to, updatedAt: at(9) }, kept: false }]);
      expect(await reassign(from, to, { ...options, limit: 10 })).toEqual([]);

      expect(await ctx.storage.memberships.countByOrganization(from)).toBe(0);
      expect((await ctx.storage.memberships.listByOrganization(to, { limit: 10 })).map((m) => m.userId)).toEqual(users);
      expect(await ctx.storage.memberships.get(users[1]!, to)).toEqual(keptThere);
      expect(await ctx.storage.memberships.get(users[0]!, other)).toEqual(untouched);
      expect(await ctx.storage.memberships.listBySourceRule(oldRule, { limit: 10 })).toEqual([]);
      expect((await ctx.storage.memberships.listBySourceRule(newRule, { limit: 10 })).map((m) => `${m.organizationId}|${m.userId}`)).toEqual([`${to}|${users[2]}`]);
      expect((await ctx.storage.memberships.listByUser(users[0]!)).map((m) => m.organizationId)).toEqual([other, to].sort());
      if (ctx.inspect) {
        expect(await ctx.inspect.membership(users[0]!, from)).toBeNull();
        const raw = await ctx.inspect.membership(users[0]!, to);
        expect(raw!.role).toBe("manager");
        expect(raw!.admin).toBe(true);
        expect((await ctx.inspect.membership(users[1]!, to))!.role).toBe("Billing Contact");
      }
      await expectOrgKitError(reassign(to, to, { ...options, limit: 10 }), "VALIDATION_FAILED");
      await expectOrgKitError(reassign(from, to, { limit: 10 } as never), "VALIDATION_FAILED");
    });

    ctx.test("resources.reassignOrganization moves a page by (kind, id), stamped with the new assignment time", async () => {
      const ns = ctx.namespace();
      const [from, to] = [`${ns}-from`, `${ns}-to`];
      for (const id of [from, to]) await ctx.storage.organizations.insert(org(id));
      const rows = [resource("asset", `${ns}-b`, from), resource("asset", `${ns}-a`, from), resource("system", `${ns}-a`, from), resource("asset", `${ns}-z`, to)];
      for (const row of rows) await ctx.storage.resources.put(row);
      const reassign = reassignResourcesOf(ctx);
      const first = await reassign(from, to, { assignedAt: at(9), limit: 2 });
      expect(first).toEqual([
        { ...rows[1], organizationId: to, assignedAt: at(9) },
        { ...rows[0], organizationId: to, assignedAt: at(9) },
      ]);
      await expectDetached(first, async () => [await ctx.storage.resources.get("asset", `${ns}-a`), await ctx.storage.resources.get("asset", `${ns}-b`)]);
      expect(await reassign(from, to, { assignedAt: at(9), after: `asset\u0000${ns}-b`, limit: 10 })).toEqual([{ ...rows[2], organizationId: to, assignedAt: at(9) }]);
      expect(await reassign(from, to, { assignedAt: at(9), limit: 10 })).toEqual([]);
      expect(await ctx.storage.resources.listByOrganization(from, { limit: 10 })).toEqual([]);
      expect((await ctx.storage.resources.listByOrganization(to, { limit: 10 })).map((r) => `${r.kind}:${r.id}`)).toEqual([`asset:${ns}-a`, `asset:${ns}-b`, `asset:${ns}-z`, `system:${ns}-a`]);
      expect(await ctx.storage.resources.get("asset", `${ns}-z`)).toEqual(rows[3]);
      if (ctx.inspect?.resource) expect((await ctx.inspect.resource("system", `${ns}-a`))!.organizationId).toBe(to);
      await expectOrgKitError(reassign(from, from, { assignedAt: at(9), limit: 10 }), "VALIDATION_FAILED");
    });

    ctx.test("what the set-wise moves wrote in a transaction that rolls back is gone", async () => {
      const ns = ctx.namespace();
      const { ids, byId } = await plantTree(ctx, ns);
      await ctx.storage.users.insert(user(`${ns}-u`));
      await ctx.storage.memberships.put(membership(`${ns}-u`, ids.p));
      await ctx.storage.resources.put(resource("asset", `${ns}-x`, ids.p));
      await ctx.storage
        .transaction(async (session) => {
          await session.organizations.moveChildren!(ids.p, [movedUnder(byId.get(ids.c1)!, ids.q)]);
          await session.memberships.reassignOrganization!(ids.p, ids.q, { updatedAt: at(9), limit: 10 });
          await session.resources.reassignOrganization!(ids.p, ids.q, { assignedAt: at(9), limit: 10 });
          expect((await session.organizations.get(ids.c1))!.parentId).toBe(ids.q);
          throw new Error("roll back");
        })
        .catch(() => undefined);
      expect((await ctx.storage.organizations.get(ids.c1))!.parentId).toBe(ids.p);
      expect(idsOf(await ctx.storage.organizations.ancestors(ids.gg))).toEqual([ids.g, ids.c1, ids.p, ids.r]);
      expect(await ctx.storage.memberships.get(`${ns}-u`, ids.p)).not.toBeNull();
      expect((await ctx.storage.resources.get("asset", `${ns}-x`))!.organizationId).toBe(ids.p);
      if (ctx.inspect) {
        expect((await ctx.inspect.organization(ids.c1))!.parentId).toBe(ids.p);
        expect(await ctx.inspect.membership(`${ns}-u`, ids.q)).toBeNull();
      }
    });
  },
};
