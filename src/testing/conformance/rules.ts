import { expect } from "./test-api.js";
import { expectDetached, expectOrgKitError, expectStrictlyIncreasing, readAllPages } from "./assertions.js";
import type { ConformanceSuite } from "./context.js";
import { idsOf, org, rule } from "./fixtures.js";

/** `MemberRuleRepository`: get/insert/delete, exclusive (kind, value) claims, lookups by key and organization, scan. */
export const rulesSuite: ConformanceSuite = {
  name: "rules",
  define(ctx) {
    ctx.test("unknown rules read as null or nothing", async () => {
      const ns = ctx.namespace();
      expect(await ctx.storage.rules.get(`${ns}-missing`)).toBeNull();
      expect(await ctx.storage.rules.delete(`${ns}-missing`)).toBe(false);
      expect(await ctx.storage.rules.findByKeys([])).toEqual([]);
      expect(await ctx.storage.rules.findByKeys([{ kind: "domain", value: `${ns}.example` }])).toEqual([]);
      expect(await ctx.storage.rules.listByOrganization(`${ns}-o`)).toEqual([]);
    });

    ctx.test("insert stores the rule exactly; a taken id is CONFLICT (unique)", async () => {
      const ns = ctx.namespace();
      await ctx.storage.organizations.insert(org(`${ns}-o`));
      const r = rule(`${ns}-r`, `${ns}-o`, { kind: "domain", value: `${ns}.example`, includeSubdomains: true, exclusive: true });
      await ctx.storage.rules.insert(r);
      expect(await ctx.storage.rules.get(r.id)).toEqual(r);
      await expectOrgKitError(ctx.storage.rules.insert({ ...r, value: `other.${ns}.example`, exclusive: false }), "CONFLICT", "unique");
      expect(await ctx.storage.rules.get(r.id)).toEqual(r);
      await expectDetached(await ctx.storage.rules.get(r.id), () => ctx.storage.rules.get(r.id));
    });

    ctx.test("two exclusive rules with the same kind and value are CONFLICT (unique)", async () => {
      const ns = ctx.namespace();
      await ctx.storage.organizations.insert(org(`${ns}-o1`));
      await ctx.storage.organizations.insert(org(`${ns}-o2`));
      await ctx.storage.rules.insert(rule(`${ns}-r1`, `${ns}-o1`, { kind: "domain", value: `${ns}.example`, exclusive: true }));
      await expectOrgKitError(
        ctx.storage.rules.insert(rule(`${ns}-r2`, `${ns}-o2`, { kind: "domain", value: `${ns}.example`, includeSubdomains: true, exclusive: true })),
        "CONFLICT",
        "unique",
      );
      expect(await ctx.storage.rules.get(`${ns}-r2`)).toBeNull();
      expect(idsOf(await ctx.storage.rules.findByKeys([{ kind: "domain", value: `${ns}.example` }]))).toEqual([`${ns}-r1`]);
    });

    ctx.test("non-exclusive rules may share a kind and value, with each other and with one exclusive rule", async () => {
      const ns = ctx.namespace();
      await ctx.storage.organizations.insert(org(`${ns}-o1`));
      await ctx.storage.organizations.insert(org(`${ns}-o2`));
      const value = `${ns}.example`;
      await ctx.storage.rules.insert(rule(`${ns}-r1`, `${ns}-o1`, { kind: "domain", value }));
      await ctx.storage.rules.insert(rule(`${ns}-r2`, `${ns}-o2`, { kind: "domain", value }));
      await ctx.storage.rules.insert(rule(`${ns}-r3`, `${ns}-o2`, { kind: "domain", value, exclusive: true }));
      await ctx.storage.rules.insert(rule(`${ns}-r4`, `${ns}-o1`, { kind: "domain", value, exclusive: false }));
      // Same value under another kind is another claim.
      await ctx.storage.rules.insert(rule(`${ns}-r5`, `${ns}-o1`, { kind: "username", value, exclusive: true }));
      expect(idsOf(await ctx.storage.rules.findByKeys([{ kind: "domain", value }]))).toEqual([`${ns}-r1`, `${ns}-r2`, `${ns}-r3`, `${ns}-r4`]);
    });

    ctx.test("deleting an exclusive rule frees its claim", async () => {
      const ns = ctx.namespace();
      await ctx.storage.organizations.insert(org(`${ns}-o1`));
      await ctx.storage.organizations.insert(org(`${ns}-o2`));
      const value = `ann@${ns}.example`;
      await ctx.storage.rules.insert(rule(`${ns}-r1`, `${ns}-o1`, { kind: "email", value, exclusive: true }));
      expect(await ctx.storage.rules.delete(`${ns}-r1`)).toBe(true);
      expect(await ctx.storage.rules.delete(`${ns}-r1`)).toBe(false);
      expect(await ctx.storage.rules.get(`${ns}-r1`)).toBeNull();
      await ctx.storage.rules.insert(rule(`${ns}-r2`, `${ns}-o2`, { kind: "email", value, exclusive: true }));
      expect(idsOf(await ctx.storage.rules.findByKeys([{ kind: "email", value }]))).toEqual([`${ns}-r2`]);
    });

    ctx.test("findByKeys returns the rules of any of the keys, each once, ordered by id", async () => {
      const ns = ctx.namespace();
      await ctx.storage.organizations.insert(org(`${ns}-o`));
      const specs = [
        ["e", "email", `ann@${ns}.example`],
        ["B", "domain", `${ns}.example`],
        ["a", "domain", `sub.${ns}.example`],
        ["_", "username", `ann-${ns}`],
        ["c", "phone", "+14155550100"],
        ["d", "domain", `${ns}.example`],
        ["f", "email", `bob@${ns}.example`],
      ] as const;
      for (const [id, kind, value] of specs) await ctx.storage.rules.insert(rule(`${ns}-${id}`, `${ns}-o`, { kind, value }));
      const found = await ctx.storage.rules.findByKeys([
        { kind: "email", value: `ann@${ns}.example` },
        { kind: "domain", value: `${ns}.example` },
        { kind: "domain", value: `sub.${ns}.example` },
        { kind: "username", value: `ann-${ns}` },
        { kind: "domain", value: `${ns}.example` },
        { kind: "email", value: `ann-${ns}` },
        { kind: "domain", value: `nothing.${ns}.example` },
      ]);
      expect(idsOf(found)).toEqual([`${ns}-B`, `${ns}-_`, `${ns}-a`, `${ns}-d`, `${ns}-e`]);
      expect(found[0]).toEqual(rule(`${ns}-B`, `${ns}-o`, { kind: "domain", value: `${ns}.example` }));
      expect(idsOf(await ctx.storage.rules.findByKeys([{ kind: "phone", value: "+14155550100" }])).filter((id) => id.startsWith(ns))).toEqual([`${ns}-c`]);
    });

    ctx.test("listByOrganization returns exactly the organization's rules", async () => {
      const ns = ctx.namespace();
      await ctx.storage.organizations.insert(org(`${ns}-o1`));
      await ctx.storage.organizations.insert(org(`${ns}-o2`));
      for (const [id, owner] of [["b", "o1"], ["a", "o1"], ["c", "o2"], ["d", "o1"]] as const) {
        await ctx.storage.rules.insert(rule(`${ns}-${id}`, `${ns}-${owner}`, { value: `${id}.${ns}.example` }));
      }
      await ctx.storage.rules.delete(`${ns}-d`);
      // The port states no order: compare as sets.
      expect(idsOf(await ctx.storage.rules.listByOrganization(`${ns}-o1`)).sort()).toEqual([`${ns}-a`, `${ns}-b`]);
      expect(idsOf(await ctx.storage.rules.listByOrganization(`${ns}-o2`))).toEqual([`${ns}-c`]);
    });

    ctx.test("scan pages through every rule in id order", async () => {
      const ns = ctx.namespace();
      await ctx.storage.organizations.insert(org(`${ns}-o`));
      for (const id of ["b", "B", "a", "_"]) await ctx.storage.rules.insert(rule(`${ns}-${id}`, `${ns}-o`, { value: `${id}.${ns}.example` }));
      const all = await readAllPages((after, limit) => ctx.storage.rules.scan({ after, limit }), (r) => r.id, 3);
      expectStrictlyIncreasing(idsOf(all));
      expect(idsOf(all).filter((id) => id.startsWith(`${ns}-`))).toEqual([`${ns}-B`, `${ns}-_`, `${ns}-a`, `${ns}-b`]);
      for (const limit of [0, 1001]) await expectOrgKitError(ctx.storage.rules.scan({ limit }), "VALIDATION_FAILED");
    });
  },
};
