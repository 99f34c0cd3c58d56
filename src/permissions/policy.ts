/**
 * The compiled policy: `compilePolicy(snapshot)` and the `Policy` it returns.
 *
 * @module
 */
import { validationError, type OrgKitError } from "../errors.js";
import { BoundedCache } from "./bounded-cache.js";
import { applyChanges, type ChangeResult, type PolicyChange } from "./changes.js";
import type { Decision } from "./decision.js";
import { explainMalformed, explainRequest } from "./explain.js";
import { readPermissionRequest } from "./parse-request.js";
import type { NoteRef, OrganizationHandle, OrganizationRef, PermissionRequest, ResourceRef, SubjectRef, TicketRef } from "./requests.js";
import { MAX_ID_LENGTH, type OrganizationAction, type PolicySnapshot } from "./snapshot.js";
import { invalidSnapshot, rethrowAsInvalidSnapshot } from "./snapshot-reader.js";
import { compileTables, readVersion, type PolicyTables } from "./tables.js";
import { isRecord, ResolvedOrganization, ResolvedSubject, type Subject } from "./subject.js";

/** Options of {@link compilePolicy}. */
export interface CompilePolicyOptions {
  /**
   * How many resolved subjects (per user id) the policy keeps; checks by user id reuse
   * them. Default 10 000; 0 turns the cache off.
   */
  readonly subjectCacheSize?: number;
}

/** Options of {@link Policy.withChanges}. */
export interface WithChangesOptions {
  /** The data version of the result. Default: this policy's version + 1. */
  readonly version?: number;
}

/** Sizes of a compiled policy, for logs and metrics. */
export interface PolicyStats {
  /** The data version of the snapshot (or of the last `withChanges`). */
  readonly version: number;
  /** How many distinct permissions the policy knows (the catalogue, or those the usergroups grant). */
  readonly permissions: number;
  /** How many usergroups it holds. */
  readonly usergroups: number;
  /** How many staff profiles it holds. */
  readonly profiles: number;
  /** How many organizations it holds. */
  readonly organizations: number;
  /** How many resolved subjects its cache holds now (at most `subjectCacheSize`). */
  readonly cachedSubjects: number;
}

const DEFAULT_SUBJECT_CACHE_SIZE = 10_000;

/**
 * Validates a policy snapshot and compiles it into a {@link Policy}. Throws
 * `OrgKitError` `INVALID_SNAPSHOT` with `details.path` (e.g.
 * `memberships.3.organizationId`) when the snapshot is malformed, whatever the value
 * (exotic objects too: a getter or proxy trap that throws is reported as
 * `INVALID_SNAPSHOT`, never as a `TypeError`); malformed `options` (a negative
 * `subjectCacheSize`…) throw `VALIDATION_FAILED`. Checks on the result never throw:
 * anything unknown or malformed is denied.
 *
 * `P`, the permission catalogue, is inferred from the snapshot's literal permission
 * names, or given explicitly for a snapshot parsed from JSON.
 *
 * @example
 * ```ts
 * type Permission = "kb.advanced" | "comments.unmoderated" | "chat.support" | "chat.sales";
 * const policy = compilePolicy<Permission>(JSON.parse(body));
 * const user = policy.subject("u1");
 * user.can("chat.support");                  // one bit test
 * policy.explain({ check: "can", subject: "u1", permission: "chat.sales" }).reason;
 * ```
 */
export function compilePolicy<P extends string = string>(snapshot: PolicySnapshot<P>, options: CompilePolicyOptions = {}): Policy<P> {
  const size = readSubjectCacheSize(options);
  return new Policy<P>(compileTables(snapshot), new BoundedCache(size));
}

