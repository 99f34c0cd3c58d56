/**
 * Storage ports: what the service needs from a storage adapter. Every adapter
 * (`orgkit/memory`, `orgkit/postgres`, a host's own) implements {@link Storage} and is
 * checked by the one conformance suite in `orgkit/storage`.
 *
 * General contract, for every method:
 * - Not found is `null` (or `false` for deletes), never an exception.
 * - Returned objects are plain data, detached from the store: mutating them changes nothing.
 * - A unique value already taken, or a stale expected version, throws `OrgKitError`
 *   `CONFLICT` (`details.reason`: `"unique"`, `"version"` or `"serialization"`).
 * - A statement, lock or connect timeout throws `OrgKitError` `STORAGE_TIMEOUT`; any
 *   other backend failure (a lost connection: `details.reason` `"connection_lost"`)
 *   throws `STORAGE_FAILURE`; both with the driver error as `cause`, and
 *   `details.commitUnknown: true` when the outcome of a commit is unknown.
 * - Arguments are read once into plain data; one that cannot be read, or holds a
 *   string with U+0000, an unpaired surrogate or a control character other than TAB,
 *   LF and CR (keyset cursors excepted), throws `VALIDATION_FAILED` before anything runs.
 * - Orderings are stated per method; ties are broken by id compared as strings by code unit
 *   (PostgreSQL adapters use `COLLATE "C"`).
 * - Lists that can be large are paginated with `after` (an exclusive key) and `limit`.
 *
 * @module
 */
import type { PolicyChange } from "../permissions/changes.js";
import type { MemberRuleLookupKey } from "../domain/matching/lookup-keys.js";
import type { DomainChallengeRecord, Membership, MemberRuleProof, MemberRuleRecord, ResourceOwnership, User } from "../domain/membership/model.js";
import type { Organization, OrganizationStatus } from "../domain/organization/schema.js";
import type { BuiltInUsergroup } from "../permissions/snapshot.js";
import type { ActorRef } from "../domain/actor-ref.js";
import type { InvitationKind, InvitationRecord, InvitationStatus } from "../domain/invitation/model.js";

export type { ActorRef } from "../domain/actor-ref.js";

/** A usergroup as stored: a named set of permissions; `builtIn` marks Everyone and Registered. */
export interface UsergroupRecord {
  /** The usergroup's id. */
  readonly id: string;
  /** Display name (used in explanations). */
  readonly name: string;
  /** The permissions the group grants, as the kit's permission names. */
  readonly permissions: readonly string[];
  /** `everyone` or `registered` for a built-in group that applies automatically; `null` for a group members join. */
  readonly builtIn: BuiltInUsergroup | null;
  /** When it was created (ISO 8601). */
  readonly createdAt: string;
  /** When it was last changed (ISO 8601). */
  readonly updatedAt: string;
  /** 1 when created, plus 1 for each update; the `expectedVersion` of the next update. */
  readonly version: number;
}

/** A staff profile as stored; `grants` is the profile's JSON definition (see `orgkit/permissions`). */
export interface StaffProfileRecord {
  /** The staff profile's id. */
  readonly id: string;
  /** Display name (used in explanations). */
  readonly name: string;
  /** What the profile grants, as JSON: organization actions per state combination, note rules and the like (`PolicyStaffProfile` of `orgkit/permissions` without id and name). */
  readonly grants: Readonly<Record<string, unknown>>;
  /** When it was created (ISO 8601). */
  readonly createdAt: string;
  /** When it was last changed (ISO 8601). */
  readonly updatedAt: string;
  /** 1 when created, plus 1 for each update; the `expectedVersion` of the next update. */
  readonly version: number;
}

/** An event in the audit trail, as stored. `sequence` is assigned by storage, strictly increasing. */
export interface AuditEvent {
  /** Position in the trail, assigned by storage: greater than every event appended before. */
  readonly sequence: number;
  /** e.g. `organization.created`, `membership.added`, `user.upserted`. */
  readonly type: string;
  /** The organization it concerns, if any. */
  readonly organizationId: string | null;
  /** Who did it: a user of the host, or the system actor. */
  readonly actor: ActorRef;
  /** ISO 8601. */
  readonly at: string;
  /** The event's payload (JSON), by type: the ids and values changed. */
  readonly data: Readonly<Record<string, unknown>>;
}

/** An event to append (storage assigns `sequence`). */
export type NewAuditEvent = Omit<AuditEvent, "sequence">;

