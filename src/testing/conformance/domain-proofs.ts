import type { DomainChallengeRecord, MemberRuleProof } from "../../domain/membership/model.js";
import { expect } from "./test-api.js";
import { expectDetached, expectOrgKitError } from "./assertions.js";
import type { ConformanceSuite } from "./context.js";
import { at, idsOf, membership, org, rule } from "./fixtures.js";

const proof = (seconds = 0): MemberRuleProof => ({ method: "dns", provenAt: at(seconds), provenBy: { type: "system", id: "conformance" }, recordName: "_orgkit.example" });

/**
 * Domain proof in storage: `rules.findWithinDomain`, `rules.setProof` (one organization per
 * nesting domains, enforced by storage), rule challenges (gone with their rule), and
 * `memberships.listAdmins`; checked against the raw rows where the inspector reads rules.
 */
export const domainProofsSuite: ConformanceSuite = {
  name: "domain-proofs",
  define(ctx) {
    ctx.test("findWithinDomain returns the domain rules at or under a domain at label boundaries, by id, a page at a time", async () => {
      const ns = ctx.namespace();
      const d = `${ns}.example`;
      await ctx.storage.organizations.insert(org(`${ns}-o`));
      const specs = [
        ["c", "domain", d],
        ["a", "domain", `eu.${d}`],
        ["B", "domain", `deep.eu.${d}`],
        ["d", "domain", `not${d}`],
        ["e", "domain", `${ns}.example.org`],
        ["f", "email", `ann@${d}`],
        ["g", "domain", `a-b.${d}`],
      ] as const;
      for (const [id, kind, value] of specs) await ctx.storage.rules.insert(rule(`${ns}-${id}`, `${ns}-o`, { kind, value }));
      expect(idsOf(await ctx.storage.rules.findWithinDomain(d, { limit: 100 }))).toEqual([`${ns}-B`, `${ns}-a`, `${ns}-c`, `${ns}-g`]);
      expect(idsOf(await ctx.storage.rules.findWithinDomain(`eu.${d}`, { limit: 100 }))).toEqual([`${ns}-B`, `${ns}-a`]);
      expect(idsOf(await ctx.storage.rules.findWithinDomain(d, { limit: 2 }))).toEqual([`${ns}-B`, `${ns}-a`]);
      expect(idsOf(await ctx.storage.rules.findWithinDomain(d, { after: `${ns}-a`, limit: 2 }))).toEqual([`${ns}-c`, `${ns}-g`]);
      expect(await ctx.storage.rules.findWithinDomain(`nothing.${d}`, { limit: 10 })).toEqual([]);
      expect(await ctx.storage.rules.findWithinDomain(d, { limit: 10, provenOnly: true })).toEqual([]);
      await ctx.storage.rules.delete(`${ns}-a`);
      expect(idsOf(await ctx.storage.rules.findWithinDomain(`eu.${d}`, { limit: 100 }))).toEqual([`${ns}-B`]);
      for (const limit of [0, 1001]) await expectOrgKitError(ctx.storage.rules.findWithinDomain(d, { limit }), "VALIDATION_FAILED");
      await expectOrgKitError(ctx.storage.rules.findWithinDomain(d, { limit: 10, provenOnly: "yes" as never }), "VALIDATION_FAILED");
    });

    ctx.test("setProof sets and clears a domain rule's proof; unknown is false; another kind is VALIDATION_FAILED", async () => {
      const ns = ctx.namespace();
      await ctx.storage.organizations.insert(org(`${ns}-o`));
      const r = rule(`${ns}-r`, `${ns}-o`, { kind: "domain", value: `${ns}.example`, exclusive: true });
      await ctx.storage.rules.insert(r);
      await ctx.storage.rules.insert(rule(`${ns}-p`, `${ns}-o`, { kind: "phone", value: "+14155550100" }));
      expect(await ctx.storage.rules.setProof(`${ns}-missing`, proof())).toBe(false);
      await expectOrgKitError(ctx.storage.rules.setProof(`${ns}-p`, proof()), "VALIDATION_FAILED");
      expect(await ctx.storage.rules.setProof(r.id, proof(5))).toBe(true);
      expect(await ctx.storage.rules.get(r.id)).toEqual({ ...r, proof: proof(5) });
      expect(idsOf(await ctx.storage.rules.findWithinDomain(`${ns}.example`, { limit: 10, provenOnly: true }))).toEqual([r.id]);
      expect(idsOf(await ctx.storage.rules.findByKeys([{ kind: "domain", value: `${ns}.example` }]))).toEqual([r.id]);
      await expectDetached(await ctx.storage.rules.get(r.id), () => ctx.storage.rules.get(r.id));
      if (ctx.inspect?.rule) expect(await ctx.inspect.rule(r.id)).toMatchObject({ id: r.id, proven: true, proofMethod: "dns" });
      expect(await ctx.storage.rules.setProof(r.id, null)).toBe(true);
      expect((await ctx.storage.rules.get(r.id))?.proof ?? null).toBeNull();
      expect(await ctx.storage.rules.findWithinDomain(`${ns}.example`, { limit: 10, provenOnly: true })).toEqual([]);
      if (ctx.inspect?.rule) expect(await ctx.inspect.rule(r.id)).toMatchObject({ proven: false, proofMethod: null });
    });

    ctx.test("two organizations' proofs never nest: the same domain, one above, one under are CONFLICT (unique); the same organization may", async () => {
      const ns = ctx.namespace();
      const d = `${ns}.example`;
      for (const o of ["o1", "o2"]) await ctx.storage.organizations.insert(org(`${ns}-${o}`));
      const mine = [["m1", d], ["m2", `eu.${d}`]] as const;
      const theirs = [["t1", d], ["t2", `eu.${d}`], ["t3", `deep.eu.${d}`], ["t4", `example`], ["t5", `not${d}`], ["t6", `us.${d}`]] as const;
      for (const [id, value] of mine) await ctx.storage.rules.insert(rule(`${ns}-${id}`, `${ns}-o1`, { kind: "domain", value }));
      for (const [id, value] of theirs) await ctx.storage.rules.insert(rule(`${ns}-${id}`, `${ns}-o2`, { kind: "domain", value }));
      expect(await ctx.storage.rules.setProof(`${ns}-m2`, proof())).toBe(true);
      expect(await ctx.storage.rules.setProof(`${ns}-m1`, proof())).toBe(true); // nesting within one organization is fine
      for (const id of ["t1", "t2", "t3", "t4", "t6"]) {
        await expectOrgKitError(ctx.storage.rules.setProof(`${ns}-${id}`, proof()), "CONFLICT", "unique");
        expect((await ctx.storage.rules.get(`${ns}-${id}`))?.proof ?? null).toBeNull();
      }
      expect(await ctx.storage.rules.setProof(`${ns}-t5`, proof())).toBe(true); // notX.example is not under X.example
      // Deleting a proven rule frees what only it covered: a sibling of eu.<d>, not <d> itself (eu.<d> is still proven under it).
      await ctx.storage.rules.delete(`${ns}-m1`);
      expect(await ctx.storage.rules.setProof(`${ns}-t6`, proof())).toBe(true);
      await expectOrgKitError(ctx.storage.rules.setProof(`${ns}-t1`, proof()), "CONFLICT", "unique");
    });

    ctx.test("a rule's challenge is stored beside it, replaced in place, and deleted with the rule", async () => {
      const ns = ctx.namespace();
      await ctx.storage.organizations.insert(org(`${ns}-o`));
      await ctx.storage.organizations.insert(org(`${ns}-x`));
      const r = rule(`${ns}-r`, `${ns}-o`, { kind: "domain", value: `${ns}.example` });
      await ctx.storage.rules.insert(r);
      const challenge: DomainChallengeRecord = { ruleId: r.id, organizationId: `${ns}-o`, domain: r.value, token: `${ns}tok`, issuedAt: at(1), lastFailure: null };
      expect(await ctx.storage.rules.getChallenge(r.id)).toBeNull();
      expect(await ctx.storage.rules.putChallenge({ ...challenge, ruleId: `${ns}-missing` })).toBe(false);
      expect(await ctx.storage.rules.putChallenge({ ...challenge, organizationId: `${ns}-x` })).toBe(false);
      expect(await ctx.storage.rules.getChallenge(r.id)).toBeNull();
      expect(await ctx.storage.rules.putChallenge(challenge)).toBe(true);
      expect(await ctx.storage.rules.getChallenge(r.id)).toEqual(challenge);
      await expectDetached(await ctx.storage.rules.getChallenge(r.id), () => ctx.storage.rules.getChallenge(r.id));
      const failed = { ...challenge, lastFailure: { at: at(2), method: "dns", reason: "no_record" } } as const;
      expect(await ctx.storage.rules.putChallenge(failed)).toBe(true);
      expect(await ctx.storage.rules.getChallenge(r.id)).toEqual(failed);
      // Reading the rule never shows the token.
      expect(JSON.stringify(await ctx.storage.rules.get(r.id))).not.toContain(`${ns}tok`);
      if (ctx.inspect?.rule) expect(await ctx.inspect.rule(r.id)).toMatchObject({ challengeToken: `${ns}tok` });
      expect(await ctx.storage.rules.delete(r.id)).toBe(true);
      expect(await ctx.storage.rules.getChallenge(r.id)).toBeNull();
      if (ctx.inspect?.rule) expect(await ctx.inspect.rule(r.id)).toBeNull();
      // A new rule with the same id starts without one.
      await ctx.storage.rules.insert(r);
      expect(await ctx.storage.rules.getChallenge(r.id)).toBeNull();
    });

    ctx.test("proofs and challenges written in a rolled-back transaction leave nothing", async () => {
      const ns = ctx.namespace();
      await ctx.storage.organizations.insert(org(`${ns}-o`));
      const r = rule(`${ns}-r`, `${ns}-o`, { kind: "domain", value: `${ns}.example` });
      await ctx.storage.rules.insert(r);
      const challenge: DomainChallengeRecord = { ruleId: r.id, organizationId: `${ns}-o`, domain: r.value, token: `${ns}tok`, issuedAt: at(1), lastFailure: null };
      await expect(
        ctx.storage.transaction(async (tx) => {
          await tx.rules.setProof(r.id, proof());
          await tx.rules.putChallenge(challenge);
          throw new Error("roll back");
        }),
      ).rejects.toThrow("roll back");
      expect(await ctx.storage.rules.get(r.id)).toEqual(r);
      expect(await ctx.storage.rules.getChallenge(r.id)).toBeNull();
      if (ctx.inspect?.rule) expect(await ctx.inspect.rule(r.id)).toMatchObject({ proven: false, challengeToken: null });
    });

    ctx.test("listAdmins returns the organization's admin memberships by user id, a page at a time", async () => {
      const ns = ctx.namespace();
      await ctx.storage.organizations.insert(org(`${ns}-o`));
      await ctx.storage.organizations.insert(org(`${ns}-x`));
      for (const [userId, admin] of [["c", true], ["a", true], ["b", false], ["B", true]] as const) {
        await ctx.storage.memberships.put(membership(`${ns}-${userId}`, `${ns}-o`, { admin }));
      }
      await ctx.storage.memberships.put(membership(`${ns}-z`, `${ns}-x`, { admin: true }));
      const ids = async (after: string | null, limit: number) => (await ctx.storage.memberships.listAdmins(`${ns}-o`, { after, limit })).map((m) => m.userId);
      expect(await ids(null, 10)).toEqual([`${ns}-B`, `${ns}-a`, `${ns}-c`]);
      expect(await ids(null, 2)).toEqual([`${ns}-B`, `${ns}-a`]);
      expect(await ids(`${ns}-a`, 2)).toEqual([`${ns}-c`]);
      // Losing the flag, or the membership, takes it out.
      await ctx.storage.memberships.put(membership(`${ns}-a`, `${ns}-o`, { admin: false }));
      await ctx.storage.memberships.delete(`${ns}-c`, `${ns}-o`);
      expect(await ids(null, 10)).toEqual([`${ns}-B`]);
      expect(await ctx.storage.memberships.listAdmins(`${ns}-none`, { limit: 10 })).toEqual([]);
      await expectOrgKitError(ctx.storage.memberships.listAdmins(`${ns}-o`, { limit: 0 }), "VALIDATION_FAILED");
    });
  },
};
