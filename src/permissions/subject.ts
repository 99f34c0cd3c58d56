/**
 * A resolved subject: a guest, a user or an agent whose effective permissions,
 * memberships and staff profile were looked up once, so that each check is a couple
 * of array reads. Built by `policy.subject(id)` / `policy.guest()`; also what the
 * policy caches per user id.
 *
 * @module
 */
import { setBits } from "./bitset.js";
import type { ProfileFact } from "./read-facts.js";
import type { NoteRef, OrganizationHandle, OrganizationRef, ResourceRef, SubjectKind, TicketRef } from "./requests.js";
import { resourceKey } from "./read-facts.js";
import type { NoteRule, OrganizationAction } from "./snapshot.js";
import { MANAGER_ROLE } from "./snapshot.js";
import { orGroups, type MembershipRecord, type OrganizationRecord, type PolicyTables, type UserRecord } from "./tables.js";
import { subtreeOf } from "./tree.js";

/**
 * A subject with its effective rights resolved. Every method is a check that returns
 * a boolean and never throws; see `Policy` for what each check means. A subject
 * belongs to the policy that resolved it: it keeps answering from that policy's facts
 * even after `withChanges` made a newer policy.
 *
 * @example
 * ```ts
 * const me = policy.subject("u1");
 * if (me.can("chat.support")) openChat();
 * const org = policy.organization("org_1");
 * me.canOnOrganization("edit", org);
 * ```
 */
export interface Subject<P extends string = string> {
  /** The user id; `null` for a guest. */
  readonly id: string | null;
  readonly kind: SubjectKind;
  /** False for a user id the policy does not hold (such a subject is denied everything, even what Everyone grants). */
  readonly known: boolean;
  /** The usergroup permission check (union of every effective group). */
  can(permission: P): boolean;
  /** True when every permission is granted, possibly each by a different group. An empty list is denied. */
  canAll(permissions: readonly P[]): boolean;
  /** Every permission the subject has, in catalogue order. */
  permissions(): P[];
  /** Read, edit or delete (discontinue) an organization. */
  canOnOrganization(action: OrganizationAction, organization: OrganizationRef): boolean;
  /** Add (create) organizations. */
  canAddOrganization(): boolean;
  canEditNote(note: NoteRef): boolean;
  canDeleteNote(note: NoteRef): boolean;
  /** Create or edit user `targetUserId` (`null`: a user not yet created) within `organizationId`. */
  canManageUser(targetUserId: string | null, organizationId: string): boolean;
  canAssignRole(organizationId: string, role: string): boolean;
  canUseApp(organizationId: string, app: string): boolean;
  canAccessResource(resource: ResourceRef): boolean;
  canViewTicket(ticket: TicketRef): boolean;
  /** The organizations of the subtree rooted at `rootOrganizationId` (root first) the subject may read. */
  visibleOrganizations(rootOrganizationId: string): string[];
}

const READ = 1;
const EDIT = 2;
const DELETE = 4;
const MEMBER_ADMIN = 1;
const MEMBER_MANAGER = 2;
const NO_ORGS = new Int32Array(0);
const NO_FLAGS = new Uint8Array(0);

/** The action bit of a profile cell; 0 for anything else (a typo from untyped JavaScript is denied). */
export function actionBit(action: OrganizationAction): number {
  return action === "read" ? READ : action === "edit" ? EDIT : action === "delete" ? DELETE : 0;
}

/** An {@link OrganizationHandle} with the record it resolved to. */
export class ResolvedOrganization implements OrganizationHandle {
  readonly known: boolean;
  /** @internal */
  constructor(
    readonly id: string,
    /** @internal */ readonly record: OrganizationRecord,
    /** @internal */ readonly tables: PolicyTables,
  ) {
    this.known = record.index >= 0;
  }
}

/** The implementation of {@link Subject}. */
export class ResolvedSubject<P extends string = string> implements Subject<P> {
  readonly known: boolean;
  /** @internal Effective permission bits. */
  readonly bits: Uint32Array;
  /** @internal super_admin or admin. */
  readonly platform: boolean;
  /** @internal The staff profile (agents only). */
  readonly profile: ProfileFact | null;
  /** @internal `profile.cells`, or all-empty cells. */
  readonly cells: Uint8Array;
  /** @internal Org indices of the memberships in active organizations, sorted. */
  readonly memberOrgs: Int32Array;
  /** @internal Admin/manager bits, parallel to `memberOrgs`. */
  readonly memberFlags: Uint8Array;
  private readonly indexOf: ReadonlyMap<string, number>;

