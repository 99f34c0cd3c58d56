/**
 * `explain`: the same decisions as the fast checks, derived again from the compiled
 * records (not from the subject's precomputed bitsets) and annotated with every fact
 * that granted them. Slower than a check by design; property tests assert that
 * `explain(request).allowed` equals the check for every request.
 *
 * @module
 */
import { ROLE_CASCADES, ROLE_SEES_TICKETS, roleFlagsOf } from "./access-rules.js";
import { hasBit } from "./bitset.js";
import type { Decision, Grant, UsergroupVia } from "./decision.js";
import { resourceKey, type ProfileFact } from "./read-facts.js";
import type { PermissionRequestIssue } from "./parse-request.js";
import type { CheckName, NoteRef, OrganizationRef, PermissionRequest, ResourceRef, TicketRef } from "./requests.js";
import { describeThrown } from "./snapshot-reader.js";
import { REACH_ADMIN, REACH_READ, REACH_RESOURCES, REACH_TICKETS, type ReachKind } from "./reach.js";
import { MANAGER_ROLE, type NoteRule, type OrganizationAction } from "./snapshot.js";
import { combinationKeyOfMask } from "./state-combinations.js";
import { actionBit, findMembership, type ResolvedSubject } from "./subject.js";
import type { MembershipRecord, OrganizationRecord } from "./tables.js";
import { ancestorIdsOf, walkAncestors } from "./tree.js";

type AnySubject = ResolvedSubject<string>;

/**
 * Explains one well-formed request (plain data, as `readPermissionRequest` returns it)
 * for an already resolved subject. `allowed` is the fast check's answer, used only if
 * the explanation cannot be built at all (a reason longer than the engine's maximum
 * string length, from a pathological snapshot): then the decision keeps that answer,
 * lists no grants and says why.
 */
export function explainRequest(subject: AnySubject, request: PermissionRequest<string, unknown>, allowed: () => boolean): Decision {
  try {
    return explainWellFormed(subject, request);
  } catch (error) {
    return decision(request.check, subject, allowed(), [], `the explanation could not be built (${describeThrown(error)})`);
  }
}

/**
 * The denial of a malformed request: `issues` lists what is malformed and `reason`
 * joins their messages. `check` is the request's check text (see `Decision.check`).
 */
export function explainMalformed(subject: AnySubject, check: string, issues: readonly PermissionRequestIssue[]): Decision {
  const reason = issues.map((issue) => issue.message).join("; ");
  return { check: check as CheckName, allowed: false, subject: { id: subject.id, kind: subject.kind }, grants: [], reason, issues };
}

function explainWellFormed(subject: AnySubject, request: PermissionRequest<string, unknown>): Decision {
  const check = request.check;
  if (!subject.known) return deny(check, subject, `unknown subject "${subject.id}": the policy holds no such user, so everything is denied`);
  switch (check) {
    case "can":
      return explainCan(subject, request.permission);
    case "canAll":
      return explainCanAll(subject, request.permissions);
    case "canOnOrganization":
      return explainOnOrganization(subject, request.action, request.organization);
    case "canAddOrganization":
      return explainAddOrganization(subject);
    case "canAdministerPlatform":
      return explainPlatform(subject, check, (role) => role !== null, "not a platform admin");
    case "canGrantPlatformRoles":
      return explainPlatform(subject, check, (role) => role === "super_admin", "not a super admin");
    case "canEditNote":
      return explainNote(subject, "canEditNote", request.note, "editOwn", "editAny");
    case "canDeleteNote":
      return explainNote(subject, "canDeleteNote", request.note, "deleteOwn", "deleteAny");
    case "canManageUser":
      return explainManageUser(subject, request.targetUserId, request.organizationId);
    case "canAssignRole":
      return explainAllowedList(subject, "canAssignRole", request.organizationId, request.role);
    case "canUseApp":
      return explainAllowedList(subject, "canUseApp", request.organizationId, request.app);
    case "canAccessResource":
      return explainAccessResource(subject, request.resource);
    case "canViewTicket":
      return explainViewTicket(subject, request.ticket);
    default:
      return unknownCheck(check, subject);
  }
}