/** A page of results with a cursor for the next page (`null` on the last page). */
export interface Page<T> {
  /** The results of this page, in the listing's order. */
  readonly items: readonly T[];
  /** Pass as `cursor` to get the next page; `null` on the last page. */
  readonly nextCursor: string | null;
}

/** A page of search results with the total number of matches. */
export interface SearchPage<T> extends Page<T> {
  /** How many items match the query, across all pages. */
  readonly total: number;
}

/** Keyset pagination: items strictly after `after` (the key of the last item seen), at most `limit`. */
export interface KeysetOptions {
  /** The key of the last item seen (what it is is stated per method); absent or `null`: from the start. */
  readonly after?: string | null;
  /** 1–1000. */
  readonly limit: number;
}

/** Fields organization search can sort by. */
export type OrganizationSortField = "name" | "createdAt" | "updatedAt";

/**
 * An organization search. All filters combine with AND.
 */
export interface OrganizationSearchQuery {
  /** Case-insensitive substring of the name, the id or the external id. */
  readonly text?: string;
  /** Type is one of these. */
  readonly types?: readonly string[];
  /** Has every one of these tags (case-insensitive). */
  readonly tags?: readonly string[];
  /** Has every one of these state flags. */
  readonly states?: readonly string[];
  /** Has this status. Absent: both active and discontinued. */
  readonly status?: OrganizationStatus;
  /** Direct children of this organization; `null` for roots. */
  readonly parentId?: string | null;
  /** Default `name`: case-insensitive (lower-cased), then id. */
  readonly sort?: OrganizationSortField;
  /** Sort order, default `asc`; the id tie-break follows it. */
  readonly direction?: "asc" | "desc";
  /** 1–1000, default 50. */
  readonly limit?: number;
  /** The `nextCursor` of the previous page (opaque; only valid with the same query). */
  readonly cursor?: string | null;
  /**
   * Only organizations a subject may read, applied in the query so that pages, cursors
   * and `total` never involve another row. Absent: every organization. The service
   * builds it from the evaluator's `organizationReadScope()`.
   */
  readonly visibility?: OrganizationVisibility;
}

/**
 * Which organizations a search may return: those in `organizationIds`, and those whose
 * `states` equal one of `stateSets` as a set (`[]` is "no state").
 */
export interface OrganizationVisibility {
  /** Organizations readable by id: those of the subject's active memberships, and those a cascading membership reaches. */
  readonly organizationIds: readonly string[];
  /** State combinations readable wherever they occur: an organization whose `states` equal one of these, as a set, is readable. */
  readonly stateSets: readonly (readonly string[])[];
}

/** A (kind, value) pair a member rule must have to match an identity: what `identityLookupKeys` returns. */
export type RuleLookupKey = MemberRuleLookupKey;

/** Organizations. */
export interface OrganizationRepository {
  /** The organization with this id, or `null`. */
  get(id: string): Promise<Organization | null>;
  /** The organizations with these ids that exist, in the order of `ids`. */
  getMany(ids: readonly string[]): Promise<Organization[]>;
  /** The organization with this external id (the host's key), or `null`. */
  getByExternalId(externalId: string): Promise<Organization | null>;
  /** The active organization with this name compared case-insensitively (lower-cased), if any. */
  findActiveByName(name: string): Promise<Organization | null>;
  /**
   * Stores a new organization. `CONFLICT` (reason `unique`) when the id or external id is
   * taken, or, when the adapter enforces unique names, an active organization has the same
   * lower-cased name.
   */
  insert(organization: Organization): Promise<void>;
  /**
   * Replaces an organization whose stored version is `expectedVersion` (the new object
   * carries the new version). `CONFLICT` (reason `version`) when the stored version
   * differs; `NOT_FOUND` when there is none; unique clashes as for `insert`.
   */
  update(organization: Organization, expectedVersion: number): Promise<void>;
  /** Direct children of `parentId` (or the roots for `null`), ordered by id. */
  children(parentId: string | null, options?: KeysetOptions): Promise<Organization[]>;
  /** Ancestors of `id`, nearest first, not including `id`. Empty for a root or an unknown id. */
  ancestors(id: string): Promise<Organization[]>;
  /**
   * Descendants of `id` (not including it) in depth-first pre-order, siblings ordered by
   * id. Discontinued organizations and their subtrees are included unless
   * `includeDiscontinued` is false.
   */
  descendants(id: string, options?: { readonly includeDiscontinued?: boolean }): Promise<Organization[]>;
  /**
   * Optional. The ids of every organization below `id` (not `id` itself), discontinued
   * ones and their subtrees included, in code-unit order; empty for a leaf or an unknown
   * id. For hosts that need a subtree as a set (to scope their own queries, or to test
   * membership) without loading its documents: on PostgreSQL one index-only range scan of
   * the hierarchy's closure (migration 11), where `descendants` reads every row.
   *
   * @example
   * ```ts
   * const ids = (await storage.organizations.descendantIds?.("acme")) ?? [];
   * await db.query("SELECT * FROM tickets WHERE organization_id = ANY($1)", [["acme", ...ids]]);
   * ```
   */
  descendantIds?(id: string): Promise<string[]>;
  /** Length of the longest downward path from `id` (0 for a leaf or an unknown id). */
  subtreeHeight(id: string): Promise<number>;
  /** Filtered, sorted search with keyset pagination and a total count. */
  search(query: OrganizationSearchQuery): Promise<SearchPage<Organization>>;
  /** All organizations by id order, a page at a time (for snapshots and exports). */
  scan(options: KeysetOptions): Promise<Organization[]>;

