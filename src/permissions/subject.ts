/**
 * A resolved subject: a guest, a user or an agent whose effective permissions,
 * memberships and staff profile were looked up once, so that each check is a couple
 * of array reads. Built by `policy.subject(id)` / `policy.guest()`; also what the
 * policy caches per user id.
 *
 * @module
 */
import { MEMBER_ADMIN, MEMBER_SEES_TICKETS, ROLE_CASCADES, ROLE_SEES_TICKETS, roleFlagsOf } from "./access-rules.js";
import { setBits } from "./bitset.js";
import type { ProfileFact } from "./read-facts.js";
import { organizationReadScopeOf, ticketReadFilterOf, type OrganizationReadScope, type TicketReadFilter } from "./read-scope.js";
import type { NoteRef, OrganizationHandle, OrganizationRef, ResourceRef, SubjectKind, TicketRef } from "./requests.js";
import { resourceKey } from "./read-facts.js";
import { CascadeReach, REACH_ADMIN, REACH_READ, REACH_RESOURCES, REACH_TICKETS, type CascadeSource } from "./reach.js";
import { isId } from "./snapshot-reader.js";
import type { NoteRule, OrganizationAction } from "./snapshot.js";
import { organizationStride, orGroups, type MembershipRecord, type OrganizationRecord, type PolicyTables, type UserRecord } from "./tables.js";
import { subtreeOf } from "./tree.js";

/**
 * A subject with its effective rights resolved. Every method is a check that returns
 * a boolean and never throws, whatever it is given (a malformed argument is denied);
 * see `Policy` for what each check means. A subject belongs to the policy that
 * resolved it: it keeps answering from that policy's facts even after `withChanges`
 * made a newer policy.
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
  /** `guest`, `user`, `agent`, or `unknown` for a user id the policy does not hold. */
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
  /**
   * Platform administration: usergroups, staff profiles, resource ownership, which
   * usergroups an organization links and what its org admins may assign, org admin
   * designation, and marking identities verified. Platform admins (either role) only.
   */
  canAdministerPlatform(): boolean;
  /** Grant, change or remove platform roles, and edit super admins: super admins only. */
  canGrantPlatformRoles(): boolean;
  /** Edit a note on an organization record: platform admins; agents whose profile allows it (own or any) and who may read the organization. */
  canEditNote(note: NoteRef): boolean;
  /** Delete a note on an organization record (as {@link Subject.canEditNote}, with the delete rules). */
  canDeleteNote(note: NoteRef): boolean;
  /** Create or edit user `targetUserId` (`null`: a user not yet created) within `organizationId`. */
  canManageUser(targetUserId: string | null, organizationId: string): boolean;
  /** Assign `role` within an organization: platform admins; its org admins (and cascading admins above it) for the organization's `allowedRoles`. */
  canAssignRole(organizationId: string, role: string): boolean;
  /** Use `app` for an organization: platform admins; its org admins (and cascading admins above it) for the organization's `allowedApps`. */
  canUseApp(organizationId: string, app: string): boolean;
  /** Access a resource: platform admins, members of the owning organization, and cascading roles of an organization above it. */
  canAccessResource(resource: ResourceRef): boolean;
  /** View a ticket: platform admins, its requester, members whose role sees the organization's tickets, and agents whose profile may read its organization. */
  canViewTicket(ticket: TicketRef): boolean;
  /** The organizations of the subtree rooted at `rootOrganizationId` (root first) the subject may read. */
  visibleOrganizations(rootOrganizationId: string): string[];
  /** Every organization the subject may read, as a query filter (agrees with `canOnOrganization("read", …)`). */
  organizationReadScope(): OrganizationReadScope;
  /** Every ticket the subject may view, as a query filter (agrees with `canViewTicket`). */
  ticketReadFilter(): TicketReadFilter;
}

const READ = 1;
const EDIT = 2;
const DELETE = 4;
const NO_ORGS = new Int32Array(0);
const NO_FLAGS = new Uint8Array(0);
const NO_SOURCES: readonly CascadeSource[] = Object.freeze([]);
/** What a cascading role confers below its organization (a role that sees tickets adds them). */
const ROLE_REACH = (1 << REACH_READ) | (1 << REACH_RESOURCES);
/** What a cascading admin flag confers below its organization. */
const ADMIN_REACH = (1 << REACH_READ) | (1 << REACH_ADMIN);

/** The action bit of a profile cell; 0 for anything else (a typo from untyped JavaScript is denied). */
export function actionBit(action: OrganizationAction): number {
  return action === "read" ? READ : action === "edit" ? EDIT : action === "delete" ? DELETE : 0;
}