/** An unknown `check` (possible from untyped JavaScript) is denied, never thrown. */
function unknownCheck(check: never, subject: AnySubject): Decision {
  return deny(check, subject, `"${String(check)}" is not a check`);
}

function decision(check: CheckName, subject: AnySubject, allowed: boolean, grants: readonly Grant[], reason: string): Decision {
  return { check, allowed, subject: { id: subject.id, kind: subject.kind }, grants, reason };
}

function deny(check: CheckName, subject: AnySubject, reason: string): Decision {
  return decision(check, subject, false, [], reason);
}

function allow(check: CheckName, subject: AnySubject, grants: readonly Grant[]): Decision {
  return decision(check, subject, true, grants, listText(grants.map(describeGrant), "; ", "grants"));
}

/** Most items a reason lists (a request may name any number of permissions; `grants` keeps them all). */
const MAX_LISTED = 50;

/** `items` joined, at most {@link MAX_LISTED} of them, then how many more `noun`s there are. */
function listText(items: readonly string[], separator: string, noun: string): string {
  if (items.length <= MAX_LISTED) return items.join(separator);
  return `${items.slice(0, MAX_LISTED).join(separator)}${separator}… and ${items.length - MAX_LISTED} more ${noun}`;
}

/**
 * A short human description of a grant, used to build `reason`. Never throws: a value
 * that is not a grant (from untyped code) is described as such.
 */
export function describeGrant(grant: Grant): string {
  try {
    return describeKnownGrant(grant);
  } catch {
    return "(not a grant)";
  }
}

function describeKnownGrant(grant: Grant): string {
  switch (grant.type) {
    case "usergroup":
      return `usergroup "${grant.usergroupName}" (${grant.via === "organization" ? `linked to organization "${grant.organizationId}"` : grant.via}) grants "${grant.permission}"`;
    case "platform-role":
      return `platform role ${grant.role}`;
    case "profile-cell":
      return `staff profile "${grant.profileId}" allows ${grant.action} on organizations in state "${grant.combination}"`;
    case "profile-add":
      return `staff profile "${grant.profileId}" allows adding organizations`;
    case "profile-notes":
      return `staff profile "${grant.profileId}" has note rule ${grant.rule}`;
    case "membership":
      return `${grant.admin ? "admin " : ""}membership of "${grant.organizationId}" (role ${grant.role})`;
    case "allowed-role":
      return `"${grant.organizationId}" lets its admins assign role "${grant.role}"`;
    case "allowed-app":
      return `"${grant.organizationId}" lets its admins use app "${grant.app}"`;
    case "target-membership":
      return `user "${grant.userId}" is a member of "${grant.organizationId}"`;
    case "new-user":
      return `a new user of "${grant.organizationId}"`;
    case "requester":
      return `"${grant.userId}" raised the ticket`;
    case "resource-owner":
      return `${grant.kind} "${grant.id}" is owned by "${grant.organizationId}"`;
    case "cascade":
      return `${grant.via === "admin" ? "admin" : grant.role} of "${grant.organizationId}" (cascades to descendants) → "${grant.reachedOrganizationId}" is below "${grant.organizationId}"`;
    default:
      return unreachableGrant(grant);
  }
}

function unreachableGrant(_grant: never): string {
  return "(not a grant)";
}

interface GroupSource {
  readonly index: number;
  readonly via: UsergroupVia;
  readonly organizationId?: string;
}

/** Every effective usergroup of a known subject, with how it reached the subject. */
function groupSources(subject: AnySubject): GroupSource[] {
  const { groups, organizations } = subject.tables;
  const out: GroupSource[] = [];
  for (const index of groups.everyone) out.push({ index, via: "everyone" });
  const record = subject.record;
  if (record === null) return out;
  if (record.registered) for (const index of groups.registered) out.push({ index, via: "registered" });
  for (const index of record.groups) out.push({ index, via: "own" });
  for (const membership of record.memberships) {
    const org = organizations.get(membership.organizationId);
    if (org === undefined || !org.active) continue;
    for (const index of org.groups) out.push({ index, via: "organization", organizationId: org.id });
  }
  return out;
}