  // Set-wise reads and writes, for bulk imports. Optional: the service falls back to the
  // single-row methods above when an adapter leaves them out (one call per row).

  /**
   * Optional. The organizations whose external id is one of `externalIds`, in the order
   * of `externalIds` (an id given twice is returned twice, as separate copies); ids with
   * no organization are skipped. One query per call on a database: callers send chunks
   * of a few thousand.
   */
  getManyByExternalId?(externalIds: readonly string[]): Promise<Organization[]>;
  /**
   * Optional. The active organizations whose lower-cased name is one of `names`
   * lower-cased (as {@link OrganizationRepository.findActiveByName} compares), ordered by
   * id; all of them, also several with the same name where the adapter stores such.
   */
  findActiveByNames?(names: readonly string[]): Promise<Organization[]>;
  /**
   * Optional. For each of `ids` that exists, in the order of `ids`, the ids of its
   * ancestors, nearest first (as {@link OrganizationRepository.ancestors} lists them);
   * ids with no organization are skipped.
   */
  ancestorIdsOfMany?(ids: readonly string[]): Promise<{
    /** One of `ids`. */
    readonly id: string;
    /** Its ancestors' ids, nearest first (empty for a root). */
    readonly ancestorIds: readonly string[];
  }[]>;
  /**
   * Optional. Stores many new organizations, all or nothing, as `insert` would one by one
   * in this order (parents may come before or after their children): `CONFLICT` (reason
   * `unique`) when any id, external id or (with unique names) active name is taken, also
   * within the batch, and then none is stored.
   */
  insertMany?(organizations: readonly Organization[]): Promise<void>;

  // Set-wise writes for merges (`kit.organizations.merge`). Optional: without them the
  // service moves children, memberships and resources one call per row.

  /**
   * Optional. Stores `children`, new versions of direct children of `fromParentId` that all
   * moved under one new parent (the same `parentId` for every one of them, outside their
   * subtrees: the service checked the move), as `update` would one by one with
   * `expectedVersion` = `version - 1`, all or nothing; the hierarchy reads follow, subtrees
   * included. `CONFLICT` (reason `version`) when one is not stored at `version - 1` under
   * `fromParentId`; `NOT_FOUND` when one is not stored; `VALIDATION_FAILED` when they do not
   * share one new parent, or it is `fromParentId`. Unique clashes as for `update`.
   */
  moveChildren?(fromParentId: string, children: readonly Organization[]): Promise<void>;
}

/** Users (orgkit's projection of host users). */
export interface UserRepository {
  /** The user with this id, or `null`. */
  get(id: string): Promise<User | null>;
  /** The users with these ids that exist, in the order of `ids`. */
  getMany(ids: readonly string[]): Promise<User[]>;
  /** `CONFLICT` (reason `unique`) when the id is taken. */
  insert(user: User): Promise<void>;
  /** As {@link OrganizationRepository.update}. */
  update(user: User, expectedVersion: number): Promise<void>;
  /**
   * Users a member rule matches, ordered by id, a page at a time: `email` — one of the
   * user's emails equals `value`; `username` — equal; `phone` — one of the phones equals;
   * `domain` — an email's host equals `value`, or (with `includeSubdomains`) ends with
   * `"." + value`.
   */
  findMatching(rule: Pick<MemberRuleRecord, "kind" | "value" | "includeSubdomains">, options: KeysetOptions): Promise<User[]>;
  /** All users by id order, a page at a time. */
  scan(options: KeysetOptions): Promise<User[]>;
  /**
   * Removes the user and every identity it is findable by (`findMatching` no longer
   * returns it); `false` when there was none. Memberships are not touched: the service
   * removes only users that have none.
   */
  delete(id: string): Promise<boolean>;
}

