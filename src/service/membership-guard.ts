/**
 * The membership invariant, enforced where memberships are written: **no use case
 * changes a membership in an organization where the actor could not have made that
 * change directly.** Every use case runs on a session whose `memberships.put` and
 * `memberships.delete` check it, so a cascade (a rule that out-ranks another
 * organization's, an identity change, a move under the `"single"` policy) cannot
 * reach an organization the actor has no rights on, whichever use case started it.
 *
 * @module
 */
import { OrgKitError } from "../errors.js";
import type { Membership } from "../domain/membership/model.js";
import type { ActorRef, StorageSession } from "../storage/ports.js";
import type { ActorAccess } from "./access.js";

/**
 * Wraps `session` so that membership writes in an organization need rights there: the
 * system actor and platform admins everywhere; an organization admin in its
 * organization; a staff member with `edit` on it (who could add or remove its rules);
 * anyone in an organization the same use case created. A membership a member rule
 * creates or re-sources is that organization's own say-so (its rule matched a verified
 * identity), so it needs no more; ending one does.
 */
export function guardMembershipWrites(session: StorageSession, actor: ActorRef, access: ActorAccess): StorageSession {
  if (access.isSystem || access.isPlatformAdmin) return session;
  const created = new Set<string>();
  const decided = new Map<string, boolean>();

  async function mayChange(organizationId: string): Promise<boolean> {
    if (created.has(organizationId)) return true;
    const known = decided.get(organizationId);
    if (known !== undefined) return known;
    let allowed = access.canManageUsersOf(organizationId);
    if (!allowed) {
      const organization = await session.organizations.get(organizationId);
      allowed = organization !== null && access.canOnOrganization("edit", organization);
    }
    decided.set(organizationId, allowed);
    return allowed;
  }

  async function requireRights(organizationId: string, userId: string, change: "add or change" | "remove"): Promise<void> {
    if (await mayChange(organizationId)) return;
    throw new OrgKitError(
      "FORBIDDEN",
      `${actor.type} ${actor.id} may not change the memberships of organization ${organizationId}: this would ${change} the membership of user ${userId} there`,
      { details: { actor, action: "change memberships", reason: "membership_outside_rights", organizationId, userId } },
    );
  }

  const memberships = session.memberships;
  const organizations = session.organizations;
  return {
    users: session.users,
    rules: session.rules,
    usergroups: session.usergroups,
    profiles: session.profiles,
    resources: session.resources,
    events: session.events,
    organizations: withOverrides(organizations, {
      async insert(organization) {
        await organizations.insert(organization);
        created.add(organization.id);
      },
    }),
    memberships: withOverrides(memberships, {
      async put(membership: Membership) {
        if (membership.source.type !== "rule") await requireRights(membership.organizationId, membership.userId, "add or change");
        return memberships.put(membership);
      },
      async delete(userId: string, organizationId: string) {
        await requireRights(organizationId, userId, "remove");
        return memberships.delete(userId, organizationId);
      },
    }),
  };
}

/**
 * `target` with some members replaced. The rest are read from `target` and its methods
 * called on it, so a host adapter written as a class (private fields, prototype
 * methods) keeps working.
 */
function withOverrides<T extends object>(target: T, overrides: Partial<T>): T {
  // The proxy's own target is an empty object: a frozen `target` would otherwise bind the
  // proxy to return its exact (unwrapped) members.
  return new Proxy({} as T, {
    get(_, key) {
      if (Object.hasOwn(overrides, key)) return (overrides as Record<PropertyKey, unknown>)[key];
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