function usergroupGrants(subject: AnySubject, permission: string): Grant[] {
  const { groups, permissions } = subject.tables;
  const id = permissions.indexOf.get(permission);
  if (id === undefined) return [];
  const out: Grant[] = [];
  for (const source of groupSources(subject)) {
    const fact = groups.facts[source.index];
    if (!fact || !hasBit(groups.bits.subarray(source.index * groups.words, (source.index + 1) * groups.words), id)) continue;
    const grant: Grant =
      source.organizationId === undefined
        ? { type: "usergroup", usergroupId: fact.id, usergroupName: fact.name, permission, via: source.via }
        : { type: "usergroup", usergroupId: fact.id, usergroupName: fact.name, permission, via: source.via, organizationId: source.organizationId };
    out.push(grant);
  }
  return out;
}

function effectiveGroupNames(subject: AnySubject): string {
  const { groups } = subject.tables;
  const names = new Set<string>();
  for (const source of groupSources(subject)) {
    const fact = groups.facts[source.index];
    if (fact) names.add(fact.name);
  }
  return names.size === 0 ? "none" : [...names].map((n) => `"${n}"`).join(", ");
}

function explainCan(subject: AnySubject, permission: string): Decision {
  const grants = usergroupGrants(subject, permission);
  if (grants.length > 0) return allow("can", subject, grants);
  // Known: in the catalogue, or granted by a group defined now (ids of names no group grants
  // any more stay interned after changes; a fresh compile would not know them).
  const { permissions, groups } = subject.tables;
  const index = permissions.indexOf.get(permission);
  const known =
    permissions.catalogue?.has(permission) === true ||
    (index !== undefined && groups.facts.some((fact, g) => fact !== null && (groups.bits[g * groups.words + (index >>> 5)]! & (1 << (index & 31))) !== 0));
  return deny(
    "can",
    subject,
    known
      ? `no effective usergroup grants "${permission}" (effective usergroups: ${effectiveGroupNames(subject)})`
      : `"${permission}" is not a known permission: no usergroup grants it`,
  );
}

function explainCanAll(subject: AnySubject, permissions: readonly string[]): Decision {
  if (permissions.length === 0) return deny("canAll", subject, "no permissions requested (an empty request is denied)");
  const grants: Grant[] = [];
  const missing: string[] = [];
  for (const permission of permissions) {
    const found = usergroupGrants(subject, permission);
    if (found.length === 0) missing.push(permission);
    grants.push(...found);
  }
  if (missing.length === 0) return allow("canAll", subject, grants);
  const list = listText(missing.map((p) => `"${p}"`), ", ", "permissions");
  return deny("canAll", subject, `no effective usergroup grants ${list} (effective usergroups: ${effectiveGroupNames(subject)})`);
}

function organizationOf(subject: AnySubject, ref: OrganizationRef): OrganizationRecord | undefined {
  const org = subject.organization(ref);
  return org.index < 0 ? undefined : org;
}

/** The agent's staff profile, or why there is none. */
function profileOf(subject: AnySubject): ProfileFact | string {
  const record = subject.record;
  if (record === null) return "a guest has no staff profile";
  if (record.profileId === null) return `"${record.id}" has no staff profile`;
  if (record.kind !== "agent") return `staff profiles apply to agents only and "${record.id}" is a ${record.kind}`;
  return subject.tables.profiles.get(record.profileId) ?? `staff profile "${record.profileId}" is not in the policy`;
}

/** The subject's membership of `org`, if the organization is active. */
function activeMembership(subject: AnySubject, org: OrganizationRecord): MembershipRecord | undefined {
  if (subject.record === null || !org.active) return undefined;
  return findMembership(subject.record.memberships, org.index);
}

function membershipGrant(m: MembershipRecord): Grant {
  return { type: "membership", organizationId: m.organizationId, role: m.role, admin: m.admin };
}

function platformGrant(subject: AnySubject): Grant | undefined {
  const role = subject.record?.platformRole ?? null;
  return role === null ? undefined : { type: "platform-role", role };
}