/** Options of {@link MembershipRepository.reassignOrganization}: a keyset page (`after` is a user id) and what the moved rows get. */
export interface MembershipReassignOptions extends KeysetOptions {
  /** The `updatedAt` of every membership that moves. */
  readonly updatedAt: string;
  /** Rule id → rule id: a moving membership created by one of these rules cites its replacement instead. */
  readonly sourceRules?: Readonly<Record<string, string>>;
}

/** What {@link MembershipRepository.reassignOrganization} did with one user's membership. */
export interface MembershipReassignment {
  /** The membership in the organization it left, as it was (it is deleted). */
  readonly previous: Membership;
  /** The user's membership in the organization it moved to: `previous` moved, or, when `kept`, the one it already had there. */
  readonly current: Membership;
  /** The user already belonged to the target: that membership was kept unchanged and `previous` deleted. */
  readonly kept: boolean;
}

/** Options of {@link ResourceRepository.reassignOrganization}: a keyset page (`after` is `kind + "\u0000" + id`) and the new assignment time. */
export interface ResourceReassignOptions extends KeysetOptions {
  /** The `assignedAt` of every resource that moves. */
  readonly assignedAt: string;
}

/** Memberships (user × organization). */
export interface MembershipRepository {
  /** The membership of this user in this organization, or `null`. */
  get(userId: string, organizationId: string): Promise<Membership | null>;
  /** The user's memberships ordered by organization id. */
  listByUser(userId: string): Promise<Membership[]>;
  /** An organization's memberships ordered by user id; `after` is a user id. */
  listByOrganization(organizationId: string, options: KeysetOptions): Promise<Membership[]>;
  /** How many memberships the organization has (0 for an unknown id). */
  countByOrganization(organizationId: string): Promise<number>;
  /** Memberships created by a member rule (`source.ruleId`), ordered by (organization id, user id); `after` is the cursor of the last row, `organizationId + "\u0000" + userId`. */
  listBySourceRule(ruleId: string, options: KeysetOptions): Promise<Membership[]>;
  /** Inserts or replaces the membership of (userId, organizationId). */
  put(membership: Membership): Promise<void>;
  /** Removes it; `false` when there was none. */
  delete(userId: string, organizationId: string): Promise<boolean>;
  /** All memberships ordered by (user id, organization id), a page at a time; `after` as in `listBySourceRule` but user id first. */
  scan(options: KeysetOptions): Promise<Membership[]>;
  /** The organization's admin memberships (`admin: true`) ordered by user id; `after` is a user id. */
  listAdmins(organizationId: string, options: KeysetOptions): Promise<Membership[]>;
  /**
   * Optional (merges). Moves a page of organization `from`'s memberships to organization
   * `to`: those of users after `options.after`, at most `options.limit`, by user id, all or
   * nothing. A user with no membership in `to` gets `from`'s, with `organizationId: to`,
   * `updatedAt` and — when created by a rule listed in `sourceRules` — that rule's
   * replacement as source (role, admin flag, other sources and `createdAt` kept). A user
   * already in `to` keeps that membership unchanged, and `from`'s is deleted. Returns what
   * happened to each user, by user id (an empty list: nothing was left to move).
   * `VALIDATION_FAILED` when `from` and `to` are the same. One or two statements per call
   * on a database.
   */
  reassignOrganization?(from: string, to: string, options: MembershipReassignOptions): Promise<MembershipReassignment[]>;
}