  /** @internal Use `policy.subject(id)` or `policy.guest()`; `reuse` copies another subject's resolved rights. */
  constructor(
    /** @internal */ readonly tables: PolicyTables,
    readonly id: string | null,
    readonly kind: SubjectKind,
    /** @internal The user's record; `null` for guests and unknown ids. */
    readonly record: UserRecord | null,
    reuse?: ResolvedSubject<P>,
  ) {
    this.known = kind !== "unknown";
    this.indexOf = tables.permissions.indexOf;
    if (reuse !== undefined) {
      this.bits = reuse.bits;
      this.platform = reuse.platform;
      this.profile = reuse.profile;
      this.cells = reuse.cells;
      this.memberOrgs = reuse.memberOrgs;
      this.memberFlags = reuse.memberFlags;
      return;
    }
    const groups = tables.groups;
    this.bits = new Uint32Array(groups.words);
    this.memberOrgs = NO_ORGS;
    this.memberFlags = NO_FLAGS;
    if (kind !== "unknown") orGroups(this.bits, groups, groups.everyone);
    if (record === null) {
      this.platform = false;
      this.profile = null;
    } else {
      if (record.registered) orGroups(this.bits, groups, groups.registered);
      orGroups(this.bits, groups, record.groups);
      const memberships = record.memberships;
      if (memberships.length > 0) {
        const memberOrgs = new Int32Array(memberships.length);
        const memberFlags = new Uint8Array(memberships.length);
        let active = 0;
        for (const membership of memberships) {
          const org = tables.organizations.get(membership.organizationId);
          // A discontinued organization's memberships are dormant: they confer nothing.
          if (org === undefined || !org.active) continue;
          orGroups(this.bits, groups, org.groups);
          memberOrgs[active] = membership.orgIndex;
          memberFlags[active++] = (membership.admin ? MEMBER_ADMIN : 0) | (membership.role === MANAGER_ROLE ? MEMBER_MANAGER : 0);
        }
        this.memberOrgs = active === memberships.length ? memberOrgs : memberOrgs.slice(0, active);
        this.memberFlags = active === memberships.length ? memberFlags : memberFlags.slice(0, active);
      }
      this.platform = record.platformRole !== null;
      this.profile = record.kind === "agent" && record.profileId !== null ? (tables.profiles.get(record.profileId) ?? null) : null;
    }
    this.cells = this.profile?.cells ?? tables.noCells;
  }

  /**
   * @internal The same subject bound to newer tables, for changes that did not touch
   * it (its user, its organizations' links and status, usergroups and profiles are as
   * before), so its resolved rights still hold.
   */
  rebind(tables: PolicyTables): ResolvedSubject<P> {
    return new ResolvedSubject<P>(tables, this.id, this.kind, this.record, this);
  }

  can(permission: P): boolean {
    const id = this.indexOf.get(permission);
    return id !== undefined && (this.bits[id >>> 5]! & (1 << (id & 31))) !== 0;
  }

  canAll(permissions: readonly P[]): boolean {
    if (permissions.length === 0) return false;
    for (const permission of permissions) if (!this.can(permission)) return false;
    return true;
  }

  permissions(): P[] {
    const names = this.tables.permissions.names;
    return setBits(this.bits).map((i) => names[i] as P);
  }

  canOnOrganization(action: OrganizationAction, organization: OrganizationRef): boolean {
    const bit = actionBit(action);
    const org = this.organization(organization);
    if (this.platform) return bit !== 0 && org.index >= 0;
    if ((this.cells[org.mask]! & bit) !== 0) return true;
    // Members and org admins may read their own organization, never edit or delete it.
    return bit === READ && this.membershipAt(org.index) >= 0;
  }

  canAddOrganization(): boolean {
    return this.platform || (this.profile !== null && this.profile.add);
  }

  canEditNote(note: NoteRef): boolean {
    return this.noteCheck(note, "editOwn", "editAny");
  }

  canDeleteNote(note: NoteRef): boolean {
    return this.noteCheck(note, "deleteOwn", "deleteAny");
  }

