/**
 * Issue 16, cascades under change: random moves, discontinuations and reactivations
 * (status changes keep the parent, so the evaluator re-blocks its numbering instead of
 * renumbering), new organizations and membership changes, applied with warm caches
 * (subjects carried over, numberings computed). After every step the incremental policy
 * must answer every question of the universe as the naive walk over parent pointers does
 * (`reference.ts`), and as a policy compiled from scratch — read scopes and ticket
 * filters included; the typed-facts road (`withFacts`) and the feed road
 * (`applyChangeEntries`) must agree too.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyChangeEntries, compilePolicy, type Policy, type PolicyChange, type PolicyOrganization, type PolicySnapshot } from "../../src/permissions/index.js";
import type { FactChange } from "../../src/permissions/changes.js";
import { compileFacts, membershipFact, organizationFact, withFacts } from "../../src/permissions/facts.js";
import { createStateSpace } from "../../src/permissions/state-combinations.js";
import { FLAGS, ORG_IDS, ROLES, USER_IDS, cascadeSnapshotArb, rulesArb, snapshotArb } from "./arbitraries.js";
import { applyChangeNaively } from "./reference.js";
import { ORGS, SUBJECTS, compiledAnswers, referenceAnswers } from "./universe-answers.js";

const space = createStateSpace(FLAGS);

/** A step on the tree or on memberships, resolved against the current snapshot by {@link toChange}. */
type Step =
  | { readonly kind: "move"; readonly org: string; readonly parent: string | null }
  | { readonly kind: "status"; readonly org: string; readonly active: boolean }
  | { readonly kind: "add"; readonly parent: string | null }
  | { readonly kind: "join"; readonly user: string; readonly org: string; readonly role: string; readonly admin: boolean }
  | { readonly kind: "leave"; readonly user: string; readonly org: string };

/** The universe's organizations, and the first ones a step adds (a step naming one not added yet adds it, or is refused). */
const ANY_ORG = [...ORG_IDS, "o-added-0", "o-added-1"];
/** The organizations every comparison asks about: the universe's and those steps may add. */
const ASKED = [...ORGS, "o-added-0", "o-added-1", "o-added-2", "o-added-3"];

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant("move" as const), org: fc.constantFrom(...ANY_ORG), parent: fc.option(fc.constantFrom(...ANY_ORG), { nil: null }) }),
  fc.record({ kind: fc.constant("status" as const), org: fc.constantFrom(...ANY_ORG), active: fc.boolean() }),
  fc.record({ kind: fc.constant("status" as const), org: fc.constantFrom(...ORG_IDS), active: fc.boolean() }),
  fc.record({ kind: fc.constant("add" as const), parent: fc.option(fc.constantFrom(...ANY_ORG), { nil: null }) }),
  fc.record({ kind: fc.constant("join" as const), user: fc.constantFrom(...USER_IDS), org: fc.constantFrom(...ANY_ORG), role: fc.constantFrom(...ROLES), admin: fc.boolean() }),
  fc.record({ kind: fc.constant("leave" as const), user: fc.constantFrom(...USER_IDS), org: fc.constantFrom(...ANY_ORG) }),
);

/** The change a step makes to `snapshot` (an organization keeps its other fields; one not there yet is added). */
function toChange(snapshot: PolicySnapshot, step: Step, added: number): PolicyChange {
  const current = (id: string): PolicyOrganization => (snapshot.organizations ?? []).find((o) => o.id === id) ?? { id };
  switch (step.kind) {
    case "move":
      return { type: "organization.set", organization: { ...current(step.org), parentId: step.parent } };
    case "status":
      return { type: "organization.set", organization: { ...current(step.org), status: step.active ? "active" : "discontinued" } };
    case "add":
      return { type: "organization.set", organization: { id: `o-added-${added}`, parentId: step.parent } };
    case "join":
      return { type: "membership.set", membership: { userId: step.user, organizationId: step.org, role: step.role, admin: step.admin } };
    case "leave":
      return { type: "membership.remove", userId: step.user, organizationId: step.org };
  }
}