/** Why a membership did not count, for denial reasons; `kind` is what a cascade from above would have had to give. */
function membershipNote(subject: AnySubject, org: OrganizationRecord, kind: ReachKind): string {
  const record = subject.record;
  if (record === null) return "no membership";
  const membership = findMembership(record.memberships, org.index);
  if (membership !== undefined && !org.active) return `the membership of "${org.id}" is dormant (the organization is discontinued)`;
  if (membership !== undefined) return `member of "${org.id}"`;
  const stopped = cascadeStop(subject, org, kind);
  if (stopped !== null) return `not a member of "${org.id}"; ${stopped}`;
  const ancestors = ancestorIdsOf(subject.tables.organizations, org.id);
  let above: MembershipRecord | undefined;
  const ofAncestor = ancestors.find((id) => {
    const ancestor = subject.tables.organizations.get(id);
    above = ancestor === undefined ? undefined : findMembership(record.memberships, ancestor.index);
    return above !== undefined;
  });
  if (ofAncestor !== undefined) {
    const why = subject.tables.rules.cascades ? `: ${notCascading(subject, above!, kind)}` : "";
    return `not a member of "${org.id}" (a membership of ancestor "${ofAncestor}" gives no rights over child organizations${why})`;
  }
  return `not a member of "${org.id}"`;
}

/** The ways a membership's rights of `kind` cascade: through its role, its admin flag, or neither. */
function cascadeVias(subject: AnySubject, membership: MembershipRecord, kind: ReachKind): ("role" | "admin")[] {
  const rules = subject.tables.rules;
  const role = roleFlagsOf(rules, membership.role);
  const byRole = (role & ROLE_CASCADES) !== 0 && (kind === REACH_READ || kind === REACH_RESOURCES || (kind === REACH_TICKETS && (role & ROLE_SEES_TICKETS) !== 0));
  const byAdmin = membership.admin && rules.adminCascades && (kind === REACH_READ || kind === REACH_ADMIN);
  const vias: ("role" | "admin")[] = [];
  if (byRole) vias.push("role");
  if (byAdmin) vias.push("admin");
  return vias;
}

/** Why a membership of an organization above does not cascade rights of `kind`. */
function notCascading(subject: AnySubject, membership: MembershipRecord, kind: ReachKind): string {
  const role = roleFlagsOf(subject.tables.rules, membership.role);
  const roleCascades = (role & ROLE_CASCADES) !== 0;
  const rolePart = roleCascades ? `role ${membership.role} cascades but does not see tickets` : `role ${membership.role} does not cascade`;
  const adminPart = !membership.admin ? "it is not an admin membership" : "admin rights do not cascade";
  if (kind === REACH_ADMIN) return adminPart;
  if (kind === REACH_READ) return membership.admin ? `role ${membership.role} does not cascade and ${adminPart}` : `role ${membership.role} does not cascade`;
  return kind === REACH_TICKETS ? rolePart : `role ${membership.role} does not cascade`;
}

/**
 * The cascade grants that reach `org` for `kind`, found by walking up from it (a walk,
 * not the subject's precomputed reach, so `explain` checks the fast path): each active
 * ancestor's membership that cascades, until a discontinued ancestor stops the walk (its
 * own memberships are dormant, and it stops every cascade from above). A discontinued
 * `org` is reached by no cascade.
 */
function cascadeGrants(subject: AnySubject, org: OrganizationRecord, kind: ReachKind): Grant[] {
  const record = subject.record;
  if (!subject.tables.rules.cascades || record === null || !org.active) return [];
  const grants: Grant[] = [];
  for (const ancestor of walkAncestors(org.id, subject.tables.organizations, (o) => o.parentId)) {
    if (!ancestor.active) break;
    const membership = findMembership(record.memberships, ancestor.index);
    if (membership === undefined) continue;
    for (const via of cascadeVias(subject, membership, kind)) {
      grants.push({ type: "cascade", organizationId: ancestor.id, role: membership.role, admin: membership.admin, via, reachedOrganizationId: org.id });
    }
  }
  return grants;
}

/** When a discontinued organization between a cascading membership above and `org` (or `org` itself) stops the cascade, says so. */
function cascadeStop(subject: AnySubject, org: OrganizationRecord, kind: ReachKind): string | null {
  const record = subject.record;
  if (!subject.tables.rules.cascades || record === null) return null;
  let stop: OrganizationRecord | null = org.active ? null : org;
  for (const ancestor of walkAncestors(org.id, subject.tables.organizations, (o) => o.parentId)) {
    const membership = findMembership(record.memberships, ancestor.index);
    const vias = membership === undefined ? [] : cascadeVias(subject, membership, kind);
    if (stop !== null && vias.length > 0) {
      const who = vias[0] === "admin" ? "admin" : membership!.role;
      return `the cascade of ${who} of "${ancestor.id}" stops at discontinued "${stop.id}"`;
    }
    if (stop === null && !ancestor.active) stop = ancestor;
  }
  return null;
}