/** Member rules, indexed for matching. Kept in step with each organization's `memberRules` by the service. */
export interface MemberRuleRepository {
  /** The rule with this id, or `null`. */
  get(id: string): Promise<MemberRuleRecord | null>;
  /** `CONFLICT` (reason `unique`) when the id is taken, or when `exclusive` and another exclusive rule has the same kind and value. */
  insert(rule: MemberRuleRecord): Promise<void>;
  /** Removes the rule (and its domain challenge); `false` when there was none. */
  delete(id: string): Promise<boolean>;
  /** Rules whose (kind, value) is one of `keys`, ordered by id. */
  findByKeys(keys: readonly RuleLookupKey[]): Promise<MemberRuleRecord[]>;
  /** An organization's rules ordered by id (few per organization; listed whole). */
  listByOrganization(organizationId: string): Promise<MemberRuleRecord[]>;
  /** All rules by id order, a page at a time. */
  scan(options: KeysetOptions): Promise<MemberRuleRecord[]>;
  /**
   * Domain rules whose value is `domain` or lies under it at a label boundary
   * (`eu.acme.com` and `acme.com` for `acme.com`, never `notacme.com`), ordered by id, a
   * page at a time (`after` is a rule id); with `provenOnly`, only rules with a `proof`.
   * An index range on the domain's reversed labels, never a scan of all rules.
   */
  findWithinDomain(domain: string, options: KeysetOptions & { readonly provenOnly?: boolean }): Promise<MemberRuleRecord[]>;
  /**
   * Sets (or with `null` clears) the `proof` of domain rule `id`; `false` when there is no
   * such rule. `CONFLICT` (reason `unique`) when another organization's proven domain
   * rule nests with it (the same domain, one above it or one under it at a label
   * boundary), also when both proofs are written at the same moment; `VALIDATION_FAILED`
   * for a rule that is not a domain rule.
   */
  setProof(id: string, proof: MemberRuleProof | null): Promise<boolean>;
  /** The challenge of rule `ruleId`, or `null`. */
  getChallenge(ruleId: string): Promise<DomainChallengeRecord | null>;
  /** Inserts or replaces the challenge of rule `challenge.ruleId`; `false` when there is no such rule. Deleting the rule deletes its challenge. */
  putChallenge(challenge: DomainChallengeRecord): Promise<boolean>;
}

/** Usergroups. Few per installation; listed whole. */
export interface UsergroupRepository {
  /** The usergroup with this id, or `null`. */
  get(id: string): Promise<UsergroupRecord | null>;
  /** All usergroups ordered by id. */
  list(): Promise<UsergroupRecord[]>;
  /** Stores a new usergroup. `CONFLICT` (reason `unique`) when the id is taken. */
  insert(group: UsergroupRecord): Promise<void>;
  /** As {@link OrganizationRepository.update}: `CONFLICT` (reason `version`) when the stored version is not `expectedVersion`, `NOT_FOUND` when there is none. */
  update(group: UsergroupRecord, expectedVersion: number): Promise<void>;
  /** Removes the usergroup; `false` when there was none. */
  delete(id: string): Promise<boolean>;
}

/** Staff profiles. Few per installation; listed whole. */
export interface StaffProfileRepository {
  /** The staff profile with this id, or `null`. */
  get(id: string): Promise<StaffProfileRecord | null>;
  /** All profiles ordered by id. */
  list(): Promise<StaffProfileRecord[]>;
  /** Stores a new staff profile. `CONFLICT` (reason `unique`) when the id is taken. */
  insert(profile: StaffProfileRecord): Promise<void>;
  /** As {@link OrganizationRepository.update}: `CONFLICT` (reason `version`) when the stored version is not `expectedVersion`, `NOT_FOUND` when there is none. */
  update(profile: StaffProfileRecord, expectedVersion: number): Promise<void>;
  /** Removes the staff profile; `false` when there was none. */
  delete(id: string): Promise<boolean>;
}

/** Resource ownership (assets, systems…): one owner per (kind, id). */
export interface ResourceRepository {
  /** The ownership of the resource (kind, id), or `null` when it has no owner. */
  get(kind: string, id: string): Promise<ResourceOwnership | null>;
  /** Inserts or replaces the owner of (kind, id). */
  put(resource: ResourceOwnership): Promise<void>;
  /** Removes the ownership of (kind, id); `false` when there was none. */
  delete(kind: string, id: string): Promise<boolean>;
  /** Resources owned by an organization, ordered by (kind, id); `after` is `kind + "\u0000" + id`. */
  listByOrganization(organizationId: string, options: KeysetOptions): Promise<ResourceOwnership[]>;
  /** All resources ordered by (kind, id), a page at a time. */
  scan(options: KeysetOptions): Promise<ResourceOwnership[]>;
  /**
   * Optional (merges). Moves a page of organization `from`'s resources to organization
   * `to`: those after `options.after`, at most `options.limit`, by (kind, id), each with
   * `assignedAt`, all or nothing. Returns them as now stored, by (kind, id) (an empty list:
   * nothing was left to move). `VALIDATION_FAILED` when `from` and `to` are the same.
   */
  reassignOrganization?(from: string, to: string, options: ResourceReassignOptions): Promise<ResourceOwnership[]>;
}