/** The typed form of a change, as the service hands it over. */
function toFactChange(change: PolicyChange): FactChange {
  if (change.type === "organization.set") return { type: change.type, organization: organizationFact(change.organization, space) };
  if (change.type === "membership.set") return { type: change.type, membership: membershipFact(change.membership) };
  return change as FactChange;
}

/** Both read scopes of every subject. */
function scopes(policy: Policy): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const who of SUBJECTS) {
    const subject = who === null ? policy.guest() : policy.subject(who);
    out[`${who}`] = [subject.organizationReadScope(), subject.ticketReadFilter()];
  }
  return out;
}

/** Runs `steps` on `start` through `withChanges` one at a time, comparing after each step. */
function play(start: PolicySnapshot, steps: readonly Step[]): void {
  let snapshot = start;
  let policy = compilePolicy(snapshot);
  let typed = compileFacts({ ...snapshot, stateFlags: [...FLAGS] });
  let fed = compilePolicy(snapshot);
  let added = 0;
  for (const step of steps) {
    // Warm: resolve every subject (numbering computed, reaches built), compute their scopes.
    compiledAnswers(policy, false, ASKED);
    scopes(policy);
    const change = toChange(snapshot, step, added);
    if (step.kind === "add") added++;
    let next: Policy;
    try {
      next = policy.withChanges([change]);
    } catch (error) {
      // A move under its own subtree: refused, and the naive road agrees it is a cycle.
      expect((error as { code?: string }).code).toBe("INVALID_SNAPSHOT");
      expect(compilePolicy.bind(null, applyChangeNaively(snapshot, change))).toThrow();
      continue;
    }
    snapshot = applyChangeNaively(snapshot, change);
    policy = next;
    typed = withFacts(typed, [toFactChange(change)]);
    fed = applyChangeEntries(fed, [{ revision: fed.version + 1, changes: [change] }]);
    const expected = referenceAnswers(snapshot, ASKED);
    const fresh = compilePolicy(snapshot);
    expect(compiledAnswers(policy, false, ASKED)).toEqual(expected);
    expect(compiledAnswers(typed, false, ASKED)).toEqual(expected);
    expect(compiledAnswers(fed, false, ASKED)).toEqual(expected);
    expect(scopes(policy)).toEqual(scopes(fresh));
    expect(scopes(typed)).toEqual(scopes(fresh));
  }
}

describe("cascades after random moves and status changes", () => {
  it("incremental decisions equal the naive walk and a fresh compile after every step (random rules)", () => {
    fc.assert(
      fc.property(cascadeSnapshotArb, fc.array(stepArb, { minLength: 1, maxLength: 10 }), (start, steps) => play(start, steps)),
      { numRuns: 100 },
    );
  });

  it("the same with every role and the admin flag cascading (cascades everywhere)", () => {
    const everything: Pick<PolicySnapshot, "roles" | "admins"> = {
      roles: Object.fromEntries(ROLES.map((role) => [role, { cascade: "descendants" as const }])),
      admins: { cascade: "descendants" },
    };
    fc.assert(
      fc.property(snapshotArb, fc.array(stepArb, { minLength: 1, maxLength: 10 }), (start, steps) => play({ ...start, ...everything }, steps)),
      { numRuns: 100 },
    );
  });

  it("rules only add: what a policy without rules lets a user read or manage, the same policy with random rules does too", () => {
    fc.assert(
      fc.property(snapshotArb, rulesArb, (snapshot, rules) => {
        const plain = compilePolicy(snapshot);
        const ruled = compilePolicy({ ...snapshot, ...rules });
        // Cascades only add: anything the plain policy allows on an organization, the ruled one allows too (tickets aside: `roles` may turn a manager's off).
        for (const who of USER_IDS) {
          for (const org of ORG_IDS) {
            if (plain.canOnOrganization(who, "read", org)) expect(ruled.canOnOrganization(who, "read", org)).toBe(true);
            for (const target of [null, ...USER_IDS]) if (plain.canManageUser(who, target, org)) expect(ruled.canManageUser(who, target, org)).toBe(true);
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});