/** Every grant allowing `action` on `org` (platform role, profile cell, membership for read). */
function organizationGrants(subject: AnySubject, action: OrganizationAction, org: OrganizationRecord): Grant[] {
  const grants: Grant[] = [];
  const platform = platformGrant(subject);
  if (platform) grants.push(platform);
  const profile = profileOf(subject);
  if (typeof profile !== "string" && (profile.cells[org.mask]! & actionBit(action)) !== 0) {
    grants.push({ type: "profile-cell", profileId: profile.id, combination: combinationKeyOfMask(org.mask, subject.tables.space), action });
  }
  if (action === "read") {
    const membership = activeMembership(subject, org);
    if (membership) grants.push(membershipGrant(membership));
    grants.push(...cascadeGrants(subject, org, REACH_READ));
  }
  return grants;
}

function organizationDenial(subject: AnySubject, action: OrganizationAction, org: OrganizationRecord): string {
  const combination = combinationKeyOfMask(org.mask, subject.tables.space);
  const profile = profileOf(subject);
  const profilePart = typeof profile === "string" ? profile : `staff profile "${profile.id}" does not allow ${action} on organizations in state "${combination}"`;
  const membershipPart =
    action === "read" ? membershipNote(subject, org, REACH_READ) : "memberships and org admin rights never allow editing or deleting organizations";
  return `not a platform admin; ${profilePart}; ${membershipPart}`;
}

function explainOnOrganization(subject: AnySubject, action: OrganizationAction, ref: OrganizationRef): Decision {
  const check = "canOnOrganization";
  if (actionBit(action) === 0) return deny(check, subject, `"${String(action)}" is not an organization action (read, edit, delete)`);
  const org = organizationOf(subject, ref);
  if (org === undefined) return deny(check, subject, `unknown organization "${typeof ref === "string" ? ref : ref.id}"`);
  const grants = organizationGrants(subject, action, org);
  if (grants.length === 0) return deny(check, subject, organizationDenial(subject, action, org));
  if (action !== "read" && grants.every((g) => g.type === "profile-cell") && organizationGrants(subject, "read", org).length === 0) {
    // Edit and delete need read too (see `canOnOrganization`).
    const combination = combinationKeyOfMask(org.mask, subject.tables.space);
    return deny(check, subject, `staff profile allows ${action} but not read on organizations in state "${combination}" (and ${membershipNote(subject, org, REACH_READ)}): an organization it may not read it may not ${action} either`);
  }
  return allow(check, subject, grants);
}

function explainAddOrganization(subject: AnySubject): Decision {
  const check = "canAddOrganization";
  const grants: Grant[] = [];
  const platform = platformGrant(subject);
  if (platform) grants.push(platform);
  const profile = profileOf(subject);
  if (typeof profile !== "string" && profile.add) grants.push({ type: "profile-add", profileId: profile.id });
  if (grants.length > 0) return allow(check, subject, grants);
  const profilePart = typeof profile === "string" ? profile : `staff profile "${profile.id}" does not allow adding organizations`;
  return deny(check, subject, `not a platform admin; ${profilePart}`);
}

function explainPlatform(
  subject: AnySubject,
  check: "canAdministerPlatform" | "canGrantPlatformRoles",
  holds: (role: string | null) => boolean,
  denial: string,
): Decision {
  const platform = platformGrant(subject);
  if (platform && holds(subject.record?.platformRole ?? null)) return allow(check, subject, [platform]);
  return deny(check, subject, platform ? `${denial} (platform role ${subject.record?.platformRole})` : denial);
}

