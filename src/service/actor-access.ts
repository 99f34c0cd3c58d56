import type { Membership, ResourceOwnership, User } from "../domain/membership/model.js";
import type { Organization } from "../domain/organization/schema.js";
import { compilePolicy, type Policy } from "../permissions/policy.js";
import { NO_STATE_KEY, POLICY_SNAPSHOT_SCHEMA_VERSION, STATE_KEY_SEPARATOR } from "../permissions/snapshot.js";
import type { Subject } from "../permissions/subject.js";
import type { ActorRef, StorageSession } from "../storage/ports.js";
import type { ActorAccess, OrganizationAction } from "./access.js";
import { toPolicyMembership, toPolicyOrganization, toPolicyProfile, toPolicyResource, toPolicyUser, toPolicyUsergroup } from "./snapshot.js";

const ALLOW_ALL: Omit<ActorAccess, "actor"> = {
  isSystem: true,
  isPlatformAdmin: false,
  isSuperAdmin: false,
  canAddOrganization: () => true,
  canOnOrganization: () => true,
  canManageUsersOf: () => true,
  canManageUser: () => true,
  canAssignRole: () => true,
  canSetAdmins: () => true,
  canAdministerPlatform: () => true,
  readVisibility: () => null,
  canAccessResource: () => true,
  canAdministerOrganization: () => true,
};

/** The slice's organizations carry no parent: the checks the service asks never walk the tree, and a slice need not hold ancestors. */
function sliceOrganization(organization: Organization) {
  return { ...toPolicyOrganization(organization), parentId: null };
}

/**
 * Loads what the permissions evaluator needs to authorize one actor — its user record,
 * its memberships and their organizations, its staff profile and the usergroups — and
 * compiles that slice. Organizations a use case asks about are added to the compiled
 * policy as it asks (`withChanges`), so no check ever needs a whole table.
 */
export async function loadActorAccess(session: StorageSession, actor: ActorRef, states: readonly string[]): Promise<ActorAccess> {
  if (actor.type === "system") return { actor, ...ALLOW_ALL };
  const user = await session.users.get(actor.id);
  const memberships = user ? await session.memberships.listByUser(user.id) : [];
  const organizations = await session.organizations.getMany(memberships.map((m) => m.organizationId));
  const profile = user?.profileId ? await session.profiles.get(user.profileId) : null;
  const usergroups = await session.usergroups.list();
  const present = new Set(organizations.map((o) => o.id));
  let policy: Policy = compilePolicy(
    {
      schemaVersion: POLICY_SNAPSHOT_SCHEMA_VERSION,
      version: 0,
      stateFlags: states,
      usergroups: usergroups.map(toPolicyUsergroup),
      profiles: profile ? [toPolicyProfile(profile)] : [],
      organizations: organizations.map(sliceOrganization),
      users: user ? [toPolicyUser(user)] : [],
      memberships: memberships.filter((m) => present.has(m.organizationId)).map(toPolicyMembership),
    },
    { subjectCacheSize: 4 },
  );
  let subject: Subject = policy.subject(actor.id);
  const withOrganization = (organization: Organization): Subject => {
    policy = policy.withChanges([{ type: "organization.set", organization: sliceOrganization(organization) }]);
    subject = policy.subject(actor.id);
    return subject;
  };
  const knownOrganization = (organizationId: string): boolean => present.has(organizationId);
  return {
    actor,
    isSystem: false,
    isPlatformAdmin: user?.platformRole != null,
    isSuperAdmin: user?.platformRole === "super_admin",
    canAddOrganization: () => subject.canAddOrganization(),
    canOnOrganization: (action: OrganizationAction, organization: Organization) => withOrganization(organization).canOnOrganization(action, organization.id),
    // Managing users needs admin rights in that organization, which only a membership (already in the slice) or a platform role gives.
    canManageUsersOf: (organizationId: string) =>
      user?.platformRole != null || (knownOrganization(organizationId) && subject.canManageUser(null, organizationId)),
    canManageUser: (target: User, membership: Membership | null, organization: Organization) => {
      // Add the target (and its membership there) to the slice, so the evaluator decides with the facts it needs.
      policy = policy.withChanges([
        { type: "organization.set", organization: sliceOrganization(organization) },
        { type: "user.set", user: toPolicyUser(target) },
        ...(membership ? [{ type: "membership.set" as const, membership: toPolicyMembership(membership) }] : []),
      ]);
      subject = policy.subject(actor.id);
      return subject.canManageUser(target.id, organization.id);
    },
    canAssignRole: (organization: Organization, role: string) => withOrganization(organization).canAssignRole(organization.id, role),
    canSetAdmins: () => user?.platformRole != null,
    canAdministerPlatform: () => user?.platformRole != null,
    canAccessResource: (resource: ResourceOwnership, owner: Organization) => {
      policy = policy.withChanges([
        { type: "organization.set", organization: sliceOrganization(owner) },
        { type: "resource.set", resource: toPolicyResource(resource) },
      ]);
      subject = policy.subject(actor.id);
      return subject.canAccessResource({ kind: resource.kind, id: resource.id });
    },
    canAdministerOrganization: (organization: Organization) =>
      user?.platformRole != null ||
      (knownOrganization(organization.id) && subject.canManageUser(null, organization.id)) ||
      withOrganization(organization).canOnOrganization("edit", organization.id),
    readVisibility: () => {
      const scope = subject.organizationReadScope();
      if (scope.all) return null;
      return {
        organizationIds: scope.organizationIds,
        stateSets: scope.stateCombinations.map((key) => (key === NO_STATE_KEY ? [] : key.split(STATE_KEY_SEPARATOR))),
      };
    },
  };
}