  canManageUser(targetUserId: string | null, organizationId: string): boolean {
    const org = this.organization(organizationId);
    if (org.index < 0) return false;
    const target = targetUserId === null ? null : this.tables.users.get(targetUserId);
    if (target === undefined) return false;
    if (this.platform) return target === null || target.platformRole !== "super_admin" || this.record!.platformRole === "super_admin";
    if (!this.isAdminOf(org)) return false;
    if (target === null) return true;
    // An org admin never manages platform admins, nor users outside its organization.
    return target.platformRole === null && findMembership(target.memberships, org.index) !== undefined;
  }

  canAssignRole(organizationId: string, role: string): boolean {
    const org = this.organization(organizationId);
    if (org.index < 0) return false;
    return this.platform || (this.isAdminOf(org) && org.allowedRoles.includes(role));
  }

  canUseApp(organizationId: string, app: string): boolean {
    const org = this.organization(organizationId);
    if (org.index < 0) return false;
    return this.platform || (this.isAdminOf(org) && org.allowedApps.includes(app));
  }

  canAccessResource(resource: ResourceRef): boolean {
    const ownerId = this.tables.resources.get(resourceKey(resource.kind, resource.id));
    if (ownerId === undefined) return false;
    const org = this.organization(ownerId);
    if (org.index < 0) return false;
    return this.platform || this.membershipAt(org.index) >= 0;
  }

  canViewTicket(ticket: TicketRef): boolean {
    if (this.record === null) return false;
    if (this.platform || ticket.requesterId === this.id) return true;
    const organizationId = ticket.organizationId ?? null;
    // A ticket without an organization is read like an organization without state ("none").
    if (organizationId === null) return (this.cells[0]! & READ) !== 0;
    const org = this.organization(organizationId);
    if (org.index < 0) return false;
    const at = this.membershipAt(org.index);
    if (at >= 0 && (this.memberFlags[at]! & MEMBER_MANAGER) !== 0) return true;
    return (this.cells[org.mask]! & READ) !== 0;
  }

  visibleOrganizations(rootOrganizationId: string): string[] {
    const out: string[] = [];
    for (const org of subtreeOf(this.tables.organizations, rootOrganizationId)) if (this.canRead(org)) out.push(org.id);
    return out;
  }

  /** @internal The record of an organization reference (the "unknown" record when missing). */
  organization(ref: OrganizationRef): OrganizationRecord {
    if (typeof ref === "string") return this.tables.organizations.get(ref) ?? this.tables.unknownOrganization;
    if (ref instanceof ResolvedOrganization && ref.tables === this.tables) return ref.record;
    return this.tables.organizations.get(ref.id) ?? this.tables.unknownOrganization;
  }

  /** @internal Position of the active membership in organization `orgIndex`, or -1. */
  membershipAt(orgIndex: number): number {
    const orgs = this.memberOrgs;
    let lo = 0;
    let hi = orgs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const value = orgs[mid]!;
      if (value === orgIndex) return mid;
      if (value < orgIndex) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** @internal True when the subject may read `org` (platform role, profile cell or membership). */
  canRead(org: OrganizationRecord): boolean {
    if (org.index < 0) return false;
    return this.platform || (this.cells[org.mask]! & READ) !== 0 || this.membershipAt(org.index) >= 0;
  }

  private isAdminOf(org: OrganizationRecord): boolean {
    const at = this.membershipAt(org.index);
    return at >= 0 && (this.memberFlags[at]! & MEMBER_ADMIN) !== 0;
  }

  private noteCheck(note: NoteRef, own: NoteRule, any: NoteRule): boolean {
    const org = this.organization(note.organizationId);
    if (org.index < 0) return false;
    if (this.platform) return true;
    const profile = this.profile;
    if (profile === null) return false;
    const rule = profile.notes[any] || (profile.notes[own] && note.authorId === this.id);
    return rule && this.canRead(org);
  }
}

/** The membership of `memberships` (sorted by org index) in organization `orgIndex`. */
export function findMembership(memberships: readonly MembershipRecord[], orgIndex: number): MembershipRecord | undefined {
  let lo = 0;
  let hi = memberships.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const membership = memberships[mid]!;
    if (membership.orgIndex === orgIndex) return membership;
    if (membership.orgIndex < orgIndex) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}