/**
 * True when `value` is a plain object: not null, not an array, not a function. Never
 * throws (`Array.isArray` does, on a revoked proxy).
 */
export function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  if (typeof value !== "object" || value === null) return false;
  try {
    return !Array.isArray(value);
  } catch {
    return false;
  }
}

/**
 * `value[key]` of a plain object, or `undefined` when `value` is not one or the read
 * throws (a getter, a proxy trap). For the rare paths (look-alike handles); the
 * checks themselves wrap whole reads in one `try`.
 */
function fieldOf(value: unknown, key: string): unknown {
  if (!isRecord(value)) return undefined;
  try {
    return value[key];
  } catch {
    return undefined;
  }
}

/** An {@link OrganizationHandle} with the record it resolved to. */
export class ResolvedOrganization implements OrganizationHandle {
  readonly known: boolean;
  // A brand that only real instances carry (a proxy of one does not), unlike `instanceof`.
  readonly #resolved = true;

  /** @internal */
  constructor(
    readonly id: string,
    /** @internal */ readonly record: OrganizationRecord,
    /** @internal */ readonly tables: PolicyTables,
  ) {
    this.known = record.index >= 0;
  }

  /** @internal True when `value` is a real handle (never throws, runs no proxy trap). */
  static is(value: unknown): value is ResolvedOrganization {
    return typeof value === "object" && value !== null && #resolved in value;
  }