/** Options of {@link InvitationRepository.listByOrganization}. */
export interface InvitationListOptions extends KeysetOptions {
  /** Only invitations in this stored state. Absent: all of them. */
  readonly status?: InvitationStatus;
}

/**
 * Invitations (`kit.invitations`). At most one *pending* invitation per (organization,
 * kind, address): the service replaces the old one before it inserts a new one, and
 * storage enforces it, so two concurrent invitations cannot both stay pending.
 *
 * Invitations hold addresses, which are personal data: {@link InvitationRepository.deleteByAddress}
 * and {@link InvitationRepository.deleteAcceptedBy} are how an erasure removes them.
 */
export interface InvitationRepository {
  /** The invitation with this id, or `null`. */
  get(id: string): Promise<InvitationRecord | null>;
  /** The invitation whose token hashes to `tokenHash` (64 lower-case hex digits), or `null`. */
  getByTokenHash(tokenHash: string): Promise<InvitationRecord | null>;
  /** The pending invitation (expired or not) of `organizationId` to this address, or `null`. */
  findPending(organizationId: string, kind: InvitationKind, address: string): Promise<InvitationRecord | null>;
  /**
   * Stores a new invitation. `CONFLICT` (reason `unique`) when the id or the token hash is
   * taken, or when it is pending and another pending invitation has the same organization,
   * kind and address.
   */
  insert(invitation: InvitationRecord): Promise<void>;
  /**
   * Replaces the invitation whose stored version is `expectedVersion` (the new object
   * carries the new version): `CONFLICT` (reason `version`) when it differs, so of two
   * concurrent acceptances only one succeeds; `NOT_FOUND` when there is none; unique
   * clashes as for `insert`.
   */
  update(invitation: InvitationRecord, expectedVersion: number): Promise<void>;
  /** An organization's invitations ordered by id, a page at a time (`after` is an id), optionally in one state. */
  listByOrganization(organizationId: string, options: InvitationListOptions): Promise<InvitationRecord[]>;
  /** Deletes every invitation (any state, any organization) to this normalized address; returns how many went. For erasure. */
  deleteByAddress(kind: InvitationKind, address: string): Promise<number>;
  /** Deletes every invitation the user `userId` accepted; returns how many went. For erasure. */
  deleteAcceptedBy(userId: string): Promise<number>;
  /** All invitations by id order, a page at a time. */
  scan(options: KeysetOptions): Promise<InvitationRecord[]>;
}

/** The append-only audit trail. */
export interface EventRepository {
  /** Appends events in order, assigning each a sequence number greater than any before. Returns them with their sequences. */
  append(events: readonly NewAuditEvent[]): Promise<AuditEvent[]>;
  /** Events by ascending sequence, strictly after `after` (a sequence), optionally for one organization. */
  list(options: { readonly organizationId?: string; readonly after?: number; readonly limit: number }): Promise<AuditEvent[]>;
  /** The highest sequence so far (0 when empty). Every write appends an event, so this is the data version. */
  lastSequence(): Promise<number>;
  /**
   * The events that concern a user, by ascending sequence, strictly after `after` (a
   * sequence), at most `limit` (1–1000): those it did (`actor` is `{ type: "user", id }`)
   * and those about it (`data.userId` is its id). Found by index, never by reading the trail.
   */
  listByUser(userId: string, options: { readonly after?: number; readonly limit: number }): Promise<AuditEvent[]>;
  /**
   * Erasure (GDPR article 17), the one change ever made to a stored event: replaces, in
   * the `data` of every event of the trail, each occurrence of one of `values` (a
   * person's emails, phones and username) as `scrubPersonalData` from `orgkit/storage` does —
   * the one rule every adapter applies, so results agree everywhere. Sequences, types,
   * actors, times and organization ids stay. Returns how many events changed. At most
   * 1,000 values; `[]` changes nothing.
   */
  scrub(values: readonly string[]): Promise<number>;
}

