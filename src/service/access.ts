import { OrgKitError } from "../errors.js";
import type { Membership, ResourceOwnership, User } from "../domain/membership/model.js";
import type { Organization } from "../domain/organization/schema.js";
import type { ActorRef, OrganizationVisibility } from "../storage/ports.js";

/** An organization action gated by staff profiles (by state combination) and platform roles. */
export type OrganizationAction = "read" | "edit" | "delete";

/**
 * What the acting user may do, answered by the permissions evaluator over the actor's
 * own slice of the data (its user, memberships, profile, groups): loading it costs a
 * few small reads, never a whole table.
 */
export interface ActorAccess {
  readonly actor: ActorRef;
  /** The system actor: trusted automation, allowed everything. */
  readonly isSystem: boolean;
  /** super_admin or admin. */
  readonly isPlatformAdmin: boolean;
  /** super_admin: the only role that may grant or change platform roles besides the system actor. */
  readonly isSuperAdmin: boolean;
  canAddOrganization(): boolean;
  canOnOrganization(action: OrganizationAction, organization: Organization): boolean;
  /** Platform admin, or organization admin of `organizationId` (about the organization, not a given user: new users, listings). */
  canManageUsersOf(organizationId: string): boolean;
  /**
   * May manage this existing user in `organization` (change its membership, role or
   * profile): platform admins (only super admins manage super admins), or an admin of
   * that organization when the user is a member of it (`membership`) and holds no
   * platform role.
   */
  canManageUser(target: User, membership: Membership | null, organization: Organization): boolean;
  /** May assign `role` to a member of `organization` (org admins: only its allowed roles). */
  canAssignRole(organization: Organization, role: string): boolean;
  /** Designate or remove organization admins: platform admins only. */
  canSetAdmins(): boolean;
  /** Manage usergroups, staff profiles, resources and users platform-wide: platform admins only. */
  canAdministerPlatform(): boolean;
  /** May access the resource (`canAccessResource`: platform admins, and members of its owner while it is active). */
  canAccessResource(resource: ResourceOwnership, owner: Organization): boolean;
  /**
   * May read the organization's audit trail and member rules, which name people's
   * addresses: platform admins, its org admins, and staff with `edit` on it.
   */
  canAdministerOrganization(organization: Organization): boolean;
  /**
   * The organizations the actor may read, as a storage filter (the evaluator's
   * `organizationReadScope()`), or `null` when it may read every organization.
   */
  readVisibility(): OrganizationVisibility | null;
}

/** Throws `FORBIDDEN` unless `allowed`. */
export function requireAllowed(allowed: boolean, actor: ActorRef, action: string, details: Record<string, unknown> = {}): void {
  if (allowed) return;
  throw new OrgKitError("FORBIDDEN", `${actor.type} ${actor.id} may not ${action}`, { details: { actor, action, ...details } });
}