/** `options.subjectCacheSize`, or `VALIDATION_FAILED` (options are the caller's code, not snapshot data). */
function readSubjectCacheSize(options: unknown): number {
  const invalid = (path: string, message: string, code: string, cause?: unknown): OrgKitError =>
    validationError(`Invalid compilePolicy options: ${path} ${message}`, [{ path, message, code }], cause);
  if (options === undefined) return DEFAULT_SUBJECT_CACHE_SIZE;
  if (!isRecord(options)) throw invalid("options", "must be an object", "invalid_type");
  let size: unknown;
  try {
    size = options.subjectCacheSize;
  } catch (error) {
    throw invalid("subjectCacheSize", "could not be read", "unreadable", error);
  }
  if (size === undefined) return DEFAULT_SUBJECT_CACHE_SIZE;
  if (typeof size !== "number" || !Number.isInteger(size) || size < 0) throw invalid("subjectCacheSize", "must be a non-negative integer", "invalid_type");
  return size;
}

/**
 * A compiled, immutable policy. Every `can*` method takes a subject (a user id, or a
 * handle from {@link Policy.subject} / {@link Policy.guest}) and answers synchronously
 * without throwing; {@link Policy.explain} answers the same question with its reasons.
 *
 * No method but {@link Policy.withChanges} throws, whatever it is given: a malformed
 * argument (`null`, a wrong type, a missing field, an object whose getters throw, a
 * revoked proxy…) is denied — `false`, an empty list, an unknown handle, or for
 * `explain` a denial whose `issues` say what was malformed. So a service may pass
 * untrusted JSON straight in; to answer such input with a 400 instead, parse it first
 * with `parsePermissionRequest`.
 *
 * How the sources combine (a union, deny by default): platform super_admins and admins
 * may do anything to any organization; an agent's staff profile decides `add` and, by
 * the organization's exact state combination, read/edit/delete; members and org admins
 * may read their own organization but never edit or delete it; org admins manage only
 * their own organization's users. Usergroup permissions are a separate question,
 * answered by {@link Policy.can}. A discontinued organization's memberships are dormant.
 * When the snapshot's `roles` or `admins` cascade, a membership's rights also reach the
 * organizations below its own, until a discontinued organization stops them (see
 * "Cascading access" in docs/permissions.md).
 */
export class Policy<P extends string = string> {
  /** The snapshot's data version. */
  readonly version: number;
  private guestSubject: ResolvedSubject<P> | null = null;
  private malformedSubject: ResolvedSubject<P> | null = null;

  // The last subject resolved by id, and whether ids are repeating (see resolveId).
  private lastId: string | null = null;
  private lastSubject: ResolvedSubject<P> | null = null;
  private repeating = false;

  /** @internal Use {@link compilePolicy}. */
  constructor(
    /** @internal */ readonly tables: PolicyTables,
    private readonly cache: BoundedCache<string, ResolvedSubject<P>>,
  ) {
    this.version = tables.version;
  }

  /**
   * Resolves a user or agent once; the handle's checks skip every lookup. An id the
   * policy does not hold (or a value that is not an id) gives a subject with
   * `known: false` that is denied everything.
   */
  subject(userId: string): Subject<P> {
    return typeof userId === "string" ? this.resolveId(userId) : this.malformed();
  }

  /** The guest subject: not signed in, gets only what `everyone` usergroups grant. */
  guest(): Subject<P> {
    this.guestSubject ??= ResolvedSubject.resolve<P>(this.tables, null, "guest", null);
    return this.guestSubject;
  }

  /** Looks an organization up once, for checks in a loop. Unknown ids (and values that are not ids) give a handle with `known: false`. */
  organization(organizationId: string): OrganizationHandle {
    const id = typeof organizationId === "string" ? organizationId : "";
    const record = this.tables.organizations.get(id) ?? this.tables.unknownOrganization;
    return new ResolvedOrganization(id, record, this.tables);
  }

  /** Usergroup permission check: the union of the subject's own, built-in and organization-linked groups. */
  can(subject: SubjectRef<P>, permission: P): boolean {
    return this.resolve(subject).can(permission);
  }

  /** True when every permission is granted, each possibly by a different group. An empty list is denied. */
  canAll(subject: SubjectRef<P>, permissions: readonly P[]): boolean {
    return this.resolve(subject).canAll(permissions);
  }