/**
 * One committed write, as the change feed holds it: its revision, the policy changes it
 * made (what `Policy.withChanges` applies) and the audit events it appended.
 */
export interface ChangeEntry {
  /** Greater than every revision committed before it; revisions may have gaps (a rolled-back transaction can use one up). */
  readonly revision: number;
  /** When the use case ran (ISO 8601, the kit's clock). */
  readonly at: string;
  /** The policy changes the write made, in order: what `Policy.withChanges` applies to a snapshot. */
  readonly changes: readonly PolicyChange[];
  /**
   * The audit events the write appended. An adapter may keep them by reference to its
   * event store when they are the very events its `events.append` returned in the same
   * transaction (orgkit's PostgreSQL adapter does, so an import's events are stored once);
   * `since` then reads them from there, as they are stored now.
   */
  readonly events: readonly AuditEvent[];
}

/** An entry to append (storage assigns `revision`). */
export type NewChangeEntry = Omit<ChangeEntry, "revision">;

/**
 * The change feed: an outbox written in the same transaction as the data it describes.
 *
 * The ordering contract every adapter keeps: **a reader that has seen revision R has seen
 * every entry with a revision ≤ R.** No revision may become visible after a higher one
 * was read (on PostgreSQL the append takes a lock held to commit, so revision order is
 * commit order), and an entry is visible exactly when the data it describes is.
 */
export interface ChangeFeedRepository {
  /** Appends the entry of the transaction in progress and returns its revision. One per transaction. */
  append(entry: NewChangeEntry): Promise<number>;
  /** Entries with a revision greater than `after`, ascending, at most `limit` (1–1000). */
  since(after: number, limit: number): Promise<ChangeEntry[]>;
  /** The highest committed revision, 0 when nothing was ever appended. */
  latestRevision(): Promise<number>;
  /** Entries up to this revision were pruned: `since(r)` is complete only for `r ≥ horizon()`. 0 until the first prune. */
  horizon(): Promise<number>;
  /** Deletes the entries with a revision ≤ `upTo` (never the latest one) and raises the horizon; returns how many went. */
  prune(upTo: number): Promise<number>;
  /**
   * Erasure: scrubs the copies of audit events the entries carry, exactly as
   * {@link EventRepository.scrub} scrubs the trail (each event's `data`, by
   * `scrubPersonalData`), so the feed's events stay equal to the trail's. Policy changes
   * are left as they are (they hold ids, flags and group and profile names, never a
   * person's identity). Returns how many entries changed.
   */
  scrub(values: readonly string[]): Promise<number>;
}

/**
 * A per-tenant setting as stored: a small JSON object under a fixed key, versioned.
 * orgkit keeps one: the configuration record of the kits on the storage, under
 * `"configuration"` (see docs/storage.md, "One configuration per store").
 */
export interface SettingRecord {
  /** The setting's name, 1–128 characters. */
  readonly key: string;
  /** JSON data (objects, arrays, strings, numbers, booleans, null), stored and returned as it is. */
  readonly value: Readonly<Record<string, unknown>>;
  /** 1 when first stored; each {@link SettingsRepository.compareAndSet} adds 1. */
  readonly version: number;
  /** When this version was stored (ISO 8601). */
  readonly updatedAt: string;
}

/** A setting to store: the storage numbers its version. */
export type NewSetting = Omit<SettingRecord, "version">;

/** What {@link SettingsRepository.insertIfAbsent} found or did. */
export interface SettingInsertion {
  /** True when this call stored the setting; false when the key was taken (nothing was changed). */
  readonly inserted: boolean;
  /** The setting stored under the key now: the new one, or the one that was already there. */
  readonly setting: SettingRecord;
}

/**
 * Per-tenant settings: a handful of small records under fixed keys, which every kit on
 * the storage reads to agree with the others (orgkit's configuration record). Optional on
 * the port: an adapter without it still works, but its kits cannot check that they share
 * one configuration (`kit.ready()` answers `"unchecked"`, and adopting a configuration is
 * `STORAGE_FAILURE`, reason `settings_unsupported`).
 */
