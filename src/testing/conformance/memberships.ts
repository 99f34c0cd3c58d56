import { expect } from "./test-api.js";
import type { Membership } from "../../domain/membership/model.js";
import type { Storage } from "../../storage/ports.js";
import { expectDetached, expectOrgKitError, expectStrictlyIncreasing, readAllPages, scribble } from "./assertions.js";
import type { ConformanceSuite } from "./context.js";
import { at, membership, mutableCopy, org, rule, user } from "./fixtures.js";

/** Organizations `n-oB`, `n-o_`, `n-oa` and users `n-uB`, `n-u_`, `n-ua` (code-unit order B < _ < a). */
async function plant(storage: Storage, ns: string): Promise<{ orgs: string[]; users: string[] }> {
  const orgs = [`${ns}-oB`, `${ns}-o_`, `${ns}-oa`];
  const users = [`${ns}-uB`, `${ns}-u_`, `${ns}-ua`];
  for (const id of [...orgs].reverse()) await storage.organizations.insert(org(id));
  for (const id of [...users].reverse()) await storage.users.insert(user(id));
  return { orgs, users };
}

const pairs = (items: readonly Membership[]) => items.map((m) => `${m.userId}|${m.organizationId}`);

/** `MembershipRepository`: get/put/delete, the three listings with their orders and cursors, count, scan. */
export const membershipsSuite: ConformanceSuite = {
  name: "memberships",
  define(ctx) {
    ctx.test("unknown memberships read as null, empty or zero", async () => {
      const ns = ctx.namespace();
      const { memberships } = ctx.storage;
      expect(await memberships.get(`${ns}-u`, `${ns}-o`)).toBeNull();
      expect(await memberships.listByUser(`${ns}-u`)).toEqual([]);
      expect(await memberships.listByOrganization(`${ns}-o`, { limit: 10 })).toEqual([]);
      expect(await memberships.countByOrganization(`${ns}-o`)).toBe(0);
      expect(await memberships.listBySourceRule(`${ns}-rule`, { limit: 10 })).toEqual([]);
      expect(await memberships.delete(`${ns}-u`, `${ns}-o`)).toBe(false);
    });

    ctx.test("put stores a membership and put again replaces it", async () => {
      const ns = ctx.namespace();
      const { orgs, users } = await plant(ctx.storage, ns);
      const countBefore = ctx.inspect ? await ctx.inspect.count("memberships") : 0;
      const first = membership(users[0]!, orgs[0]!, { role: "member", createdAt: at(1), updatedAt: at(1) });
      await ctx.storage.memberships.put(first);
      expect(await ctx.storage.memberships.get(users[0]!, orgs[0]!)).toEqual(first);
      const second = { ...first, role: "Billing Contact", admin: true, source: { type: "import" as const }, updatedAt: at(2) };
      await ctx.storage.memberships.put(second);
      expect(await ctx.storage.memberships.get(users[0]!, orgs[0]!)).toEqual(second);
      expect(await ctx.storage.memberships.countByOrganization(orgs[0]!)).toBe(1);
      expect(await ctx.storage.memberships.listByUser(users[0]!)).toEqual([second]);
      if (ctx.inspect) {
        expect(await ctx.inspect.count("memberships")).toBe(countBefore + 1);
        const raw = await ctx.inspect.membership(users[0]!, orgs[0]!);
        expect(raw, "the raw inspector sees the membership").not.toBeNull();
        expect(raw!.userId).toBe(users[0]);
        expect(raw!.organizationId).toBe(orgs[0]);
        expect(raw!.role).toBe("Billing Contact");
        expect(raw!.admin).toBe(true);
      }
    });

    ctx.test("returned and stored memberships are detached", async () => {
      const ns = ctx.namespace();
      const { orgs, users } = await plant(ctx.storage, ns);
      const original = membership(users[0]!, orgs[0]!, { source: { type: "rule", ruleId: `${ns}-rule` } });
      await ctx.storage.rules.insert(rule(`${ns}-rule`, orgs[0]!));
      const input = mutableCopy(original);
      await ctx.storage.memberships.put(input);
      scribble(input);
      const { memberships } = ctx.storage;
      expect(await memberships.get(users[0]!, orgs[0]!)).toEqual(original);
      await expectDetached(await memberships.get(users[0]!, orgs[0]!), () => memberships.get(users[0]!, orgs[0]!));
      await expectDetached(await memberships.listByUser(users[0]!), () => memberships.listByUser(users[0]!));
      await expectDetached(await memberships.listByOrganization(orgs[0]!, { limit: 5 }), () => memberships.listByOrganization(orgs[0]!, { limit: 5 }));
      await expectDetached(await memberships.listBySourceRule(`${ns}-rule`, { limit: 5 }), () => memberships.listBySourceRule(`${ns}-rule`, { limit: 5 }));
    });

    ctx.test("listByUser is ordered by organization id; listByOrganization by user id with after/limit", async () => {
      const ns = ctx.namespace();
      const { orgs, users } = await plant(ctx.storage, ns);
      for (const o of [...orgs].reverse()) for (const u of [...users].reverse()) await ctx.storage.memberships.put(membership(u, o));
      const { memberships } = ctx.storage;
      expect((await memberships.listByUser(users[1]!)).map((m) => m.organizationId)).toEqual(orgs);
      expect((await memberships.listByOrganization(orgs[2]!, { limit: 10 })).map((m) => m.userId)).toEqual(users);
      expect((await memberships.listByOrganization(orgs[2]!, { limit: 2 })).map((m) => m.userId)).toEqual(users.slice(0, 2));
      expect((await memberships.listByOrganization(orgs[2]!, { after: users[1]!, limit: 2 })).map((m) => m.userId)).toEqual(users.slice(2));
      for (const limit of [1, 2, 3]) {
        const all = await readAllPages((after, pageLimit) => memberships.listByOrganization(orgs[0]!, { after, limit: pageLimit }), (m) => m.userId, limit);
        expect(all.map((m) => m.userId)).toEqual(users);
      }
      expect(await memberships.countByOrganization(orgs[1]!)).toBe(3);
    });

    ctx.test("listBySourceRule lists a rule's memberships by (organization id, user id) with its cursor", async () => {
      const ns = ctx.namespace();
      const { orgs, users } = await plant(ctx.storage, ns);
      const ruleId = `${ns}-rule`;
      await ctx.storage.rules.insert(rule(ruleId, orgs[0]!));
      await ctx.storage.rules.insert(rule(`${ns}-other`, orgs[0]!));
      const bySource = [
        [users[2]!, orgs[1]!],
        [users[0]!, orgs[2]!],
        [users[1]!, orgs[1]!],
        [users[0]!, orgs[0]!],
        [users[2]!, orgs[0]!],
      ] as const;
      for (const [u, o] of bySource) await ctx.storage.memberships.put(membership(u, o, { source: { type: "rule", ruleId } }));
      await ctx.storage.memberships.put(membership(users[1]!, orgs[0]!, { source: { type: "rule", ruleId: `${ns}-other` } }));
      await ctx.storage.memberships.put(membership(users[1]!, orgs[2]!));
      const expected = [
        `${users[0]}|${orgs[0]}`,
        `${users[2]}|${orgs[0]}`,
        `${users[1]}|${orgs[1]}`,
        `${users[2]}|${orgs[1]}`,
        `${users[0]}|${orgs[2]}`,
      ];
      const { memberships } = ctx.storage;
      expect(pairs(await memberships.listBySourceRule(ruleId, { limit: 100 }))).toEqual(expected);
      for (const limit of [1, 2, 3]) {
        const all = await readAllPages((after, pageLimit) => memberships.listBySourceRule(ruleId, { after, limit: pageLimit }), (m) => `${m.organizationId}\u0000${m.userId}`, limit);
        expect(pairs(all), `limit ${limit}`).toEqual(expected);
      }
      expect(pairs(await memberships.listBySourceRule(ruleId, { after: `${orgs[1]}\u0000${users[1]}`, limit: 2 }))).toEqual(expected.slice(3));
      // Changing the source to manual takes it out of the rule's list.
      await memberships.put(membership(users[2]!, orgs[0]!, { source: { type: "manual" } }));
      expect(pairs(await memberships.listBySourceRule(ruleId, { limit: 100 }))).toEqual(expected.filter((p) => p !== `${users[2]}|${orgs[0]}`));
    });

    ctx.test("delete removes a membership everywhere and reports whether there was one", async () => {
      const ns = ctx.namespace();
      const { orgs, users } = await plant(ctx.storage, ns);
      await ctx.storage.rules.insert(rule(`${ns}-rule`, orgs[0]!));
      await ctx.storage.memberships.put(membership(users[0]!, orgs[0]!, { source: { type: "rule", ruleId: `${ns}-rule` } }));
      await ctx.storage.memberships.put(membership(users[1]!, orgs[0]!));
      const countBefore = ctx.inspect ? await ctx.inspect.count("memberships") : 0;
      const { memberships } = ctx.storage;
      expect(await memberships.delete(users[0]!, orgs[0]!)).toBe(true);
      expect(await memberships.delete(users[0]!, orgs[0]!)).toBe(false);
      expect(await memberships.get(users[0]!, orgs[0]!)).toBeNull();
      expect(await memberships.listByUser(users[0]!)).toEqual([]);
      expect((await memberships.listByOrganization(orgs[0]!, { limit: 10 })).map((m) => m.userId)).toEqual([users[1]]);
      expect(await memberships.countByOrganization(orgs[0]!)).toBe(1);
      expect(await memberships.listBySourceRule(`${ns}-rule`, { limit: 10 })).toEqual([]);
      if (ctx.inspect) {
        expect(await ctx.inspect.membership(users[0]!, orgs[0]!)).toBeNull();
        expect(await ctx.inspect.count("memberships")).toBe(countBefore - 1);
      }
    });

    ctx.test("scan pages through every membership by (user id, organization id)", async () => {
      const ns = ctx.namespace();
      const { orgs, users } = await plant(ctx.storage, ns);
      const mine: string[] = [];
      for (const u of users) for (const o of orgs) if (u !== users[1] || o !== orgs[1]) mine.push(`${u}|${o}`);
      for (const p of [...mine].reverse()) {
        const [u, o] = p.split("|") as [string, string];
        await ctx.storage.memberships.put(membership(u, o));
      }
      for (const limit of [2, 5]) {
        const all = await readAllPages((after, pageLimit) => ctx.storage.memberships.scan({ after, limit: pageLimit }), (m) => `${m.userId}\u0000${m.organizationId}`, limit);
        expectStrictlyIncreasing(all.map((m) => `${m.userId}\u0000${m.organizationId}`));
        expect(pairs(all).filter((p) => p.startsWith(`${ns}-`))).toEqual(mine);
      }
    });

    ctx.test("listings reject page sizes outside 1–1000", async () => {
      for (const limit of [0, 1001, 2.5]) {
        await expectOrgKitError(ctx.storage.memberships.listByOrganization("o", { limit }), "VALIDATION_FAILED");
        await expectOrgKitError(ctx.storage.memberships.listBySourceRule("r", { limit }), "VALIDATION_FAILED");
        await expectOrgKitError(ctx.storage.memberships.scan({ limit }), "VALIDATION_FAILED");
      }
    });
  },
};