  /** Every usergroup permission of the subject, in catalogue order. */
  permissionsOf(subject: SubjectRef<P>): P[] {
    return this.resolve(subject).permissions();
  }

  /** Read, edit or delete (discontinue) an organization, by its exact state combination. */
  canOnOrganization(subject: SubjectRef<P>, action: OrganizationAction, organization: OrganizationRef): boolean {
    return this.resolve(subject).canOnOrganization(action, organization);
  }

  /** Add (create) organizations: platform admins, and agents whose profile allows `add`. */
  canAddOrganization(subject: SubjectRef<P>): boolean {
    return this.resolve(subject).canAddOrganization();
  }

  /** Platform administration (usergroups, staff profiles, resources, org admin designation, verifying identities): platform admins only. */
  canAdministerPlatform(subject: SubjectRef<P>): boolean {
    return this.resolve(subject).canAdministerPlatform();
  }

  /** Grant or change platform roles, and edit super admins: super admins only. */
  canGrantPlatformRoles(subject: SubjectRef<P>): boolean {
    return this.resolve(subject).canGrantPlatformRoles();
  }

  /** Edit a note on an organization record: platform admins; agents whose profile allows it (own or any) and who may read the organization. */
  canEditNote(subject: SubjectRef<P>, note: NoteRef): boolean {
    return this.resolve(subject).canEditNote(note);
  }

  /** Delete a note on an organization record (same rules as {@link Policy.canEditNote}, with the delete rules). */
  canDeleteNote(subject: SubjectRef<P>, note: NoteRef): boolean {
    return this.resolve(subject).canDeleteNote(note);
  }

  /**
   * Create or edit a user within an organization: platform admins (only a super_admin
   * manages a super_admin); an admin of that very organization — or, when admins cascade,
   * of an organization above it — for its plain members or a new user
   * (`targetUserId: null`), never its admins or a platform admin.
   */
  canManageUser(subject: SubjectRef<P>, targetUserId: string | null, organizationId: string): boolean {
    return this.resolve(subject).canManageUser(targetUserId, organizationId);
  }

  /** Assign `role` within an organization: platform admins; its org admins (and cascading admins above it) for the organization's `allowedRoles`. */
  canAssignRole(subject: SubjectRef<P>, organizationId: string, role: string): boolean {
    return this.resolve(subject).canAssignRole(organizationId, role);
  }

  /** Use `app` for an organization: platform admins; its org admins (and cascading admins above it) for the organization's `allowedApps`. */
  canUseApp(subject: SubjectRef<P>, organizationId: string, app: string): boolean {
    return this.resolve(subject).canUseApp(organizationId, app);
  }

  /** Access a resource: platform admins, and members of the owning organization only (not its parent, siblings or children), unless a cascading role of an organization above it reaches it. */
  canAccessResource(subject: SubjectRef<P>, resource: ResourceRef): boolean {
    return this.resolve(subject).canAccessResource(resource);
  }

  /**
   * View a ticket: platform admins; its requester; a member of the ticket's organization
   * whose role sees its tickets (`manager` by default), or a cascading such role above
   * it; an agent whose staff profile may read the ticket's organization (a ticket without
   * organization: the profile's `none` cell).
   */
  canViewTicket(subject: SubjectRef<P>, ticket: TicketRef): boolean {
    return this.resolve(subject).canViewTicket(ticket);
  }

  /** Roll-up: the organizations of the subtree at `rootOrganizationId` (root first, depth-first) the subject may read. */
  visibleOrganizations(subject: SubjectRef<P>, rootOrganizationId: string): string[] {
    return this.resolve(subject).visibleOrganizations(rootOrganizationId);
  }

  /**
   * Answers a request given as data (same result as the matching `can*` method). A
   * malformed request (anything `parsePermissionRequest` rejects) is denied.
   */
  check(request: PermissionRequest<P>): boolean {
    if (!isRecord(request)) return false;
    try {
      return this.checkRecord(request);
    } catch {
      return false; // a getter or proxy trap of the request itself threw
    }
  }