  /** The handle as data (`{ id, known }`), not the policy tables it points into. */
  toJSON(): { id: string; known: boolean } {
    return { id: this.id, known: this.known };
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
  /** @internal `MEMBER_ADMIN` / `MEMBER_SEES_TICKETS` bits, parallel to `memberOrgs`. */
  readonly memberFlags: Uint8Array;
  /** @internal The active memberships that cascade, and what each cascades. */
  readonly cascadeSources: readonly CascadeSource[];
  /** @internal Where they reach; `null` when nothing cascades below any of them. */
  readonly reach: CascadeReach | null;
  private readonly indexOf: ReadonlyMap<string, number>;
  /** The factor of the index in a packed organization (see `packOrganization`). */
  private readonly stride: number;
  // A brand that only real instances carry (a proxy of one does not), unlike `instanceof`.
  readonly #resolved = true;

  /** @internal Use {@link ResolvedSubject.resolve} (or `policy.subject(id)`, `policy.guest()`); `rights` may be another subject's. */
  constructor(
    /** @internal */ readonly tables: PolicyTables,
    readonly id: string | null,
    readonly kind: SubjectKind,
    /** @internal The user's record; `null` for guests and unknown ids. */
    readonly record: UserRecord | null,
    rights: ResolvedRights,
  ) {
    this.known = kind !== "unknown";
    this.bits = rights.bits;
    this.platform = rights.platform;
    this.profile = rights.profile;
    this.cells = rights.cells;
    this.memberOrgs = rights.memberOrgs;
    this.memberFlags = rights.memberFlags;
    this.cascadeSources = rights.cascadeSources;
    this.reach = rights.reach;
    this.indexOf = tables.permissions.indexOf;
    this.stride = organizationStride(tables.space);
  }

  /**
   * @internal Resolves a subject: its groups' permissions (own, built-in and linked by
   * its organizations), active memberships, platform role and staff profile.
   */
  static resolve<P extends string>(tables: PolicyTables, id: string | null, kind: SubjectKind, record: UserRecord | null): ResolvedSubject<P> {
    // One function, construction included, and too large for V8 to inline: callers on
    // the hot path (a cache miss in `Policy.resolveId`) then stay small enough to be
    // inlined into each check themselves.
    const groups = tables.groups;
    const bits = new Uint32Array(groups.words);
    if (kind !== "unknown") orGroups(bits, groups, groups.everyone);
    if (record === null) {
      const rights = { bits, platform: false, profile: null, cells: tables.noCells, memberOrgs: NO_ORGS, memberFlags: NO_FLAGS, cascadeSources: NO_SOURCES, reach: null };
      return new ResolvedSubject<P>(tables, id, kind, record, rights);
    }
    if (record.registered) orGroups(bits, groups, groups.registered);
    orGroups(bits, groups, record.groups);
    let memberOrgs = NO_ORGS;
    let memberFlags = NO_FLAGS;
    let cascadeSources = NO_SOURCES;
    const memberships = record.memberships;
    if (memberships.length > 0) {
      memberOrgs = new Int32Array(memberships.length);
      memberFlags = new Uint8Array(memberships.length);
      const rules = tables.rules;
      let sources: CascadeSource[] | null = null;
      let active = 0;
      for (const membership of memberships) {
        const org = tables.organizations.get(membership.organizationId);
        // A discontinued organization's memberships are dormant: they confer nothing.
        if (org === undefined || !org.active) continue;
        orGroups(bits, groups, org.groups);
        const role = roleFlagsOf(rules, membership.role);
        memberOrgs[active] = membership.orgIndex;
        memberFlags[active++] = (membership.admin ? MEMBER_ADMIN : 0) | ((role & ROLE_SEES_TICKETS) !== 0 ? MEMBER_SEES_TICKETS : 0);
        if (rules.cascades) {
          let kinds = 0;
          if ((role & ROLE_CASCADES) !== 0) kinds |= ROLE_REACH | ((role & ROLE_SEES_TICKETS) !== 0 ? 1 << REACH_TICKETS : 0);
          if (membership.admin && rules.adminCascades) kinds |= ADMIN_REACH;
          if (kinds !== 0) (sources ??= []).push({ orgIndex: membership.orgIndex, kinds });
        }
      }
      if (sources !== null) cascadeSources = sources;
      if (active < memberships.length) {
        memberOrgs = memberOrgs.slice(0, active);
        memberFlags = memberFlags.slice(0, active);
      }
    }
    const profile = record.kind === "agent" && record.profileId !== null ? (tables.profiles.get(record.profileId) ?? null) : null;
    const platform = record.platformRole !== null;
    const reach = cascadeSources.length === 0 ? null : CascadeReach.of(tables.tree.get(), cascadeSources);
    const rights = { bits, platform, profile, cells: profile?.cells ?? tables.noCells, memberOrgs, memberFlags, cascadeSources, reach };
    return new ResolvedSubject<P>(tables, id, kind, record, rights);
  }

  /** @internal True when `value` is a real subject handle (never throws, runs no proxy trap). */
  static is(value: unknown): value is ResolvedSubject {
    return typeof value === "object" && value !== null && #resolved in value;
  }

  /** The handle as data (`{ id, kind, known }`, a valid request subject), not the policy tables it points into. */
  toJSON(): { id: string | null; kind: SubjectKind; known: boolean } {
    return { id: this.id, kind: this.kind, known: this.known };
  }

  /**
   * @internal The same subject bound to newer tables, for changes that did not touch
   * it (its user, its organizations' links and status, usergroups and profiles are as
   * before), so its resolved rights still hold. Where its cascades reach is a fact of the
   * tree too: a subject with cascading memberships is not rebound to tables whose tree
   * numbering changed (`Policy` drops it instead, to be resolved again on next use).
   */
  rebind(tables: PolicyTables): ResolvedSubject<P> {
    return new ResolvedSubject<P>(tables, this.id, this.kind, this.record, this);
  }

  can(permission: P): boolean {
    // No type guard needed: a `Map` lookup of any value (an object, a huge string) is a miss.
    const id = this.indexOf.get(permission);
    return id !== undefined && (this.bits[id >>> 5]! & (1 << (id & 31))) !== 0;
  }

  canAll(permissions: readonly P[]): boolean {
    try {
      // Only a real array: a string would be iterated character by character.
      if (!Array.isArray(permissions) || permissions.length === 0) return false;
      for (let i = 0; i < permissions.length; i++) if (!this.can(permissions[i]!)) return false;
      return true;
    } catch {
      return false; // a proxy or an index getter that threw
    }
  }

  permissions(): P[] {
    const names = this.tables.permissions.names;
    return setBits(this.bits).map((i) => names[i] as P);
  }

  canOnOrganization(action: OrganizationAction, organization: OrganizationRef): boolean {
    // The usual call passes an id: the organization's index and mask then come packed in
    // one number, and its record is not read (on a large table asked in random order,
    // reading the record is a cache miss that costs as much as the lookup itself).
    const packed = typeof organization === "string" ? this.tables.organizations.packed(organization) : this.packedOrganization(organization);
    // An unknown organization is denied to everyone.
    return packed !== undefined && this.canOnPacked(actionBit(action), packed);
  }

  canAddOrganization(): boolean {
    return this.platform || (this.profile !== null && this.profile.add);
  }

  canAdministerPlatform(): boolean {
    return this.platform;
  }

  canGrantPlatformRoles(): boolean {
    return this.platform && this.record!.platformRole === "super_admin";
  }

  canEditNote(note: NoteRef): boolean {
    return this.noteCheck(note, "editOwn", "editAny");
  }

  canDeleteNote(note: NoteRef): boolean {
    return this.noteCheck(note, "deleteOwn", "deleteAny");
  }

  canManageUser(targetUserId: string | null, organizationId: string): boolean {
    const org = this.organizationById(organizationId);
    if (org.index < 0) return false;
    // Any value but `null` is looked up, so `undefined` (a missing field) is an unknown user.
    const target = targetUserId === null ? null : this.tables.users.get(targetUserId);
    if (target === undefined) return false;
    if (this.platform) return target === null || target.platformRole !== "super_admin" || this.record!.platformRole === "super_admin";
    if (!this.isAdminOf(org)) return false;
    if (target === null) return true;
    // An org admin (or a cascading admin above) manages only the organization's plain members:
    // never platform admins, users outside it, or its admins (designating and removing
    // admins is platform work).
    const membership = target.platformRole === null ? findMembership(target.memberships, org.index) : undefined;
    return membership !== undefined && !membership.admin;
  }

  canAssignRole(organizationId: string, role: string): boolean {
    const org = this.organizationById(organizationId);
    // A malformed role is denied before the platform short-cut allows "any role".
    if (org.index < 0 || !isId(role)) return false;
    return this.platform || (this.isAdminOf(org) && org.allowedRoles.includes(role));
  }

  canUseApp(organizationId: string, app: string): boolean {
    const org = this.organizationById(organizationId);
    if (org.index < 0 || !isId(app)) return false;
    return this.platform || (this.isAdminOf(org) && org.allowedApps.includes(app));
  }

  canAccessResource(resource: ResourceRef): boolean {
    if (!isRecord(resource)) return false;
    let kind: unknown;
    let id: unknown;
    try {
      kind = resource.kind;
      id = resource.id;
    } catch {
      return false; // a getter or proxy trap that threw
    }
    // Strings only: `${["asset"]}` would otherwise name the resource "asset".
    if (typeof kind !== "string" || typeof id !== "string") return false;
    const ownerId = this.tables.resources.get(resourceKey(kind, id));
    if (ownerId === undefined) return false;
    // The owner's index from its packed form: its record is not read (see `canOnOrganization`).
    const packed = this.tables.organizations.packed(ownerId);
    if (packed === undefined) return false;
    if (this.platform) return true;
    const index = ((packed - (packed & (this.stride - 1))) / this.stride) | 0;
    return (this.reach !== null && this.reach.reaches(REACH_RESOURCES, index)) || this.membershipAt(index) >= 0;
  }

  canViewTicket(ticket: TicketRef): boolean {
    const fields = readTicket(ticket);
    if (fields === undefined || this.record === null) return false;
    const { requesterId, organizationId } = fields;
    if (this.platform || requesterId === this.id) return true;
    // A ticket without an organization is read like an organization without state ("none").
    if (organizationId === null) return (this.cells[0]! & READ) !== 0;
    const org = this.organizationById(organizationId);
    if (org.index < 0) return false;
    const at = this.membershipAt(org.index);
    if (at >= 0 && (this.memberFlags[at]! & MEMBER_SEES_TICKETS) !== 0) return true;
    if (this.reach !== null && this.reach.reaches(REACH_TICKETS, org.index)) return true;
    return (this.cells[org.mask]! & READ) !== 0;
  }

  visibleOrganizations(rootOrganizationId: string): string[] {
    const out: string[] = [];
    if (typeof rootOrganizationId !== "string") return out;
    for (const org of subtreeOf(this.tables.organizations, rootOrganizationId)) if (this.canRead(org)) out.push(org.id);
    return out;
  }

  organizationReadScope(): OrganizationReadScope {
    return organizationReadScopeOf(this);
  }

  ticketReadFilter(): TicketReadFilter {
    return ticketReadFilterOf(this);
  }

  /** @internal The record of an organization reference (the "unknown" record when missing or malformed). */
  organization(ref: OrganizationRef): OrganizationRecord {
    if (typeof ref === "string") return this.tables.organizations.get(ref) ?? this.tables.unknownOrganization;
    if (ResolvedOrganization.is(ref) && ref.tables === this.tables) return ref.record;
    // A handle of another policy version, or a look-alike `{ id }` (e.g. a handle that went through JSON).
    const id = fieldOf(ref, "id");
    return (typeof id === "string" && this.tables.organizations.get(id)) || this.tables.unknownOrganization;
  }

  /** @internal The record of an organization given by id only (the "unknown" record when missing or not a string). */
  organizationById(id: string): OrganizationRecord {
    return (typeof id === "string" && this.tables.organizations.get(id)) || this.tables.unknownOrganization;
  }

  /** @internal `packOrganization` of an organization reference's record; `undefined` for an unknown or malformed one. */
  packedOrganization(ref: OrganizationRef): number | undefined {
    const org = this.organization(ref);
    return org.index < 0 ? undefined : org.index * this.stride + org.mask;
  }

  /** @internal `canOnOrganization` of a known organization, given packed (see `packOrganization`), and an action bit. */
  canOnPacked(bit: number, packed: number): boolean {
    if (this.platform) return bit !== 0;
    const mask = packed & (this.stride - 1);
    let granted = this.cells[mask]!;
    // Members and org admins may read their own organization, never edit or delete it, and so
    // may the members a cascade reaches (a cascading role or admin of an organization above).
    // The index is unpacked only for a subject with memberships whose cell lacks read; the
    // cascade is tried first, as a subject with one mostly asks about what lies below.
    if (this.memberOrgs.length > 0 && (granted & READ) === 0) {
      // `| 0`: the index as a small integer (it is one), so arrays are indexed without a conversion.
      const index = ((packed - mask) / this.stride) | 0;
      if ((this.reach !== null && this.reach.reaches(REACH_READ, index)) || this.membershipAt(index) >= 0) granted |= READ;
    }
    // Edit and delete need read too: a write works on, and hands back, what it changes.
    // One test for both bits (no branch on the action, which a CPU cannot predict).
    const needed = bit | READ;
    return bit !== 0 && (granted & needed) === needed;
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

  /** @internal True when the subject may read `org` (platform role, profile cell, membership or a cascade). */
  canRead(org: OrganizationRecord): boolean {
    if (org.index < 0) return false;
    return this.platform || (this.cells[org.mask]! & READ) !== 0 || this.membershipAt(org.index) >= 0 || (this.reach !== null && this.reach.reaches(REACH_READ, org.index));
  }

  /** An active admin membership of `org`, or a cascading admin membership of an organization above it. */
  private isAdminOf(org: OrganizationRecord): boolean {
    const at = this.membershipAt(org.index);
    if (at >= 0 && (this.memberFlags[at]! & MEMBER_ADMIN) !== 0) return true;
    return this.reach !== null && this.reach.reaches(REACH_ADMIN, org.index);
  }

  private noteCheck(ref: NoteRef, own: NoteRule, any: NoteRule): boolean {
    const note = readNote(ref);
    if (note === undefined) return false;
    const org = this.organizationById(note.organizationId);
    if (org.index < 0) return false;
    if (this.platform) return true;
    const profile = this.profile;
    if (profile === null) return false;
    const rule = profile.notes[any] || (profile.notes[own] && note.authorId === this.id);
    return rule && this.canRead(org);
  }
}

/** What a subject may do, resolved from its record (see {@link ResolvedSubject.resolve}); a subject is one too. */
interface ResolvedRights {
  readonly bits: Uint32Array;
  readonly platform: boolean;
  readonly profile: ProfileFact | null;
  readonly cells: Uint8Array;
  readonly memberOrgs: Int32Array;
  readonly memberFlags: Uint8Array;
  readonly cascadeSources: readonly CascadeSource[];
  readonly reach: CascadeReach | null;
}

/**
 * The fields of a note reference, read once, or `undefined` when it is malformed (the
 * same rules as `parsePermissionRequest`): an object with id strings `organizationId`
 * and `authorId`.
 */
function readNote(note: unknown): NoteRef | undefined {
  if (!isRecord(note)) return undefined;
  try {
    const organizationId = note.organizationId;
    const authorId = note.authorId;
    return isId(organizationId) && isId(authorId) ? { organizationId, authorId } : undefined;
  } catch {
    return undefined; // a getter or proxy trap that threw
  }
}

/**
 * The fields of a ticket reference, read once, or `undefined` when it is malformed (the
 * same rules as `parsePermissionRequest`): an object with an id string `requesterId`
 * and an `organizationId` that is an id string, `null` or absent (read as `null`).
 */
function readTicket(ticket: unknown): { readonly requesterId: string; readonly organizationId: string | null } | undefined {
  if (!isRecord(ticket)) return undefined;
  try {
    const requesterId = ticket.requesterId;
    const organizationId = ticket.organizationId ?? null;
    return isId(requesterId) && (organizationId === null || isId(organizationId)) ? { requesterId, organizationId } : undefined;
  } catch {
    return undefined; // a getter or proxy trap that threw
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
