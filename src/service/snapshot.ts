import type { Membership, ResourceOwnership, User } from "../domain/membership/model.js";
import type { Organization } from "../domain/organization/schema.js";
import {
  POLICY_SNAPSHOT_SCHEMA_VERSION,
  type PolicyMembership,
  type PolicyOrganization,
  type PolicySnapshot,
  type PolicyStaffProfile,
  type PolicyUser,
  type PolicyUsergroup,
} from "../permissions/snapshot.js";
import { keysetPages } from "../storage/pages.js";
import type { StaffProfileRecord, StorageSession, UsergroupRecord } from "../storage/ports.js";
import type { OrgKitConfig } from "./config.js";

/** The access rules of the configuration (`roles`, `admins`) that policy snapshots carry. */
export type AccessRulesConfig = Pick<OrgKitConfig, "roles" | "admins">;

/** The snapshot fields of the configured access rules: none when nothing was configured (snapshots stay as before). */
export function accessRulesFields(rules: AccessRulesConfig): Pick<PolicySnapshot, "roles" | "admins"> {
  return { ...(rules.roles === undefined ? {} : { roles: rules.roles }), ...(rules.admins === undefined ? {} : { admins: rules.admins }) };
}

const PAGE = 1000;

/** Reads every page of a keyset scan. */
async function scanAll<T>(scan: (after: string | null) => Promise<T[]>, keyOf: (item: T) => string): Promise<T[]> {
  const all: T[] = [];
  for await (const page of keysetPages((o) => scan(o.after ?? null), keyOf, PAGE)) all.push(...page);
  return all;
}

export function toPolicyOrganization(o: Organization): PolicyOrganization {
  return { id: o.id, parentId: o.parentId, states: o.states, usergroupIds: o.usergroupIds, allowedRoles: o.allowedRoles, allowedApps: o.allowedApps, status: o.status };
}

export function toPolicyUser(u: User): PolicyUser {
  return { id: u.id, kind: u.kind, registered: u.registered, usergroupIds: u.usergroupIds, platformRole: u.platformRole, profileId: u.profileId };
}

export function toPolicyMembership(m: Membership): PolicyMembership {
  return { userId: m.userId, organizationId: m.organizationId, role: m.role, admin: m.admin };
}

export function toPolicyUsergroup(g: UsergroupRecord): PolicyUsergroup {
  return { id: g.id, name: g.name, permissions: g.permissions, builtIn: g.builtIn };
}

export function toPolicyProfile(p: StaffProfileRecord): PolicyStaffProfile {
  return { id: p.id, name: p.name, ...(p.grants as Omit<PolicyStaffProfile, "id" | "name">) };
}

export function toPolicyResource(r: ResourceOwnership) {
  return { kind: r.kind, id: r.id, organizationId: r.organizationId };
}

/**
 * The whole policy snapshot of a storage: every organization, user, membership,
 * resource, usergroup and profile, read page by page, with the configured access rules.
 * `version` is the audit trail's last sequence, so a service can tell when to refresh.
 */
export async function readFullSnapshot(session: StorageSession, states: readonly string[], rules: AccessRulesConfig = { roles: undefined, admins: undefined }): Promise<PolicySnapshot> {
  // One read at a time: the session may be a transaction on a single connection, which
  // runs one statement at a time anyway (pg warns about, and pg 9 refuses, overlapping ones).
  const version = await session.events.lastSequence();
  const organizations = await scanAll((after) => session.organizations.scan({ after, limit: PAGE }), (o) => o.id);
  const users = await scanAll((after) => session.users.scan({ after, limit: PAGE }), (u) => u.id);
  const memberships = await scanAll((after) => session.memberships.scan({ after, limit: PAGE }), (m) => `${m.userId}\u0000${m.organizationId}`);
  const resources = await scanAll((after) => session.resources.scan({ after, limit: PAGE }), (r) => `${r.kind}\u0000${r.id}`);
  const usergroups = await session.usergroups.list();
  const profiles = await session.profiles.list();
  return {
    schemaVersion: POLICY_SNAPSHOT_SCHEMA_VERSION,
    version,
    stateFlags: states,
    usergroups: usergroups.map(toPolicyUsergroup),
    profiles: profiles.map(toPolicyProfile),
    organizations: organizations.map(toPolicyOrganization),
    users: users.map(toPolicyUser),
    memberships: memberships.map(toPolicyMembership),
    resources: resources.map(toPolicyResource),
    ...accessRulesFields(rules),
  };
}