  private checkRecord(request: PermissionRequest<P>): boolean {
    const subject = this.resolve(request.subject);
    switch (request.check) {
      case "can":
        return subject.can(request.permission);
      case "canAll":
        return subject.canAll(request.permissions);
      case "canOnOrganization":
        return subject.canOnOrganization(request.action, request.organization);
      case "canAddOrganization":
        return subject.canAddOrganization();
      case "canAdministerPlatform":
        return subject.canAdministerPlatform();
      case "canGrantPlatformRoles":
        return subject.canGrantPlatformRoles();
      case "canEditNote":
        return subject.canEditNote(request.note);
      case "canDeleteNote":
        return subject.canDeleteNote(request.note);
      case "canManageUser":
        return subject.canManageUser(request.targetUserId, request.organizationId);
      case "canAssignRole":
        return subject.canAssignRole(request.organizationId, request.role);
      case "canUseApp":
        return subject.canUseApp(request.organizationId, request.app);
      case "canAccessResource":
        return subject.canAccessResource(request.resource);
      case "canViewTicket":
        return subject.canViewTicket(request.ticket);
      default:
        return unhandled(request);
    }
  }

  /**
   * Answers a request with its reasons: `allowed` (always equal to {@link Policy.check}),
   * the grants that allowed it, and a readable `reason`. A malformed request is denied
   * with `issues` listing what is wrong (path, code, message; the same issues
   * `parsePermissionRequest` reports) and a `reason` made of their messages.
   *
   * @example
   * ```ts
   * const decision = policy.explain({ check: "canOnOrganization", subject: "agent_7", action: "delete", organization: "org_1" });
   * // { allowed: false, grants: [], reason: 'not a platform admin; staff profile "agents" does not allow delete on organizations in state "service+outreach"; …' }
   * ```
   */
  explain(request: PermissionRequest<P>): Decision {
    // Slower than `check` by design: read the request once into plain data, then explain that.
    const read = readPermissionRequest(request);
    if (!read.ok) {
      const subject = read.subject === undefined ? this.malformed() : this.resolve(read.subject as SubjectRef<P>);
      return explainMalformed(subject as ResolvedSubject<string>, read.check, read.issues);
    }
    const parsed = read.request;
    return explainRequest(this.resolve(parsed.subject as SubjectRef<P>) as ResolvedSubject<string>, parsed, () => this.check(parsed as PermissionRequest<P>));
  }

  /**
   * A new policy with `changes` applied; this one is left as it was. Only the touched
   * tables are rebuilt (see the cost table in the docs) and cached subjects the changes
   * do not concern are carried over. Throws `INVALID_SNAPSHOT` (path
   * `changes.<i>.…`) on a malformed change, and then applies none.
   *
   * @example
   * ```ts
   * const next = policy.withChanges([
   *   { type: "membership.remove", userId: "u1", organizationId: "org_1" },
   * ], { version: 43 });
   * ```
   */
  withChanges(changes: readonly PolicyChange<P>[], options: WithChangesOptions = {}): Policy<P> {
    return this.changed(applyChanges(this.tables, changes, this.nextVersion(options)));
  }

  /** The policy of changed tables: carries over the cached subjects `invalidation` leaves valid (`withFacts` in `facts.ts` uses it too). */
  private changed({ tables, invalidation }: ChangeResult): Policy<P> {
    let cache: BoundedCache<string, ResolvedSubject<P>>;
    if (invalidation.all) {
      cache = new BoundedCache(this.cache.capacity);
    } else {
      const { users, organizations } = invalidation;
      // A move, an addition or a status change renumbers the tree: where cascades reach is worked out again, lazily.
      const treeChanged = tables.tree !== this.tables.tree;
      cache = this.cache.map((subject, id) => {
        if (users.has(id)) return undefined;
        if (treeChanged && subject.cascadeSources.length > 0) return undefined;
        if (organizations.size > 0 && subject.record?.memberships.some((m) => organizations.has(m.organizationId))) return undefined;
        return subject.rebind(tables);
      });
    }
    return new Policy<P>(tables, cache);
  }