function explainNote(subject: AnySubject, check: "canEditNote" | "canDeleteNote", note: NoteRef, own: NoteRule, any: NoteRule): Decision {
  const org = organizationOf(subject, note.organizationId);
  if (org === undefined) return deny(check, subject, `unknown organization "${note.organizationId}"`);
  const platform = platformGrant(subject);
  if (platform) return allow(check, subject, [platform]);
  const profile = profileOf(subject);
  if (typeof profile === "string") return deny(check, subject, `not a platform admin; ${profile}`);
  const mine = note.authorId === subject.id;
  let rule: NoteRule | null = null;
  if (profile.notes[any]) rule = any;
  else if (mine && profile.notes[own]) rule = own;
  if (rule === null) {
    const whose = mine ? `own notes (${own}) or any notes (${any})` : `notes by others (${any})`;
    return deny(check, subject, `staff profile "${profile.id}" does not allow this on ${whose}`);
  }
  const readGrants = organizationGrants(subject, "read", org);
  if (readGrants.length === 0) return deny(check, subject, `cannot read organization "${org.id}": ${organizationDenial(subject, "read", org)}`);
  return allow(check, subject, [{ type: "profile-notes", profileId: profile.id, rule }, ...readGrants]);
}

/**
 * What makes the subject an admin of `org` — its active admin membership, or the
 * cascading admin memberships above that reach it — or why nothing does.
 */
function adminGrants(subject: AnySubject, org: OrganizationRecord): Grant[] | string {
  const membership = activeMembership(subject, org);
  const grants = membership?.admin === true ? [membershipGrant(membership)] : [];
  grants.push(...cascadeGrants(subject, org, REACH_ADMIN));
  if (grants.length > 0) return grants;
  if (membership !== undefined) return `not an admin of "${org.id}" (member with role ${membership.role})`;
  return `not an admin of "${org.id}": ${membershipNote(subject, org, REACH_ADMIN)}`;
}

function explainManageUser(subject: AnySubject, targetUserId: string | null, organizationId: string): Decision {
  const check = "canManageUser";
  const org = organizationOf(subject, organizationId);
  if (org === undefined) return deny(check, subject, `unknown organization "${organizationId}"`);
  const target = targetUserId === null ? null : subject.tables.users.get(targetUserId);
  if (target === undefined) return deny(check, subject, `unknown user "${targetUserId}"`);
  const platform = platformGrant(subject);
  if (platform) {
    if (target !== null && target.platformRole === "super_admin" && subject.record?.platformRole !== "super_admin") {
      return deny(check, subject, `only a super_admin may manage super_admin "${target.id}"`);
    }
    return allow(check, subject, [platform]);
  }
  const admin = adminGrants(subject, org);
  if (typeof admin === "string") return deny(check, subject, `not a platform admin; ${admin}`);
  if (target === null) return allow(check, subject, [...admin, { type: "new-user", organizationId: org.id }]);
  if (target.platformRole !== null) return deny(check, subject, `"${target.id}" is a platform ${target.platformRole}; org admins never manage platform admins`);
  const targetMembership = findMembership(target.memberships, org.index);
  if (targetMembership === undefined) return deny(check, subject, `"${target.id}" is not a member of "${org.id}"; org admins manage only their own organization's users`);
  if (targetMembership.admin) return deny(check, subject, `"${target.id}" is an admin of "${org.id}"; org admins manage only plain members (admins are designated and removed by platform admins)`);
  return allow(check, subject, [...admin, { type: "target-membership", userId: target.id, organizationId: org.id, role: targetMembership.role }]);
}

function explainAllowedList(subject: AnySubject, check: "canAssignRole" | "canUseApp", organizationId: string, value: string): Decision {
  const org = organizationOf(subject, organizationId);
  if (org === undefined) return deny(check, subject, `unknown organization "${organizationId}"`);
  const platform = platformGrant(subject);
  if (platform) return allow(check, subject, [platform]);
  const admin = adminGrants(subject, org);
  if (typeof admin === "string") return deny(check, subject, `not a platform admin; ${admin}`);
  if (check === "canAssignRole") {
    if (!org.allowedRoles.includes(value)) return deny(check, subject, `"${org.id}" does not let its admins assign role "${value}" (allowed: ${org.allowedRoles.join(", ") || "none"})`);
    return allow(check, subject, [...admin, { type: "allowed-role", organizationId: org.id, role: value }]);
  }
  if (!org.allowedApps.includes(value)) return deny(check, subject, `"${org.id}" does not let its admins use app "${value}" (allowed: ${org.allowedApps.join(", ") || "none"})`);
  return allow(check, subject, [...admin, { type: "allowed-app", organizationId: org.id, app: value }]);
}