export interface SettingsRepository {
  /** The setting under `key`, or null. */
  get(key: string): Promise<SettingRecord | null>;
  /**
   * Stores `setting` at version 1 unless its key is taken, and returns what the key holds
   * afterwards. Of two calls racing on one key exactly one stores; the other returns the
   * setting the first stored (inside a transaction it may instead fail with a
   * serialization `CONFLICT`, which the adapter's transaction retry resolves).
   */
  insertIfAbsent(setting: NewSetting): Promise<SettingInsertion>;
  /**
   * Replaces the setting whose stored version is `expectedVersion` (the stored version
   * becomes `expectedVersion + 1`) and returns it. `CONFLICT` (reason `version`) when the
   * stored version differs, `NOT_FOUND` when the key holds nothing.
   */
  compareAndSet(setting: NewSetting, expectedVersion: number): Promise<SettingRecord>;
}

/** What {@link Storage.listen} calls. */
export interface StorageListenHandlers {
  /** A revision was committed (by this or another process); read the feed up to it. Notices may be missed or come out of order. */
  onRevision(revision: number): void;
  /** The listening connection was lost; no more revisions come. */
  onError(error: Error): void;
}

/** A running {@link Storage.listen}. */
export interface StorageListener {
  /** Stops listening and releases the connection. */
  close(): Promise<void>;
}

/** The repositories, as seen inside or outside a transaction. */
export interface StorageSession {
  /** Organizations and their hierarchy. */
  readonly organizations: OrganizationRepository;
  /** Users (orgkit's projection of host users). */
  readonly users: UserRepository;
  /** Memberships (user × organization). */
  readonly memberships: MembershipRepository;
  /** Member rules, indexed for matching. */
  readonly rules: MemberRuleRepository;
  /** Usergroups. */
  readonly usergroups: UsergroupRepository;
  /** Staff profiles. */
  readonly profiles: StaffProfileRepository;
  /** Resource ownership. */
  readonly resources: ResourceRepository;
  /**
   * Optional: an adapter written before invitations leaves it out, and then
   * `kit.invitations` fails with `STORAGE_FAILURE` (reason `unsupported`) while everything
   * else works. orgkit's memory and PostgreSQL storages have it.
   */
  readonly invitations?: InvitationRepository;
  /** The append-only audit trail. */
  readonly events: EventRepository;
  /** The change feed, written in the same transaction as the data. */
  readonly changes: ChangeFeedRepository;
  /**
   * Optional (see {@link SettingsRepository}): per-tenant settings. Without it, kits on the
   * storage do not check that they share one configuration.
   */
  readonly settings?: SettingsRepository;
  /**
   * Optional, and only on the session {@link Storage.transaction} hands its callback (a
   * savepoint needs a transaction). Runs `fn`; when `fn` throws, every write it made
   * through this session is undone, the error is rethrown, and the transaction goes on as
   * if `fn` had never run (on PostgreSQL: `SAVEPOINT` … `ROLLBACK TO SAVEPOINT`, so a
   * failed statement no longer aborts the transaction). A storage fault
   * (`STORAGE_FAILURE`, `STORAGE_TIMEOUT`) or a serialization failure still ends the
   * whole transaction. Savepoints may nest; the session's other calls wait for nothing
   * (run `fn`'s calls inside `fn`).
   */
  savepoint?<T>(fn: () => Promise<T>): Promise<T>;
}

/**
 * A storage backend. Its repositories may be used directly (each call on its own), or
 * inside {@link Storage.transaction}.
 */
export interface Storage extends StorageSession {
  /**
   * Runs `fn` in one transaction: everything it wrote is committed when it resolves, and
   * nothing when it throws (the error is rethrown). Adapters may run `fn` again after a
   * serialization failure, so `fn` must not have effects outside storage. Transactions
   * do not nest.
   */
  transaction<T>(fn: (session: StorageSession) => Promise<T>): Promise<T>;
  /**
   * Optional: hears of every revision committed on this storage, by any process, as it
   * commits (a wake-up only: the change feed stays the truth, and a missed notice is
   * caught up from it). `onError` reports a lost listening connection, after which no more
   * revisions come; `close()` releases the connection.
   */
  listen?(handlers: StorageListenHandlers): Promise<StorageListener>;
  /**
   * Optional: the tenant this storage is scoped to (orgkit's adapters: `"default"` unless
   * one was given). Everything the storage holds and numbers (uniqueness, event sequences,
   * revisions, the change feed) is the tenant's own.
   */
  readonly tenant?: string;
  /** Optional: the same storage scoped to another tenant, without a new connection. */
  forTenant?(tenant: string): Storage;
  /** Releases what the adapter holds (never the injected client). Optional. */
  close?(): Promise<void>;
}