  /** Sizes of the compiled policy. */
  stats(): PolicyStats {
    const t = this.tables;
    return {
      version: t.version,
      permissions: t.permissions.names.length,
      usergroups: t.groups.facts.filter((f) => f !== null).length,
      profiles: t.profiles.size,
      organizations: t.organizationCount,
      cachedSubjects: this.cache.size,
    };
  }

  /** The version `withChanges` gives the result (`INVALID_SNAPSHOT` at `version` when malformed). */
  private nextVersion(options: unknown): number {
    if (options === undefined) return this.version + 1;
    if (!isRecord(options)) return invalidSnapshot(["options"], "must be an object", options);
    let version: unknown;
    try {
      version = options.version;
    } catch (error) {
      return rethrowAsInvalidSnapshot(error, ["version"]);
    }
    return version === undefined ? this.version + 1 : readVersion(version, ["version"]);
  }

  private resolve(ref: SubjectRef<P>): ResolvedSubject<P> {
    if (typeof ref === "string") return this.resolveId(ref);
    if (ResolvedSubject.is(ref) && ref.tables === this.tables) return ref as ResolvedSubject<P>;
    return this.resolveOther(ref);
  }

  /**
   * A handle from another policy version, or a look-alike object (a handle or a
   * decision's `subject` that went through JSON): `kind: "guest"` is the guest, anything
   * else is looked up by `id`. Anything but a plain object, or an object without a
   * string `id`, is the malformed subject (denied everything).
   */
  private resolveOther(ref: unknown): ResolvedSubject<P> {
    if (!isRecord(ref)) return this.malformed();
    try {
      if (ref.kind === "guest") return this.guest() as ResolvedSubject<P>;
      const id = ref.id;
      return typeof id === "string" ? this.resolveId(id) : this.malformed();
    } catch {
      return this.malformed(); // a getter or proxy trap threw: malformed, even if `id` alone would read
    }
  }

  /** The subject of a malformed reference: unknown, no id, denied everything. */
  private malformed(): ResolvedSubject<P> {
    this.malformedSubject ??= ResolvedSubject.resolve<P>(this.tables, null, "unknown", null);
    return this.malformedSubject;
  }

  private resolveId(userId: string): ResolvedSubject<P> {
    // Services often ask several questions about one subject in a row: the last subject
    // is then tried before the cache. Only while ids repeat, though: when they do not,
    // comparing each id with the last one costs a string comparison per call for nothing.
    if (this.repeating && userId === this.lastId) return this.lastSubject!;
    const cached = this.cache.get(userId);
    if (cached === undefined) return this.resolveUncached(userId);
    this.repeating = cached === this.lastSubject;
    this.lastId = userId;
    this.lastSubject = cached;
    return cached;
  }

  /** Resolves a user id the cache does not hold (kept out of {@link Policy.resolveId}, which is small enough to inline). */
  private resolveUncached(userId: string): ResolvedSubject<P> {
    // Not an id any snapshot can hold: unknown, and not cached (huge keys would pin memory).
    if (userId.length === 0 || userId.length > MAX_ID_LENGTH) return ResolvedSubject.resolve<P>(this.tables, userId, "unknown", null);
    const record = this.tables.users.get(userId) ?? null;
    const subject = ResolvedSubject.resolve<P>(this.tables, userId, record === null ? "unknown" : record.kind, record);
    this.cache.set(userId, subject);
    if (this.cache.capacity > 0) {
      this.lastId = userId;
      this.lastSubject = subject;
    }
    return subject;
  }
}

/** An unknown `check` (possible from untyped JavaScript) is denied, never thrown. */
function unhandled(_request: never): false {
  return false;
}
