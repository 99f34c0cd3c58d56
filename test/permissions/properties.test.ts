import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compilePolicy, isOrgKitError, type PermissionRequest, type Policy, type PolicyChange, type PolicySnapshot } from "../../src/permissions/index.js";
import { ACTIONS, APPS, CANARY, GROUP_IDS, ORG_IDS, PERMISSIONS, RESOURCE_IDS, ROLES, USER_IDS, changeArb, snapshotArb } from "./arbitraries.js";
import { applyChangeNaively, referenceEvaluator, type Who } from "./reference.js";

const SUBJECTS: Who[] = [...USER_IDS, "u-new", "ghost", null];
const ORGS = [...ORG_IDS, "o-new", "o-missing"];

/** Every request of the small universe for one subject (`null`: the guest). */
function requestsFor(who: Who): PermissionRequest<string, Who>[] {
  const out: PermissionRequest<string, Who>[] = [];
  const subject = who;
  for (const permission of [...PERMISSIONS, CANARY, "unknown"]) out.push({ check: "can", subject, permission });
  for (const permissions of [["p0", "p1"], ["p2", "p3", "p4"], ["p5", CANARY], []]) out.push({ check: "canAll", subject, permissions });
  out.push({ check: "canAddOrganization", subject });
  out.push({ check: "canAdministerPlatform", subject });
  out.push({ check: "canGrantPlatformRoles", subject });
  for (const organizationId of ORGS) {
    for (const action of ACTIONS) out.push({ check: "canOnOrganization", subject, action, organization: organizationId });
    for (const authorId of [who ?? "nobody", "someone"]) {
      out.push({ check: "canEditNote", subject, note: { organizationId, authorId } });
      out.push({ check: "canDeleteNote", subject, note: { organizationId, authorId } });
    }
    for (const targetUserId of [null, ...USER_IDS, "ghost"]) out.push({ check: "canManageUser", subject, targetUserId, organizationId });
    for (const role of [...ROLES, "other"]) out.push({ check: "canAssignRole", subject, organizationId, role });
    for (const app of [...APPS, "a3"]) out.push({ check: "canUseApp", subject, organizationId, app });
  }
  for (const id of [...RESOURCE_IDS, "r-missing"]) out.push({ check: "canAccessResource", subject, resource: { kind: "asset", id } });
  for (const organizationId of [...ORG_IDS, null, "o-missing"]) {
    for (const requesterId of [who ?? "nobody", "u1"]) out.push({ check: "canViewTicket", subject, ticket: { requesterId, organizationId } });
  }
  return out;
}

const ALL_REQUESTS = SUBJECTS.flatMap(requestsFor);

function label(request: PermissionRequest<string, Who>): string {
  return JSON.stringify(request);
}

function referenceCheck(ref: ReturnType<typeof referenceEvaluator>, r: PermissionRequest<string, Who>): boolean {
  switch (r.check) {
    case "can":
      return ref.can(r.subject, r.permission);
    case "canAll":
      return ref.canAll(r.subject, r.permissions);
    case "canOnOrganization":
      return ref.canOnOrganization(r.subject, r.action, r.organization as string);
    case "canAddOrganization":
      return ref.canAddOrganization(r.subject);
    case "canAdministerPlatform":
      return ref.canAdministerPlatform(r.subject);
    case "canGrantPlatformRoles":
      return ref.canGrantPlatformRoles(r.subject);
    case "canEditNote":
      return ref.canEditNote(r.subject, r.note);
    case "canDeleteNote":
      return ref.canDeleteNote(r.subject, r.note);
    case "canManageUser":
      return ref.canManageUser(r.subject, r.targetUserId, r.organizationId);
    case "canAssignRole":
      return ref.canAssignRole(r.subject, r.organizationId, r.role);
    case "canUseApp":
      return ref.canUseApp(r.subject, r.organizationId, r.app);
    case "canAccessResource":
      return ref.canAccessResource(r.subject, r.resource);
    case "canViewTicket":
      return ref.canViewTicket(r.subject, r.ticket);
  }
}

/** The policy's request form of a universe request: ids as given, the guest as `policy.guest()`. */
function toPolicyRequest(policy: Policy, r: PermissionRequest<string, Who>, handles: boolean): PermissionRequest {
  const subject = r.subject === null ? policy.guest() : handles ? policy.subject(r.subject) : r.subject;
  return { ...r, subject } as PermissionRequest;
}

function compiledAnswers(policy: Policy, handles = false): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const r of ALL_REQUESTS) out[label(r)] = policy.check(toPolicyRequest(policy, r, handles));
  for (const who of SUBJECTS) {
    const subject = who === null ? policy.guest() : who;
    out[`permissionsOf ${who}`] = [...policy.permissionsOf(subject)].sort();
    for (const root of ORGS) out[`visible ${who} ${root}`] = policy.visibleOrganizations(subject, root);
  }
  return out;
}

function referenceAnswers(snapshot: PolicySnapshot): Record<string, unknown> {
  const ref = referenceEvaluator(snapshot);
  const out: Record<string, unknown> = {};
  for (const r of ALL_REQUESTS) out[label(r)] = referenceCheck(ref, r);
  for (const who of SUBJECTS) {
    out[`permissionsOf ${who}`] = ref.permissionsOf(who);
    for (const root of ORGS) out[`visible ${who} ${root}`] = ref.visibleOrganizations(who, root);
  }
  return out;
}

function tryCompile(snapshot: PolicySnapshot): Policy | "invalid" {
  try {
    return compilePolicy(snapshot);
  } catch (error) {
    if (isOrgKitError(error, "INVALID_SNAPSHOT")) return "invalid";
    throw error;
  }
}

describe("compiled policy vs the naive reference evaluator", () => {
  it("agree on every check of random policies (by id and by handle)", () => {
    fc.assert(
      fc.property(snapshotArb, (snapshot) => {
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
      fc.property(snapshotArb, fc.array(changeArb, { minLength: 1, maxLength: 8 }), (start, changes) => {
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
      fc.property(snapshotArb, (snapshot) => {
        expect(compiledAnswers(compilePolicy(JSON.parse(JSON.stringify(snapshot)) as PolicySnapshot))).toEqual(compiledAnswers(compilePolicy(snapshot)));
      }),
      { numRuns: 30 },
    );
  });
});

describe("explain", () => {
  it("agrees with every check, lists grants exactly when allowed, and always gives a reason", () => {
    fc.assert(
      fc.property(snapshotArb, (snapshot) => {
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
