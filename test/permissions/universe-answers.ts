/**
 * Every question of the small universe of `arbitraries.ts`, asked of a compiled policy
 * and of the naive reference evaluator, as one record of answers to compare.
 */
import { compilePolicy, type PermissionRequest, type Policy, type PolicySnapshot } from "../../src/permissions/index.js";
import { ACTIONS, APPS, CANARY, ORG_IDS, PERMISSIONS, RESOURCE_IDS, ROLES, USER_IDS } from "./arbitraries.js";
import { referenceEvaluator, type Who } from "./reference.js";
import { isOrgKitError } from "../../src/index.js";

/** Users, a user a change may add, an unknown id, and the guest (`null`). */
export const SUBJECTS: Who[] = [...USER_IDS, "u-new", "ghost", null];
/** The universe's organizations, one a change may add, and an unknown id. */
export const ORGS = [...ORG_IDS, "o-new", "o-missing"];

/** Every request of the small universe for one subject (`null`: the guest), about the organizations `orgs`. */
export function requestsFor(who: Who, orgs: readonly string[] = ORGS): PermissionRequest<string, Who>[] {
  const out: PermissionRequest<string, Who>[] = [];
  const subject = who;
  for (const permission of [...PERMISSIONS, CANARY, "unknown"]) out.push({ check: "can", subject, permission });
  for (const permissions of [["p0", "p1"], ["p2", "p3", "p4"], ["p5", CANARY], []]) out.push({ check: "canAll", subject, permissions });
  out.push({ check: "canAddOrganization", subject });
  out.push({ check: "canAdministerPlatform", subject });
  out.push({ check: "canGrantPlatformRoles", subject });
  for (const organizationId of orgs) {
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
  for (const organizationId of [...orgs.filter((id) => id !== "o-new"), null]) {
    for (const requesterId of [who ?? "nobody", "u1"]) out.push({ check: "canViewTicket", subject, ticket: { requesterId, organizationId } });
  }
  return out;
}

/** Every request of the universe, for every subject. */
export const ALL_REQUESTS = SUBJECTS.flatMap((who) => requestsFor(who));

/** A request as a key of the answer records. */
export function label(request: PermissionRequest<string, Who>): string {
  return JSON.stringify(request);
}

/** The reference evaluator's answer to a universe request. */
export function referenceCheck(ref: ReturnType<typeof referenceEvaluator>, r: PermissionRequest<string, Who>): boolean {
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
export function toPolicyRequest(policy: Policy, r: PermissionRequest<string, Who>, handles: boolean): PermissionRequest {
  const subject = r.subject === null ? policy.guest() : handles ? policy.subject(r.subject) : r.subject;
  return { ...r, subject } as PermissionRequest;
}

/** Every universe answer of a compiled policy (subjects by id, or by handle); `orgs`: the organizations asked about. */
export function compiledAnswers(policy: Policy, handles = false, orgs: readonly string[] = ORGS): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const requests = orgs === ORGS ? ALL_REQUESTS : SUBJECTS.flatMap((who) => requestsFor(who, orgs));
  for (const r of requests) out[label(r)] = policy.check(toPolicyRequest(policy, r, handles));
  for (const who of SUBJECTS) {
    const subject = who === null ? policy.guest() : who;
    out[`permissionsOf ${who}`] = [...policy.permissionsOf(subject)].sort();
    for (const root of orgs) out[`visible ${who} ${root}`] = policy.visibleOrganizations(subject, root);
  }
  return out;
}

/** Every universe answer of the reference evaluator over `snapshot`. */
export function referenceAnswers(snapshot: PolicySnapshot, orgs: readonly string[] = ORGS): Record<string, unknown> {
  const ref = referenceEvaluator(snapshot);
  const out: Record<string, unknown> = {};
  const requests = orgs === ORGS ? ALL_REQUESTS : SUBJECTS.flatMap((who) => requestsFor(who, orgs));
  for (const r of requests) out[label(r)] = referenceCheck(ref, r);
  for (const who of SUBJECTS) {
    out[`permissionsOf ${who}`] = ref.permissionsOf(who);
    for (const root of orgs) out[`visible ${who} ${root}`] = ref.visibleOrganizations(who, root);
  }
  return out;
}

/** The compiled policy, or `"invalid"` when the snapshot is refused (`INVALID_SNAPSHOT`). */
export function tryCompile(snapshot: PolicySnapshot): Policy | "invalid" {
  try {
    return compilePolicy(snapshot);
  } catch (error) {
    if (isOrgKitError(error, "INVALID_SNAPSHOT")) return "invalid";
    throw error;
  }
}

