/**
 * The service hands the evaluator typed facts (`compileFacts`, `withFacts`) instead of a
 * JSON snapshot it re-reads. Both roads feed one builder; these properties hold them to
 * the same answers on random worlds, and to the same refusals of invalid changes.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compilePolicy, type PermissionRequest, type Policy, type PolicyChange, type PolicySnapshot } from "../../src/permissions/index.js";
import type { FactChange } from "../../src/permissions/changes.js";
import { compileFacts, membershipFact, organizationFact, profileFact, resourceFact, userFact, usergroupFact, withFacts } from "../../src/permissions/facts.js";
import { createStateSpace } from "../../src/permissions/state-combinations.js";
import { FLAGS, cascadeSnapshotArb, changeArb, requestArb, snapshotArb } from "./arbitraries.js";

const space = createStateSpace(FLAGS);

function toFactChange(change: PolicyChange): FactChange {
  switch (change.type) {
    case "membership.set":
      return { type: change.type, membership: membershipFact(change.membership) };
    case "user.set":
      return { type: change.type, user: userFact(change.user) };
    case "usergroup.set":
      return { type: change.type, usergroup: usergroupFact(change.usergroup) };
    case "profile.set":
      return { type: change.type, profile: profileFact(change.profile, space) };
    case "organization.set":
      return { type: change.type, organization: organizationFact(change.organization, space) };
    case "resource.set":
      return { type: change.type, resource: resourceFact(change.resource) };
    default:
      return change;
  }
}

function answers(policy: Policy, requests: readonly PermissionRequest[]): unknown[] {
  return requests.map((r) => {
    const decision = policy.explain(r);
    return [policy.check(r), decision.allowed, decision.reason];
  });
}

function factsOf(snapshot: PolicySnapshot) {
  return { ...snapshot, stateFlags: snapshot.stateFlags ?? [...FLAGS] };
}

/** Applies changes one batch at a time on both roads; `null` when the batch was refused (INVALID_SNAPSHOT). */
function attempt<T>(apply: () => T): T | "refused" {
  try {
    return apply();
  } catch (error) {
    expect((error as { code?: string }).code).toBe("INVALID_SNAPSHOT");
    return "refused";
  }
}

/** Random policies without access rules, and with random cascading rules (`roles`, `admins`: issue 16). */
const WORLDS = [
  { name: "default rules", worlds: snapshotArb },
  { name: "cascading rules", worlds: cascadeSnapshotArb },
];

describe.each(WORLDS)("typed facts (compileFacts, withFacts; $name)", ({ worlds }) => {
  it("compileFacts answers every request exactly as compilePolicy does", () => {
    fc.assert(
      fc.property(worlds, fc.array(requestArb, { minLength: 1, maxLength: 60 }), (snapshot, requests) => {
        const untrusted = compilePolicy(snapshot);
        const typed = compileFacts(factsOf(snapshot));
        expect(typed.version).toBe(untrusted.version);
        expect(answers(typed, requests)).toEqual(answers(untrusted, requests));
        for (const r of requests) {
          if (r.check !== "canOnOrganization") continue;
          const subject = r.subject;
          expect(typed.subject(typeof subject === "string" ? subject : "u0").organizationReadScope()).toEqual(
            untrusted.subject(typeof subject === "string" ? subject : "u0").organizationReadScope(),
          );
        }
      }),
      { numRuns: 300 },
    );
  });

  it("withFacts applies a change sequence exactly as withChanges does, refusing the same invalid batches", () => {
    fc.assert(
      fc.property(worlds, fc.array(fc.array(changeArb, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 8 }), fc.array(requestArb, { minLength: 1, maxLength: 40 }), (snapshot, batches, requests) => {
        let untrusted = compilePolicy(snapshot);
        let typed = compileFacts(factsOf(snapshot));
        for (const batch of batches) {
          const nextUntrusted = attempt(() => untrusted.withChanges(batch));
          const nextTyped = attempt(() => withFacts(typed, batch.map(toFactChange)));
          expect(nextTyped === "refused").toBe(nextUntrusted === "refused");
          if (nextUntrusted === "refused" || nextTyped === "refused") continue;
          untrusted = nextUntrusted;
          typed = nextTyped;
          expect(typed.version).toBe(untrusted.version);
          expect(answers(typed, requests)).toEqual(answers(untrusted, requests));
        }
      }),
      { numRuns: 300 },
    );
  });

  it("still refuses what no single fact shows: a duplicate id, a dangling reference, a parent cycle", () => {
    const base = { version: 1, stateFlags: [...FLAGS] };
    const code = (f: () => unknown) => attempt(f);
    expect(code(() => compileFacts({ ...base, organizations: [{ id: "a" }, { id: "a" }] }))).toBe("refused");
    expect(code(() => compileFacts({ ...base, organizations: [{ id: "a", parentId: "b" }, { id: "b", parentId: "a" }] }))).toBe("refused");
    expect(code(() => compileFacts({ ...base, users: [{ id: "u" }], memberships: [{ userId: "u", organizationId: "nowhere" }] }))).toBe("refused");
    expect(code(() => compileFacts({ ...base, organizations: [{ id: "a", states: ["not-a-flag"] }] }))).toBe("refused");
    expect(code(() => compileFacts({ ...base, profiles: [{ id: "p", organizations: { "not-a-flag": ["read"] } }] }))).toBe("refused");
    const policy = compileFacts({ ...base, organizations: [{ id: "a" }, { id: "b", parentId: "a" }] });
    expect(code(() => withFacts(policy, [{ type: "organization.set", organization: organizationFact({ id: "a", parentId: "b" }, space) }]))).toBe("refused");
    // A refused batch leaves the policy as it was.
    expect(policy.subject("x").known).toBe(false);
    expect(policy.organization("a").known).toBe(true);
  });
});