function explainAccessResource(subject: AnySubject, resource: ResourceRef): Decision {
  const check = "canAccessResource";
  const ownerId = subject.tables.resources.get(resourceKey(resource.kind, resource.id));
  const org = ownerId === undefined ? undefined : organizationOf(subject, ownerId);
  if (ownerId === undefined || org === undefined) return deny(check, subject, `unknown resource ${resource.kind} "${resource.id}"`);
  const platform = platformGrant(subject);
  if (platform) return allow(check, subject, [platform]);
  const membership = activeMembership(subject, org);
  const owner: Grant = { type: "resource-owner", kind: resource.kind, id: resource.id, organizationId: org.id };
  const through = [...(membership === undefined ? [] : [membershipGrant(membership)]), ...cascadeGrants(subject, org, REACH_RESOURCES)];
  if (through.length > 0) return allow(check, subject, [owner, ...through]);
  const who = subject.tables.rules.cascades ? "only members of the owning organization, and cascading roles above it, have access" : "only members of the owning organization have access, not its parent, siblings or children";
  return deny(check, subject, `${describeGrant(owner)}; ${membershipNote(subject, org, REACH_RESOURCES)} (${who})`);
}

function explainViewTicket(subject: AnySubject, ticket: TicketRef): Decision {
  const check = "canViewTicket";
  if (subject.record === null) return deny(check, subject, "a guest sees no tickets");
  const grants: Grant[] = [];
  const platform = platformGrant(subject);
  if (platform) grants.push(platform);
  if (ticket.requesterId === subject.id) grants.push({ type: "requester", userId: subject.record.id });
  const organizationId = ticket.organizationId ?? null;
  const profile = profileOf(subject);
  const { space } = subject.tables;
  let orgPart = "";
  if (organizationId === null) {
    if (typeof profile !== "string" && (profile.cells[0]! & 1) !== 0) grants.push({ type: "profile-cell", profileId: profile.id, combination: combinationKeyOfMask(0, space), action: "read" });
    orgPart = typeof profile === "string" ? profile : `the ticket has no organization and staff profile "${profile.id}" does not allow read on state "none"`;
  } else {
    const org = organizationOf(subject, organizationId);
    if (org === undefined) {
      orgPart = `unknown organization "${organizationId}"`;
    } else {
      const membership = activeMembership(subject, org);
      const rules = subject.tables.rules;
      if (membership !== undefined && (roleFlagsOf(rules, membership.role) & ROLE_SEES_TICKETS) !== 0) grants.push(membershipGrant(membership));
      grants.push(...cascadeGrants(subject, org, REACH_TICKETS));
      if (typeof profile !== "string" && (profile.cells[org.mask]! & 1) !== 0) {
        grants.push({ type: "profile-cell", profileId: profile.id, combination: combinationKeyOfMask(org.mask, space), action: "read" });
      }
      const managerPart = ticketRoleNote(subject, org, membership);
      const profilePart = typeof profile === "string" ? profile : `staff profile "${profile.id}" does not allow read on state "${combinationKeyOfMask(org.mask, space)}"`;
      orgPart = `${managerPart}; ${profilePart}`;
    }
  }
  if (grants.length > 0) return allow(check, subject, grants);
  return deny(check, subject, `not a platform admin; not the requester; ${orgPart}`);
}

/** Why no role of the subject sees `org`'s tickets (in the words of the default rules when the snapshot sets no `roles`). */
function ticketRoleNote(subject: AnySubject, org: OrganizationRecord, membership: MembershipRecord | undefined): string {
  const rules = subject.tables.rules;
  const defaultRoles = rules.roles.size === 1 && rules.roles.get(MANAGER_ROLE) === ROLE_SEES_TICKETS;
  if (membership === undefined) {
    const above = membershipNote(subject, org, REACH_TICKETS);
    return defaultRoles && !rules.cascades ? `not a ${MANAGER_ROLE} of "${org.id}"` : `no role that sees the tickets of "${org.id}": ${above}`;
  }
  return defaultRoles ? `role ${membership.role} in "${org.id}" is not ${MANAGER_ROLE}` : `role ${membership.role} in "${org.id}" does not see its tickets`;
}
