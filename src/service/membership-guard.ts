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
import { forbidden } from "../errors.js";
import type { Membership } from "../domain/membership/model.js";
import type { Organization } from "../domain/organization/schema.js";
import type { MembershipReassignOptions, StorageSession } from "../storage/ports.js";
import { administers, type Authorization } from "./authorization.js";

/** Options of {@link guardMembershipWrites}. */
export interface MembershipGuardOptions {
  /**
   * A user who consented to the use case (the invitee accepting an invitation): ending
   * that user's own memberships needs no rights, as under `"single"` accepting moves it.
   */
  readonly consentingUserId?: string;
}

/**
 * Wraps `session` so that membership writes in an organization need rights there, as the
 * evaluator answers them: platform admins everywhere; those who manage its users (its
 * org admins) for any membership; staff with `edit` on it for the memberships its rules
 * created (they could remove those rules); anyone in an organization the same use case
 * created. A membership a member rule creates or re-sources is that organization's own
 * say-so (its rule matched a verified identity), so it needs no more; ending one does,
 * unless it is the membership of the user who consented to the use case.
 */
export function guardMembershipWrites(session: StorageSession, auth: Authorization, options: MembershipGuardOptions = {}): StorageSession {
  if (auth.allows({ check: "canAdministerPlatform" })) return session;
  const actor = auth.actor;
  const created = new Set<string>();

  /**
   * A membership set by hand or by an import is changed directly by those who manage the
   * organization's users; one a rule created, also by those who may edit the
   * organization (they could remove or change its rules).
   */
  async function mayChange(organizationId: string, bySource: "rule" | "manual"): Promise<boolean> {
    if (created.has(organizationId)) return true;
    const organization = await session.organizations.get(organizationId);
    if (organization === null) return false;
    return bySource === "rule" ? administers(auth, organization) : auth.allows({ check: "canManageUser", organization });
  }

  async function requireRights(organizationId: string, userId: string, bySource: "rule" | "manual", change: "add or change" | "remove"): Promise<void> {
    if (await mayChange(organizationId, bySource)) return;
    // The organization and the user are for the logs only: the actor may see neither (a
    // user moved out of another organization under the "single" policy, by a rule change).
    throw forbidden(actor, `${change} a membership`, "membership_outside_rights", { organizationId, userId });
  }

  const memberships = session.memberships;
  const organizations = session.organizations;
  return {
    users: session.users,
    rules: session.rules,
    usergroups: session.usergroups,
    profiles: session.profiles,
    resources: session.resources,
    ...(session.invitations ? { invitations: session.invitations } : {}),
    events: session.events,
    changes: session.changes,
    organizations: withOverrides(organizations, {
      async insert(organization) {
        await organizations.insert(organization);
        created.add(organization.id);
      },
      ...(organizations.insertMany
        ? {
            async insertMany(list: readonly Organization[]) {
              await organizations.insertMany!(list);
              for (const organization of list) created.add(organization.id);
            },
          }
        : {}),
    }),
    memberships: withOverrides(memberships, {
      async put(membership: Membership) {
        if (membership.source.type !== "rule") await requireRights(membership.organizationId, membership.userId, "manual", "add or change");
        return memberships.put(membership);
      },
      async delete(userId: string, organizationId: string) {
        const existing = await memberships.get(userId, organizationId);
        if (existing === null) return false;
        // The user's own say-so: it accepted a change that takes it out of here.
        if (userId === options.consentingUserId) return memberships.delete(userId, organizationId);
        await requireRights(organizationId, userId, existing.source.type === "rule" ? "rule" : "manual", "remove");
        return memberships.delete(userId, organizationId);
      },
      // Moving memberships wholesale (a merge) changes any membership of both organizations:
      // it needs the right to manage the users of each.
      ...(memberships.reassignOrganization
        ? {
            async reassignOrganization(from: string, to: string, options: MembershipReassignOptions) {
              await requireRights(from, "(every member)", "manual", "remove");
              await requireRights(to, "(every member)", "manual", "add or change");
              return memberships.reassignOrganization!(from, to, options);
            },
          }
        : {}),
    }),
  };
}

/**
 * `target` with some members replaced. The rest are read from `target` and its methods
 * called on it, so a host adapter written as a class (private fields, prototype
 * methods) keeps working.
 */
export function withOverrides<T extends object>(target: T, overrides: Partial<T>): T {
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
