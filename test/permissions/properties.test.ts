import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compilePolicy, type Policy, type PolicyChange, type PolicySnapshot } from "../../src/permissions/index.js";
import { CANARY, GROUP_IDS, ORG_IDS, PERMISSIONS, USER_IDS, cascadeSnapshotArb, changeArb, snapshotArb } from "./arbitraries.js";
import { applyChangeNaively } from "./reference.js";
import { ALL_REQUESTS, SUBJECTS, compiledAnswers, label, referenceAnswers, toPolicyRequest, tryCompile } from "./universe-answers.js";
import { isOrgKitError } from "../../src/index.js";

/** Random policies without access rules (the seed's independent organizations), and with random cascading rules (issue 16). */
const WORLDS = [
  { name: "default rules", worlds: snapshotArb },
  { name: "cascading rules", worlds: cascadeSnapshotArb },
];

describe.each(WORLDS)("compiled policy vs the naive reference evaluator ($name)", ({ worlds }) => {
  it("agree on every check of random policies (by id and by handle)", () => {
    fc.assert(
      fc.property(worlds, (snapshot) => {
        const policy = compilePolicy(snapshot);
        const expected = referenceAnswers(snapshot);
        expect(compiledAnswers(policy)).toEqual(expected);
        expect(compiledAnswers(policy, true)).toEqual(expected);
      }),
      { numRuns: 100 },
    );
  });

  it("agree after random changes (withChanges, with warm caches) as after recompiling the edited snapshot", () => {
    fc.assert(
      fc.property(worlds, fc.array(changeArb, { minLength: 1, maxLength: 8 }), (start, changes) => {
        let snapshot = start;
        let policy = compilePolicy(snapshot);
        for (const change of changes) {
          compiledAnswers(policy); // warm the subject cache so carried-over subjects are exercised
          const edited = applyChangeNaively(snapshot, change);
          const recompiled = tryCompile(edited);
          let next: Policy | "invalid";
          try {
            next = policy.withChanges([change]);
          } catch (error) {
            if (!isOrgKitError(error, "INVALID_SNAPSHOT")) throw error;
            next = "invalid";
          }
          expect({ change, result: next === "invalid" ? "invalid" : "ok" }).toEqual({ change, result: recompiled === "invalid" ? "invalid" : "ok" });
          if (next === "invalid") continue;
          snapshot = edited;
          policy = next;
          expect(policy.version).toBe(snapshot.version);
          expect(compiledAnswers(policy)).toEqual(referenceAnswers(snapshot));
        }
      }),
      { numRuns: 100 },
    );
  });

  it("gives the same answers for a snapshot that went through JSON", () => {
    fc.assert(
      fc.property(worlds, (snapshot) => {
        expect(compiledAnswers(compilePolicy(JSON.parse(JSON.stringify(snapshot)) as PolicySnapshot))).toEqual(compiledAnswers(compilePolicy(snapshot)));
      }),
      { numRuns: 30 },
    );
  });
});

describe.each(WORLDS)("explain ($name)", ({ worlds }) => {
  it("agrees with every check, lists grants exactly when allowed, and always gives a reason", () => {
    fc.assert(
      fc.property(worlds, (snapshot) => {
        const policy = compilePolicy(snapshot);
        for (const r of ALL_REQUESTS) {
          const request = toPolicyRequest(policy, r, false);
          const decision = policy.explain(request);
          const allowed = policy.check(request);
          if (decision.allowed !== allowed) throw new Error(`explain disagrees on ${label(r)}: ${JSON.stringify(decision)}`);
          expect(decision.check).toBe(r.check);
          expect(decision.grants.length > 0).toBe(allowed);
          expect(decision.reason.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe("usergroup monotonicity", () => {
  const permissionsBy = (policy: Policy) => Object.fromEntries(SUBJECTS.map((who) => [String(who), policy.permissionsOf(who === null ? policy.guest() : who)]));

  it("adding a group to a user never removes a permission; removing one never adds", () => {
    fc.assert(
      fc.property(snapshotArb, fc.constantFrom(...USER_IDS), fc.constantFrom(...GROUP_IDS), (snapshot, userId, groupId) => {
        const policy = compilePolicy(snapshot);
        const user = snapshot.users!.find((u) => u.id === userId)!;
        const without = (user.usergroupIds ?? []).filter((g) => g !== groupId);
        const added = policy.withChanges([{ type: "user.set", user: { ...user, usergroupIds: [...without, groupId] } }]);
        const removed = policy.withChanges([{ type: "user.set", user: { ...user, usergroupIds: without } }]);
        const base = permissionsBy(policy);
        const more = permissionsBy(added);
        const less = permissionsBy(removed);
        for (const who of Object.keys(base)) {
          for (const p of base[who]!) expect(more[who]).toContain(p);
          for (const p of less[who]!) expect(base[who]).toContain(p);
        }
      }),
      { numRuns: 100 },
    );
  });

  it("linking a group to an organization never removes a member's permission; a new membership never removes one", () => {
    fc.assert(
      fc.property(snapshotArb, fc.constantFrom(...ORG_IDS), fc.constantFrom(...GROUP_IDS), fc.constantFrom(...USER_IDS), (snapshot, orgId, groupId, userId) => {
        const policy = compilePolicy(snapshot);
        const org = snapshot.organizations!.find((o) => o.id === orgId)!;
        const changes: PolicyChange[] = [
          { type: "organization.set", organization: { ...org, usergroupIds: [...(org.usergroupIds ?? []), groupId] } },
          { type: "membership.set", membership: { userId, organizationId: orgId } },
        ];
        const before = permissionsBy(policy);
        for (const change of changes) {
          const after = permissionsBy(policy.withChanges([change]));
          for (const who of Object.keys(before)) for (const p of before[who]!) expect(after[who]).toContain(p);
        }
      }),
      { numRuns: 100 },
    );
  });

  it("never allows a canary permission that no group grants", () => {
    fc.assert(
      fc.property(snapshotArb, fc.array(changeArb, { maxLength: 5 }), (snapshot, changes) => {
        let policy = compilePolicy(snapshot);
        for (const change of changes) {
          try {
            policy = policy.withChanges([change]);
          } catch {
            // an invalid random change: keep the policy
          }
        }
        for (const who of SUBJECTS) {
          const subject = who === null ? policy.guest() : who;
          expect(policy.can(subject, CANARY)).toBe(false);
          expect(policy.canAll(subject, [...PERMISSIONS, CANARY])).toBe(false);
          expect(policy.permissionsOf(subject)).not.toContain(CANARY);
          expect(policy.explain({ check: "can", subject, permission: CANARY }).allowed).toBe(false);
        }
      }),
      { numRuns: 100 },
    );
  });
});
