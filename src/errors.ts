/**
 * The one error type orgkit throws. Every public entry point that can fail throws an
 * {@link OrgKitError} whose {@link OrgKitError.code | code} is one of
 * {@link OrgKitErrorCode}; pure evaluators (`orgkit/permissions`) never throw from a
 * check, they return a decision.
 *
 * `details` is typed per code ({@link OrgKitErrorDetails}): narrow with
 * `isOrgKitError(error, "VALIDATION_FAILED")` or `error.code === "…"` and read
 * `error.details.issues`. The error object holds everything (for your logs); its public
 * rendering, {@link OrgKitError.toJSON} (and `toProblemDetails` in `problem-details.ts`),
 * holds only what the acting user may see.
 *
 * This module has no runtime imports so that `orgkit/permissions` stays dependency-free.
 *
 * @module
 */
import type { ImportResult, ImportRowResult } from "./import-result.js";

/**
 * Every error code orgkit uses, with when it is thrown. The union is closed: a
 * `switch` or `match(...).exhaustive()` over it is checked by TypeScript.
 */
export const ORGKIT_ERROR_CODES = [
  /** Input failed validation; `details.issues` lists each bad field with its `path`. */
  "VALIDATION_FAILED",
  /** The addressed entity does not exist; `details.entity` and `details.id` say which. */
  "NOT_FOUND",
  /** A stale `expectedVersion`, a unique value already taken, a serialization failure, an erased user's id (`"erased"`), a user that has history (`"has_history"`) or a change to an organization merged into another (`"merged"`); `details.reason` says which. */
  "CONFLICT",
  /** The acting user is not allowed to do this; `details.action` says what, `details.reason` why (in terms of its own rights). */
  "FORBIDDEN",
  /** The organization is discontinued and accepts no new assignments. */
  "ORGANIZATION_DISCONTINUED",
  /** `setParent` named a parent organization that does not exist. */
  "PARENT_NOT_FOUND",
  /** A move would make an organization its own ancestor; `details.path` is the loop. */
  "HIERARCHY_CYCLE",
  /** A move would nest deeper than the configured maximum depth. */
  "MAX_DEPTH_EXCEEDED",
  /** An email address could not be normalized. */
  "INVALID_EMAIL",
  /** A domain name could not be normalized (bad labels, length, an IP address…). */
  "INVALID_DOMAIN",
  /** A username could not be normalized. */
  "INVALID_USERNAME",
  /** A phone number could not be parsed to E.164. */
  "INVALID_PHONE",
  /** A domain rule names a public suffix (`com`, `co.uk`), which would match unrelated people. */
  "DOMAIN_PUBLIC_SUFFIX",
  /** A domain rule names a free-mail provider (`gmail.com`) and free-mail was not allowed. */
  "DOMAIN_FREE_MAIL",
  /** Another organization already claims the same normalized rule value under the `"reject"` policy. */
  "RULE_CONFLICT",
  /** A policy snapshot is structurally malformed; `details.path` names the bad part. */
  "INVALID_SNAPSHOT",
  /** `kit.changes.since(revision)` asked for entries the change feed no longer keeps (`details.horizon`): take a fresh snapshot (`kit.exportSnapshot()`) and follow the feed from its revision. */
  "CHANGES_EXPIRED",
  /**
   * `kit.invitations.accept` was given a token that is not one of this tenant's invitations:
   * malformed, unknown, or another tenant's. `details` is empty (nothing about the token is echoed).
   */
  "INVITATION_INVALID",
  /** The invitation's token is past its expiry (`details.invitationId`, `details.expiresAt`); nothing was written. Ask for a new invitation. */
  "INVITATION_EXPIRED",
  /** The invitation was revoked, or replaced by a newer invitation to the same address and organization (`details.reason`: `"revoked"` or `"replaced"`). */
  "INVITATION_REVOKED",
  /** The invitation was already accepted (`details.invitationId`); a token admits once. */
  "INVITATION_USED",
  /**
   * The kit's configuration differs from the one recorded in its storage (another kit
   * recorded it first, or it was adopted since): every use case, `policy`, `can`,
   * `explain`, `exportSnapshot` and `ready()` refuse. `details.differences` lists each
   * differing setting (`{ key, stored, kit }`, e.g. `membershipPolicy`); use the recorded
   * configuration, or adopt this one on purpose (`kit.configuration.adopt`).
   */
  "CONFIGURATION_MISMATCH",
  /**
   * `kit.configuration.adopt` was refused: data in the storage does not fit the kit's
   * configuration (users in several organizations under `"single"`, a removed state or
   * type still in use…). `details.problems` lists each kind of misfit with a count and a
   * few examples; nothing was changed.
   */
  "CONFIGURATION_INCOMPATIBLE",
  /** The storage backend failed; `cause` is the driver's error. */
  "STORAGE_FAILURE",
  /** The storage backend gave up waiting (a statement, lock or idle-transaction timeout…); `details.reason` says which, `details.commitUnknown` whether the write may have happened. */
  "STORAGE_TIMEOUT",
] as const;

/** A stable, UPPER_SNAKE error code. See {@link ORGKIT_ERROR_CODES} for when each is thrown. */
export type OrgKitErrorCode = (typeof ORGKIT_ERROR_CODES)[number];

/** One problem with an input value, as reported in `details.issues` of `VALIDATION_FAILED`. */
export interface ValidationIssue {
  /** Dotted path of the offending field, e.g. `address.country` or `tags.2`. */
  readonly path: string;
  /** Human-readable explanation. */
  readonly message: string;
  /** Machine-readable issue code (zod's issue code, or an orgkit one). */
  readonly code: string;
}

/** Who was acting, as a `FORBIDDEN` error names it (the facade's `ActorRef`). */
export interface ErrorActor {
  /** `user` for a user of the host, `system` for automation. */
  readonly type: string;
  /** The user's id, or the system actor's name (`system` unless the host named it). */
  readonly id: string;
}

/** A member rule, as a conflict names it (the stored rule has more fields). */
export interface ConflictingRule {
  /** Id of the member rule. */
  readonly id: string;
  /** Id of the organization the rule belongs to. */
  readonly organizationId: string;
  /** What the rule matches: `domain`, `email`, `username` or `phone`. */
  readonly kind: string;
  /** The rule's normalized value (a lower-cased domain or address, an E.164 number…). */
  readonly value: string;
}

/**
 * Members the `details` of any code may carry when a bulk import fails as a whole
 * (`kit.organizations.import`, all-or-nothing): the error takes the first failing row's
 * code and details and adds every row's `issues` (paths `rows.<index>.…`) and `result`.
 */
export interface ImportFailureDetails {
  /** Every problem, with its path (for `VALIDATION_FAILED` always present; for an import, every failing row's). */
  readonly issues?: readonly ValidationIssue[];
  /** An all-or-nothing import: every row's outcome (nothing was written). */
  readonly result?: ImportResult;
}

/** `details` of `VALIDATION_FAILED`. */
export interface ValidationFailedDetails extends ImportFailureDetails {
  /** Every bad field, with its path in the input orgkit was given. */
  readonly issues: readonly ValidationIssue[];
  /** `createMemberRule` / member rule writes: the rule's id, when the rule has one. */
  readonly ruleId?: string;
  /** Server-side only: an import row that names, after a merge, the same organization as an earlier row. */
  readonly organizationId?: string;
}

/** `details` of `NOT_FOUND`: what was addressed. */
export interface NotFoundDetails extends ImportFailureDetails {
  /** What kind of thing: `organization`, `user`, `membership`, `memberRule`, `usergroup`, `staff profile`… */
  readonly entity: string;
  /** The id that addressed it. */
  readonly id?: string;
  /** For a membership: the user… */
  readonly userId?: string;
  /** …and the organization (also: the organization of a member rule). */
  readonly organizationId?: string;
  /** Server-side only: a hierarchy index's internal handle. */
  readonly handle?: number;
}

/** `CONFLICT` reason `version`: the stored `entity` is at `actualVersion`, not `expectedVersion`. */
export interface VersionConflictDetails extends ImportFailureDetails {
  /** Tells this conflict apart from the other {@link ConflictDetails}. */
  readonly reason: "version";
  /** What kind of record: `organization`, `user`, `invitation`, `setting`… */
  readonly entity: string;
  /** Id of the record written (for a setting: its key). */
  readonly id: string;
  /** The version the caller read and passed as `expectedVersion`. */
  readonly expectedVersion: number;
  /** `null` when it does not exist (yet). */
  readonly actualVersion: number | null;
}

/** `CONFLICT` reason `configuration_changed`: `kit.configuration.adopt({ from })` found another configuration recorded than `from`. */
export interface ConfigurationChangedConflictDetails extends ImportFailureDetails {
  /** Tells this conflict apart from the other {@link ConflictDetails}. */
  readonly reason: "configuration_changed";
  /** The fingerprint the caller expected (`from`; `null`: no configuration recorded yet). Both fingerprints are `null` when another kit recorded a first configuration at the same time. */
  readonly expectedFingerprint: string | null;
  /** The fingerprint recorded in the storage (`null`: none). */
  readonly actualFingerprint: string | null;
}

/** `CONFLICT` reason `unique`: a unique value is already taken. */
export interface UniqueConflictDetails extends ImportFailureDetails {
  /** Tells this conflict apart from the other {@link ConflictDetails}. */
  readonly reason: "unique";
  /** What kind of record: `organization`, `membership`, `rule`, `user`… */
  readonly entity?: string;
  /** The unique field: `name`, `externalId`, `id`, `value`… */
  readonly field?: string;
  /** The id of the record being written. */
  readonly id?: string;
  /** For a membership: its user. */
  readonly userId?: string;
  /** For a membership: its organization. */
  readonly organizationId?: string;
  /** For a member rule: its kind (`domain`, `email`, `username`, `phone`). */
  readonly kind?: string;
  /** For a member rule: its normalized value. */
  readonly value?: string;
  /** Server-side only: the record that holds the value (it may be one the actor may not see). */
  readonly existingId?: string;
  /** Server-side only: the organization of the rule that holds the value. */
  readonly existingOrganizationId?: string;
  /** Server-side only: the conflicting rule (the matcher). */
  readonly existingRule?: ConflictingRule;
  /** Server-side only: the rule refused (the matcher). */
  readonly rule?: ConflictingRule;
  /** Server-side only: where in the matcher's input. */
  readonly path?: string;
  /** Server-side only: the storage operation that failed (a PostgreSQL adapter's unique violation). */
  readonly operation?: string;
  /** Server-side only: the PostgreSQL constraint violated (`null` when the driver did not say). */
  readonly constraint?: string | null;
  /** Server-side only: the PostgreSQL table of that constraint (`null` when the driver did not say). */
  readonly table?: string | null;
  /** Server-side only: PostgreSQL's `DETAIL` text, which quotes the taken value (`null` when absent). */
  readonly detail?: string | null;
}

/** `CONFLICT` reason `serialization`: concurrent transactions conflicted and the adapter's retries did not resolve it. */
export interface SerializationConflictDetails extends ImportFailureDetails {
  /** Tells this conflict apart from the other {@link ConflictDetails}. */
  readonly reason: "serialization";
  /** How many times the transaction ran. */
  readonly attempts: number;
  /** Server-side only: the storage operation that failed. */
  readonly operation: string;
  /** Server-side only: the last failure's SQLSTATE (`40001` serialization failure, `40P01` deadlock; `null` when the driver gave none). */
  readonly sqlState: string | null;
}

/** `CONFLICT` reason `status`: the change does not apply in the record's current status (reactivating an active organization). */
export interface StatusConflictDetails extends ImportFailureDetails {
  /** Tells this conflict apart from the other {@link ConflictDetails}. */
  readonly reason: "status";
  /** Id of the organization whose status does not allow the change. */
  readonly id: string;
}

/** `CONFLICT` reason `in_use`: the record is still used (a staff profile assigned to users). */
export interface InUseConflictDetails extends ImportFailureDetails {
  /** Tells this conflict apart from the other {@link ConflictDetails}. */
  readonly reason: "in_use";
  /** What kind of record: `staff profile`. */
  readonly entity: string;
  /** Id of the record still in use. */
  readonly id: string;
  /** Server-side only: one user that still uses it. */
  readonly userId?: string;
}

/** `CONFLICT` reason `duplicate_id`: an organization listed twice when building a hierarchy index. */
export interface DuplicateIdConflictDetails extends ImportFailureDetails {
  /** Tells this conflict apart from the other {@link ConflictDetails}. */
  readonly reason: "duplicate_id";
  /** The organization id listed twice. */
  readonly id: string;
}

/** `CONFLICT` reason `merged`: organization `id` was merged into `mergedInto` and takes no more changes (change its survivor). */
export interface MergedConflictDetails extends ImportFailureDetails {
  /** Tells this conflict apart from the other {@link ConflictDetails}. */
  readonly reason: "merged";
  /** Id of the merged organization the change addressed. */
  readonly id: string;
  /** The survivor (the next link of the chain, when it was merged on in turn). */
  readonly mergedInto: string;
}

/** `CONFLICT` reason `erased`: the user `id` was erased; its id stays taken by the tombstone. */
export interface ErasedConflictDetails extends ImportFailureDetails {
  /** Tells this conflict apart from the other {@link ConflictDetails}. */
  readonly reason: "erased";
  /** `user`. */
  readonly entity: string;
  /** The erased user's id. */
  readonly id: string;
}

/** `CONFLICT` reason `has_history`: `users.remove` of a user with history (erase it instead). */
export interface HasHistoryConflictDetails extends ImportFailureDetails {
  /** Tells this conflict apart from the other {@link ConflictDetails}. */
  readonly reason: "has_history";
  /** `user`. */
  readonly entity: string;
  /** Id of the user that was not removed. */
  readonly id: string;
  /** How many memberships it has. */
  readonly memberships: number;
  /** Server-side only: one event of the trail the user did or that names it, beyond those about its own record; `null` when its history is only memberships. */
  readonly event?: {
    /** The event's sequence number in the event log. */
    readonly sequence: number;
    /** The event's type, e.g. `organization.updated`. */
    readonly type: string;
  } | null;
}

/** `details` of `CONFLICT`, told apart by `reason`. */
export type ConflictDetails =
  | VersionConflictDetails
  | UniqueConflictDetails
  | SerializationConflictDetails
  | StatusConflictDetails
  | InUseConflictDetails
  | DuplicateIdConflictDetails
  | MergedConflictDetails
  | ErasedConflictDetails
  | HasHistoryConflictDetails
  | ConfigurationChangedConflictDetails;

/** Every `CONFLICT` reason. */
export type ConflictReason = ConflictDetails["reason"];

/** `details` of `FORBIDDEN`. */
export interface ForbiddenDetails extends ImportFailureDetails {
  /** Who was refused. */
  readonly actor: ErrorActor;
  /** What it was about to do, e.g. `edit user u1 in organization org_1`. */
  readonly action: string;
  /** The evaluator's check that denied it (`canManageUser`…). */
  readonly check?: string;
  /**
   * Why, in terms of the actor's own rights: the evaluator's explanation cut to what the
   * actor may see. `"membership_outside_rights"`: the change would alter a membership in
   * an organization the actor does not administer.
   */
  readonly reason?: string;
  /** Server-side only: the evaluator's full explanation, when `reason` was cut (it may name other users' roles or hidden organizations). */
  readonly explanation?: string;
  /** Server-side only (`membership_outside_rights`): the organization of the membership that would have changed. */
  readonly organizationId?: string;
  /** Server-side only (`membership_outside_rights`): the user of that membership. */
  readonly userId?: string;
}

/** `details` of `ORGANIZATION_DISCONTINUED`. */
export interface OrganizationDiscontinuedDetails extends ImportFailureDetails {
  /** The discontinued organization. */
  readonly id: string;
  /** For a move: the organization moved. */
  readonly childId?: string;
  /** For a move: the parent asked for (the discontinued organization, `id`). */
  readonly parentId?: string;
  /** The organization it was merged into, when it was (assign to that one). */
  readonly mergedInto?: string;
}

/** `details` of `PARENT_NOT_FOUND`. */
export interface ParentNotFoundDetails extends ImportFailureDetails {
  /** The organization moved, or the one whose parent is missing from a hierarchy index. */
  readonly childId?: string;
  /** The parent id that names no organization. */
  readonly parentId?: string;
  /** An import row's parent, by external id. */
  readonly parentExternalId?: string;
}

/** `details` of `HIERARCHY_CYCLE`. */
export interface HierarchyCycleDetails extends ImportFailureDetails {
  /** Server-side only: the loop, e.g. `["east", "boston", "east"]` (it may pass through organizations the actor may not read). */
  readonly path: readonly string[];
  /** For a move: the organization moved. */
  readonly childId?: string;
  /** For a move: the parent asked for (the child itself or one of its descendants). */
  readonly parentId?: string;
  /** For a merge: the duplicate, whose children would move. */
  readonly duplicateId?: string;
  /** For a merge: the survivor, which is in the duplicate's subtree. */
  readonly survivorId?: string;
}

/** `details` of `MAX_DEPTH_EXCEEDED` (a root has depth 0). */
export interface MaxDepthExceededDetails extends ImportFailureDetails {
  /** The configured maximum depth (`maxDepth` of the kit's configuration). */
  readonly maxDepth: number;
  /** The depth the deepest organization of the moved subtree would reach. */
  readonly depth: number;
  /** For a move: the organization moved. */
  readonly childId?: string;
  /** The new parent: for a move the parent asked for, for a merge the survivor. */
  readonly parentId?: string;
  /** For a merge: the duplicate whose children would move. */
  readonly duplicateId?: string;
  /** For a merge: the survivor the children would move under. */
  readonly survivorId?: string;
  /** Server-side only: the depth the moved organization (a merge: the duplicate's children) would have. */
  readonly childDepth?: number;
  /** Server-side only: the height of the moved subtree below it (0: no children); `depth` is `childDepth + childSubtreeHeight`. */
  readonly childSubtreeHeight?: number;
}

/** `details` of `INVALID_EMAIL`, `INVALID_DOMAIN`, `INVALID_USERNAME` and `INVALID_PHONE`. */
export interface InvalidValueDetails extends ImportFailureDetails {
  /** The value (a description of it when it is not a primitive). */
  readonly value: unknown;
  /** Machine-readable reason in snake_case, e.g. `missing_at`, `ip_address`, `too_short`. */
  readonly reason: string;
  /** Where in the input, when known (`emails.0`, `value`). */
  readonly path?: string;
  /** For a member rule's value: the rule's kind (`domain`, `email`, `username`, `phone`). */
  readonly kind?: string;
  /** For a member rule's value: the rule's id, when the input gave one. */
  readonly ruleId?: string;
}

/** `details` of `DOMAIN_PUBLIC_SUFFIX`. */
export interface DomainPublicSuffixDetails extends ImportFailureDetails {
  /** The domain refused, normalized. */
  readonly domain: string;
  /** The public suffix it is (or falls under); `null` when the list names none. */
  readonly publicSuffix: string | null;
  /** Id of the member rule refused, when the input gave one. */
  readonly ruleId?: string;
}

/** `details` of `DOMAIN_FREE_MAIL`. */
export interface DomainFreeMailDetails extends ImportFailureDetails {
  /** The domain refused, normalized. */
  readonly domain: string;
  /** The free-mail domain it is or falls under. */
  readonly provider: string;
  /** Id of the member rule refused, when the input gave one. */
  readonly ruleId?: string;
}

/** `details` of `RULE_CONFLICT`. */
export interface RuleConflictDetails extends ImportFailureDetails {
  /** `domain_proven`: another organization proved the domain, or one above or under it (see `rules.proveDomain`). */
  readonly reason?: "domain_proven";
  /** The proven domain that blocks the claim (`domain_proven`). */
  readonly provenDomain?: string;
  /** For a merge: the duplicate's rule that claims the same value as the survivor's with different subdomain settings. */
  readonly duplicateRule?: ConflictingRule;
  /** For a merge: the survivor's rule that claims that value. */
  readonly survivorRule?: ConflictingRule;
  /** The rule refused: its kind (`domain`, `email`, `username`, `phone`). */
  readonly kind?: string;
  /** The rule refused: its normalized value. */
  readonly value?: string;
  /** The organization the rule was for, when it already has the same rule itself. */
  readonly organizationId?: string;
  /** Server-side only: the rule that holds the value (often another organization's). */
  readonly existingRule?: ConflictingRule | null;
  /** Server-side only (the matcher): the rule refused. */
  readonly rule?: ConflictingRule;
  /** Server-side only (the matcher): every rule that claims the same value. */
  readonly conflictingRules?: readonly ConflictingRule[];
  /** Server-side only (the matcher): where in its input the refused rule is, e.g. `rules.3`. */
  readonly path?: string;
}

/** `details` of `INVALID_SNAPSHOT` (server-side: the snapshot is the service's own data). */
export interface InvalidSnapshotDetails extends ImportFailureDetails {
  /** The bad part, dotted: `memberships.3.organizationId`. */
  readonly path: string;
  /** What is wrong with that part. */
  readonly message: string;
  /** The offending value when it is a primitive (strings cut to 200 characters). */
  readonly value?: string | number | boolean | null;
}

/** `details` of `CHANGES_EXPIRED`. */
export interface ChangesExpiredDetails extends ImportFailureDetails {
  /** The revision asked for. */
  readonly revision: number;
  /** The feed keeps the entries after this revision. */
  readonly horizon: number;
}

/** `details` of `INVITATION_INVALID`: nothing (nothing about the token is echoed). */
export type InvitationInvalidDetails = ImportFailureDetails;

/** `details` of `INVITATION_EXPIRED`, `INVITATION_USED` and (with `reason`) `INVITATION_REVOKED`. */
export interface InvitationDetails extends ImportFailureDetails {
  /** Id of the invitation the token belongs to. */
  readonly invitationId: string;
  /** `INVITATION_EXPIRED`: when it expired (ISO 8601). */
  readonly expiresAt?: string;
}

/** `details` of `INVITATION_REVOKED`: revoked by hand, or replaced by a newer invitation to the same address. */
export interface InvitationRevokedDetails extends InvitationDetails {
  /** `revoked`: revoked by hand (`invitations.revoke`); `replaced`: a newer invitation to the same address and organization took its place. */
  readonly reason: "revoked" | "replaced";
}

/** `details` of `CONFIGURATION_MISMATCH`: what differs, and both fingerprints. */
export interface ConfigurationMismatchDetails extends ImportFailureDetails {
  /** Each setting that differs, with the recorded and the kit's value. */
  readonly differences: readonly ConfigurationDifference[];
  /** Fingerprint of the configuration recorded in the storage. */
  readonly storedFingerprint: string;
  /** Fingerprint of this kit's configuration. */
  readonly kitFingerprint: string;
}

/** `details` of `CONFIGURATION_INCOMPATIBLE`: each kind of stored data that does not fit, and the fingerprint refused. */
export interface ConfigurationIncompatibleDetails extends ImportFailureDetails {
  /** Each kind of stored data that does not fit, with a count and examples. */
  readonly problems: readonly ConfigurationProblem[];
  /** Fingerprint of the configuration whose adoption was refused (this kit's). */
  readonly fingerprint: string;
}

/** Members a storage fault that stopped a per-row import adds (see `kit.organizations.import`). */
export interface StoppedImportDetails {
  /** The first row of the chunk the fault stopped (0-based). */
  readonly row?: number;
  /** The external id of that row. */
  readonly externalId?: string;
  /** The rows committed before it. */
  readonly committed?: readonly ImportRowResult[];
}

/** Why a `STORAGE_FAILURE`; absent for any other driver error (a bug or a schema problem: see the `cause`). */
export type StorageFailureReason = "connection_lost" | "transaction_ended" | "listen_unsupported" | "adapter_contract" | "unsupported" | "settings_unsupported";

/** `details` of `STORAGE_FAILURE`. */
export interface StorageFailureDetails extends ImportFailureDetails, StoppedImportDetails {
  /** What kind of failure; absent for any other driver error (a bug or a schema problem: see the `cause`). */
  readonly reason?: StorageFailureReason;
  /** True when a connection was lost while `COMMIT` was in flight: the write may or may not have happened. */
  readonly commitUnknown?: boolean;
  /** Server-side only: the storage operation that failed, e.g. `organizations.search`. */
  readonly operation?: string;
  /** Server-side only: the driver error's SQLSTATE (`null` when it had none). */
  readonly sqlState?: string | null;
  /** Server-side only (`adapter_contract`): the field of the adapter's answer that was wrong. */
  readonly field?: string;
  /** `unsupported`: the repository the adapter does not have (`invitations`). */
  readonly repository?: string;
}

/** Why a `STORAGE_TIMEOUT`. */
export type StorageTimeoutReason = "statement_timeout" | "canceled" | "lock_timeout" | "idle_in_transaction_timeout" | "connect_timeout" | "query_timeout";

/** `details` of `STORAGE_TIMEOUT`. */
export interface StorageTimeoutDetails extends ImportFailureDetails, StoppedImportDetails {
  /** Which timeout, or `canceled` for a cancel request. */
  readonly reason: StorageTimeoutReason;
  /** True when the driver gave up while `COMMIT` was in flight: the write may or may not have happened. */
  readonly commitUnknown: boolean;
  /** Server-side only: the storage operation that timed out. */
  readonly operation: string;
  /** Server-side only: the driver error's SQLSTATE (`null` for a timeout the driver itself enforced, which has none). */
  readonly sqlState: string | null;
}

/**
 * The `details` of each code: `OrgKitErrorDetails["VALIDATION_FAILED"]` is
 * {@link ValidationFailedDetails}. Every code has an entry (a code without one does not
 * compile). Members marked "server-side only" are kept on the error for your logs and
 * left out of its public rendering ({@link OrgKitPublicDetails}).
 */
export interface OrgKitErrorDetails {
  /** `VALIDATION_FAILED`: every bad field, with its path. */
  VALIDATION_FAILED: ValidationFailedDetails;
  /** `NOT_FOUND`: the entity addressed, and the id that addressed it. */
  NOT_FOUND: NotFoundDetails;
  /** `CONFLICT`: which conflict (`reason`) and the record concerned. */
  CONFLICT: ConflictDetails;
  /** `FORBIDDEN`: who was refused, what it was about to do, and why. */
  FORBIDDEN: ForbiddenDetails;
  /** `ORGANIZATION_DISCONTINUED`: the discontinued organization (and, for a move, the child). */
  ORGANIZATION_DISCONTINUED: OrganizationDiscontinuedDetails;
  /** `PARENT_NOT_FOUND`: the missing parent and the organization that named it. */
  PARENT_NOT_FOUND: ParentNotFoundDetails;
  /** `HIERARCHY_CYCLE`: the move or merge that would close a loop. */
  HIERARCHY_CYCLE: HierarchyCycleDetails;
  /** `MAX_DEPTH_EXCEEDED`: the maximum depth and the depth the move or merge would reach. */
  MAX_DEPTH_EXCEEDED: MaxDepthExceededDetails;
  /** `INVALID_EMAIL`: the email address and why it could not be normalized. */
  INVALID_EMAIL: InvalidValueDetails;
  /** `INVALID_DOMAIN`: the domain and why it could not be normalized. */
  INVALID_DOMAIN: InvalidValueDetails;
  /** `INVALID_USERNAME`: the username and why it could not be normalized. */
  INVALID_USERNAME: InvalidValueDetails;
  /** `INVALID_PHONE`: the phone number and why it could not be parsed. */
  INVALID_PHONE: InvalidValueDetails;
  /** `DOMAIN_PUBLIC_SUFFIX`: the domain refused and the public suffix it is. */
  DOMAIN_PUBLIC_SUFFIX: DomainPublicSuffixDetails;
  /** `DOMAIN_FREE_MAIL`: the domain refused and its free-mail provider. */
  DOMAIN_FREE_MAIL: DomainFreeMailDetails;
  /** `RULE_CONFLICT`: the member rule refused and the rule that already claims its value. */
  RULE_CONFLICT: RuleConflictDetails;
  /** `INVALID_SNAPSHOT`: the malformed part of the snapshot. */
  INVALID_SNAPSHOT: InvalidSnapshotDetails;
  /** `CHANGES_EXPIRED`: the revision asked for and the feed's horizon. */
  CHANGES_EXPIRED: ChangesExpiredDetails;
  /** `INVITATION_INVALID`: nothing about the token. */
  INVITATION_INVALID: InvitationInvalidDetails;
  /** `INVITATION_EXPIRED`: the invitation and when it expired. */
  INVITATION_EXPIRED: InvitationDetails;
  /** `INVITATION_REVOKED`: the invitation and whether it was revoked or replaced. */
  INVITATION_REVOKED: InvitationRevokedDetails;
  /** `INVITATION_USED`: the invitation already accepted. */
  INVITATION_USED: InvitationDetails;
  /** `CONFIGURATION_MISMATCH`: each differing setting and both fingerprints. */
  CONFIGURATION_MISMATCH: ConfigurationMismatchDetails;
  /** `CONFIGURATION_INCOMPATIBLE`: each kind of stored data that does not fit. */
  CONFIGURATION_INCOMPATIBLE: ConfigurationIncompatibleDetails;
  /** `STORAGE_FAILURE`: what kind of failure and whether the write may have happened. */
  STORAGE_FAILURE: StorageFailureDetails;
  /** `STORAGE_TIMEOUT`: which timeout and whether the write may have happened. */
  STORAGE_TIMEOUT: StorageTimeoutDetails;
}

/** Public members of every code's details: an import's issues and result. */
export type PublicImportFailureDetails = Pick<ImportFailureDetails, "issues" | "result">;

/**
 * The public part of each code's `details`: what {@link OrgKitError.toJSON} and
 * `toProblemDetails` carry. Nothing the acting user may not see: no ids of records it
 * did not name (the holder of a taken value, a rule of another organization), no roles
 * of other users, no driver errors, SQL, constraint names or causes.
 */
export interface OrgKitPublicDetails {
  /** What a client sees of `VALIDATION_FAILED`: every bad field, with its path. */
  VALIDATION_FAILED: PublicImportFailureDetails & Pick<ValidationFailedDetails, "issues" | "ruleId">;
  /** What a client sees of `NOT_FOUND`: the entity addressed, and the id that addressed it. */
  NOT_FOUND: PublicImportFailureDetails & Pick<NotFoundDetails, "entity" | "id" | "userId" | "organizationId">;
  /** What a client sees of `CONFLICT`: which conflict (`reason`) and the record the caller named, never the holder of a taken value. */
  CONFLICT: PublicImportFailureDetails &
    (
      | Pick<VersionConflictDetails, "reason" | "entity" | "id" | "expectedVersion" | "actualVersion">
      | Pick<UniqueConflictDetails, "reason" | "entity" | "field" | "id" | "userId" | "organizationId" | "kind" | "value">
      | Pick<SerializationConflictDetails, "reason" | "attempts">
      | Pick<StatusConflictDetails, "reason" | "id">
      | Pick<InUseConflictDetails, "reason" | "entity" | "id">
      | Pick<DuplicateIdConflictDetails, "reason" | "id">
      | Pick<MergedConflictDetails, "reason" | "id" | "mergedInto">
      | Pick<ErasedConflictDetails, "reason" | "entity" | "id">
      | Pick<HasHistoryConflictDetails, "reason" | "entity" | "id" | "memberships">
      | Pick<ConfigurationChangedConflictDetails, "reason">
    );
  /** What a client sees of `FORBIDDEN`: what the actor was about to do, the check that denied it, and why in terms of its own rights. */
  FORBIDDEN: PublicImportFailureDetails & Pick<ForbiddenDetails, "action" | "check" | "reason">;
  /** What a client sees of `ORGANIZATION_DISCONTINUED`: the discontinued organization (and, for a move, the child). */
  ORGANIZATION_DISCONTINUED: PublicImportFailureDetails & Pick<OrganizationDiscontinuedDetails, "id" | "childId" | "parentId" | "mergedInto">;
  /** What a client sees of `PARENT_NOT_FOUND`: the missing parent and the organization that named it. */
  PARENT_NOT_FOUND: PublicImportFailureDetails & Pick<ParentNotFoundDetails, "childId" | "parentId" | "parentExternalId">;
  /** What a client sees of `HIERARCHY_CYCLE`: the move or merge that would close a loop, not the loop's path. */
  HIERARCHY_CYCLE: PublicImportFailureDetails & Pick<HierarchyCycleDetails, "childId" | "parentId" | "duplicateId" | "survivorId">;
  /** What a client sees of `MAX_DEPTH_EXCEEDED`: the maximum depth and the depth the move or merge would reach. */
  MAX_DEPTH_EXCEEDED: PublicImportFailureDetails & Pick<MaxDepthExceededDetails, "maxDepth" | "depth" | "childId" | "parentId" | "duplicateId" | "survivorId">;
  /** What a client sees of `INVALID_EMAIL`: the email address and why it could not be normalized. */
  INVALID_EMAIL: PublicImportFailureDetails & PublicInvalidValueDetails;
  /** What a client sees of `INVALID_DOMAIN`: the domain and why it could not be normalized. */
  INVALID_DOMAIN: PublicImportFailureDetails & PublicInvalidValueDetails;
  /** What a client sees of `INVALID_USERNAME`: the username and why it could not be normalized. */
  INVALID_USERNAME: PublicImportFailureDetails & PublicInvalidValueDetails;
  /** What a client sees of `INVALID_PHONE`: the phone number and why it could not be parsed. */
  INVALID_PHONE: PublicImportFailureDetails & PublicInvalidValueDetails;
  /** What a client sees of `DOMAIN_PUBLIC_SUFFIX`: the domain refused and the public suffix it is. */
  DOMAIN_PUBLIC_SUFFIX: PublicImportFailureDetails & Pick<DomainPublicSuffixDetails, "domain" | "publicSuffix" | "ruleId">;
  /** What a client sees of `DOMAIN_FREE_MAIL`: the domain refused and its free-mail provider. */
  DOMAIN_FREE_MAIL: PublicImportFailureDetails & Pick<DomainFreeMailDetails, "domain" | "provider" | "ruleId">;
  /** What a client sees of `RULE_CONFLICT`: the member rule refused, not the rule that holds its value. */
  RULE_CONFLICT: PublicImportFailureDetails & Pick<RuleConflictDetails, "kind" | "value" | "organizationId" | "reason" | "provenDomain">;
  /** What a client sees of `INVALID_SNAPSHOT`: nothing (the snapshot is the service's own data). */
  INVALID_SNAPSHOT: PublicImportFailureDetails;
  /** What a client sees of `CHANGES_EXPIRED`: the revision asked for and the feed's horizon. */
  CHANGES_EXPIRED: PublicImportFailureDetails & Pick<ChangesExpiredDetails, "revision" | "horizon">;
  /** What a client sees of `STORAGE_FAILURE`: `reason` only for a lost connection, whether the write may have happened, and where an import stopped. */
  STORAGE_FAILURE: PublicImportFailureDetails & Pick<StorageFailureDetails, "reason" | "commitUnknown" | "row" | "externalId" | "committed">;
  /** What a client sees of `STORAGE_TIMEOUT`: which timeout, whether the write may have happened, and where an import stopped. */
  STORAGE_TIMEOUT: PublicImportFailureDetails & Pick<StorageTimeoutDetails, "reason" | "commitUnknown" | "row" | "externalId" | "committed">;
  /** What a client sees of `INVITATION_INVALID`: nothing about the token. */
  INVITATION_INVALID: PublicImportFailureDetails;
  /** What a client sees of `INVITATION_EXPIRED`: the invitation and when it expired. */
  INVITATION_EXPIRED: PublicImportFailureDetails & Pick<InvitationDetails, "invitationId" | "expiresAt">;
  /** What a client sees of `INVITATION_REVOKED`: the invitation and whether it was revoked or replaced. */
  INVITATION_REVOKED: PublicImportFailureDetails & Pick<InvitationRevokedDetails, "invitationId" | "reason">;
  /** What a client sees of `INVITATION_USED`: the invitation already accepted. */
  INVITATION_USED: PublicImportFailureDetails & Pick<InvitationDetails, "invitationId">;
  // A service's own deployment problem: nothing of the configuration goes to a client.
  /** What a client sees of `CONFIGURATION_MISMATCH`: nothing (a deployment problem of the service, not the client's). */
  CONFIGURATION_MISMATCH: PublicImportFailureDetails;
  /** What a client sees of `CONFIGURATION_INCOMPATIBLE`: nothing (a deployment problem of the service, not the client's). */
  CONFIGURATION_INCOMPATIBLE: PublicImportFailureDetails;
}

/** The public details of `INVALID_EMAIL`, `INVALID_DOMAIN`, `INVALID_USERNAME` and `INVALID_PHONE` (the value is the actor's own input). */
export type PublicInvalidValueDetails = Pick<InvalidValueDetails, "value" | "reason" | "path" | "kind" | "ruleId">;

/** What {@link OrgKitError.toJSON} returns: the public rendering of an error. */
export interface OrgKitErrorJSON<C extends OrgKitErrorCode = OrgKitErrorCode> {
  /** Always `OrgKitError`. */
  readonly name: "OrgKitError";
  /** The error's code. */
  readonly code: C;
  /** A sentence for people that names nothing the actor may not see (for most codes the error's own `message`). */
  readonly message: string;
  /** The public part of the error's `details` ({@link OrgKitPublicDetails}). */
  readonly details: OrgKitPublicDetails[C];
}

/** `options` of the {@link OrgKitError} constructor for code `C`: `details` is required when the code's details have required members. */
export type OrgKitErrorOptions<C extends OrgKitErrorCode = OrgKitErrorCode> = {
  /** Structured data describing the failure (validation issues, the entity, the loop…). */
  readonly details?: OrgKitErrorDetails[C];
  /** The underlying error, if any (a driver error, a zod error). */
  readonly cause?: unknown;
} & ({} extends OrgKitErrorDetails[C]
  ? unknown
  : {
      /** Required when the code's details have required members. */
      readonly details: OrgKitErrorDetails[C];
    });

/**
 * The constructor's `options` argument: optional when every member of the code's details
 * is. A `code` whose type is several codes with different details (`OrgKitErrorCode`
 * itself) takes no options (`never`): the details could not be checked against the code.
 * (`Each` has one member per distinct details type among the codes of `C`; `All` is
 * `Each` again, to tell one member from several.)
 *
 * @typeParam C - The error code (or union of codes) being constructed.
 * @typeParam Each - Internal: leave at its default.
 * @typeParam All - Internal: leave at its default.
 */
export type OrgKitErrorOptionsArgument<
  C extends OrgKitErrorCode,
  Each = C extends OrgKitErrorCode ? (details: OrgKitErrorDetails[C]) => void : never,
  All = Each,
> = (Each extends unknown ? ([All] extends [Each] ? false : true) : never) extends false
  ? {} extends OrgKitErrorDetails[C]
    ? [options?: OrgKitErrorOptions<C>]
    : [options: OrgKitErrorOptions<C>]
  : [options: never];

const BRAND = Symbol.for("orgkit.error");

/**
 * The error orgkit throws. Catch it and switch on `code`; `details` is typed by the code:
 *
 * @example
 * ```ts
 * try {
 *   await kit.organizations.create(actor, { name: "" });
 * } catch (error) {
 *   if (isOrgKitError(error) && error.code === "VALIDATION_FAILED") {
 *     console.log(error.details.issues); // [{ path: "name", message: "...", code: "too_small" }]
 *   }
 * }
 * ```
 *
 * The error holds everything for your logs (`message`, `details` with server-side
 * members, `cause`); send a client its public rendering, {@link OrgKitError.toJSON} or
 * `toProblemDetails(error)`.
 */
export class OrgKitError<C extends OrgKitErrorCode = OrgKitErrorCode> extends Error {
  /** Stable code; safe to switch on and to show in API responses. */
  readonly code: C;
  /** Structured data about the failure, typed by {@link OrgKitError.code | code}; always an object. Includes server-side members: log it, do not send it (see {@link OrgKitError.toJSON}). */
  readonly details: OrgKitErrorDetails[C];

  constructor(code: C, message: string, ...[options]: OrgKitErrorOptionsArgument<C>) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "OrgKitError";
    this.code = code;
    this.details = options?.details ?? ({} as OrgKitErrorDetails[C]);
    Object.defineProperty(this, BRAND, { value: true });
  }

  /**
   * The public rendering (what `JSON.stringify(error)` gives): `{ name, code, message,
   * details }` with only what the acting user may see ({@link OrgKitPublicDetails}); no
   * stack, no cause. Safe to send to the client; log the error itself for the rest.
   */
  toJSON(): OrgKitErrorJSON<C> {
    const { message, details } = publicRenderingOf(this);
    return { name: "OrgKitError", code: this.code, message, details };
  }
}

/**
 * An {@link OrgKitError} of any code, as a union over the codes (`OrgKitError<"NOT_FOUND"> | …`):
 * testing `error.code` narrows `error.details`.
 */
export type AnyOrgKitError = OrgKitErrorOf<OrgKitErrorCode>;

/** `OrgKitError<C>` for each code of `C` (a union of codes gives a union of errors, which narrows on `code`). */
export type OrgKitErrorOf<C extends OrgKitErrorCode> = C extends OrgKitErrorCode ? OrgKitError<C> : never;

/**
 * True when `value` is an {@link OrgKitError}, optionally with the given code; narrows
 * `details` to that code's ({@link OrgKitErrorDetails}). Works across duplicated copies
 * of the package (it checks a global brand, not `instanceof`). Never throws, whatever
 * `value` is.
 *
 * @example
 * ```ts
 * if (isOrgKitError(error, "VALIDATION_FAILED")) error.details.issues; // ValidationIssue[]
 * if (isOrgKitError(error) && error.code === "CONFLICT" && error.details.reason === "version") error.details.actualVersion;
 * ```
 */
export function isOrgKitError<C extends OrgKitErrorCode>(value: unknown, code: C): value is OrgKitErrorOf<C>;
export function isOrgKitError(value: unknown, code?: OrgKitErrorCode): value is AnyOrgKitError;
export function isOrgKitError(value: unknown, code?: OrgKitErrorCode): boolean {
  if (typeof value !== "object" || value === null) return false;
  try {
    if ((value as Record<symbol, unknown>)[BRAND] !== true) return false;
    return code === undefined || (value as OrgKitError).code === code;
  } catch {
    // A revoked proxy, or one whose traps throw: not an orgkit error, and never a throw.
    return false;
  }
}

/** Builds a `VALIDATION_FAILED` error from a list of issues. Never throws: a `message` that is not a string is replaced. */
export function validationError(message: string, issues: readonly ValidationIssue[], cause?: unknown): OrgKitError<"VALIDATION_FAILED"> {
  // `Error` converts its message with ToString, which throws for a null-prototype object or a symbol.
  return new OrgKitError("VALIDATION_FAILED", typeof message === "string" ? message : "Validation failed", { details: { issues }, cause });
}

/**
 * `CONFLICT` with `details.reason: "version"`: the stored `entity` is at `actualVersion`
 * (`null` when it does not exist yet), not the `expectedVersion` the caller read.
 */
export function versionConflict(entity: string, id: string, expectedVersion: number, actualVersion: number | null): OrgKitError<"CONFLICT"> {
  const text = `The ${printable(entity)} ${printable(id)} is at version ${printable(actualVersion ?? "none")}, not the expected ${printable(expectedVersion)}`;
  return new OrgKitError("CONFLICT", text, { details: { reason: "version", entity, id, expectedVersion, actualVersion } });
}

/**
 * `CONFLICT` with `details.reason: "merged"`: organization `id` was merged into
 * `mergedInto` (`kit.organizations.merge`) and takes no more changes; `details.mergedInto`
 * names the survivor (the next link of the chain, when it was merged on in turn).
 */
export function organizationMerged(id: string, mergedInto: string): OrgKitError<"CONFLICT"> {
  return new OrgKitError("CONFLICT", `Organization ${printable(id)} was merged into ${printable(mergedInto)} and takes no more changes`, {
    details: { reason: "merged", id, mergedInto },
  });
}

/**
 * `CONFLICT` with `details.reason: "unique"`: a unique value is already taken. The
 * message names the field, never the record that holds the value (`details.existingId`,
 * kept for your logs).
 */
export function uniqueConflict(message: string, details: Omit<UniqueConflictDetails, "reason">, cause?: unknown): OrgKitError<"CONFLICT"> {
  const all = readArguments("uniqueConflict", (): UniqueConflictDetails => ({ ...details, reason: "unique" }));
  return new OrgKitError("CONFLICT", typeof message === "string" ? message : "A unique value is already taken", { details: all, cause });
}

/** `NOT_FOUND` for a missing `entity` (`details.entity`, `details.id`). */
export function notFound(entity: string, id: string): OrgKitError<"NOT_FOUND"> {
  return new OrgKitError("NOT_FOUND", `No ${printable(entity)} with id '${printable(id)}'`, { details: { entity, id } });
}

/**
 * `CONFLICT` with `details.reason: "erased"`: the user `id` was erased (`users.erase`), and
 * its id stays taken by the tombstone, so it cannot come back with its old links. Give the
 * person who returns a new id.
 */
export function userErased(id: string): OrgKitError<"CONFLICT"> {
  return new OrgKitError("CONFLICT", `The user ${printable(id)} was erased; its id cannot be used again (give a returning person a new id)`, {
    details: { reason: "erased", entity: "user", id },
  });
}

/**
 * `FORBIDDEN`: `actor` may not do `action`, because `reason` (in terms of the actor's own
 * rights: see {@link ForbiddenDetails.reason}). The message is
 * `"<type> <id> may not <action>: <reason>"`, the same as the public one.
 */
export function forbidden(actor: ErrorActor, action: string, reason: string, more: Omit<ForbiddenDetails, "actor" | "action" | "reason"> = {}): OrgKitError<"FORBIDDEN"> {
  const details = readArguments("forbidden", (): ForbiddenDetails => ({ ...more, actor: { type: actor.type, id: actor.id }, action, reason }));
  return new OrgKitError("FORBIDDEN", forbiddenMessage(details), { details });
}

/**
 * The failure of an all-or-nothing import: the first failing row's error (its code and
 * details), with every failing row's `issues` (paths `rows.<index>.…`) and the `result`
 * of every row. The row's error is the `cause`.
 */
export function importFailure<C extends OrgKitErrorCode>(first: OrgKitError<C>, message: string, issues: readonly ValidationIssue[], result: ImportResult): OrgKitError<C> {
  const { code, details } = readArguments("importFailure", () => ({ code: first.code, details: { ...(first.details as object), issues, result } as OrgKitErrorDetails[C] }));
  const text = typeof message === "string" ? message : "Import failed; nothing was written";
  return new (OrgKitError as new (code: C, message: string, options: OrgKitErrorOptions<C>) => OrgKitError<C>)(code, text, { details, cause: first } as OrgKitErrorOptions<C>);
}

/**
 * The error again, with the place in the caller's input it came from: `VALIDATION_FAILED`
 * issues get `path` in front of theirs; `INVALID_EMAIL` / `_DOMAIN` / `_USERNAME` /
 * `_PHONE` get `details.path`. Other errors are returned as they are. The original is the `cause`.
 */
export function atInputPath<C extends OrgKitErrorCode>(error: OrgKitError<C>, path: string): OrgKitError<C> {
  const known: unknown = error;
  if (!isOrgKitError(known)) return error;
  return readArguments("atInputPath", () => {
    const at = `${printable(known.message)} (at ${printable(path)})`;
    switch (known.code) {
      case "VALIDATION_FAILED": {
        const issues = known.details.issues.map((issue) => ({ ...issue, path: issue.path === "" ? path : `${path}.${issue.path}` }));
        return new OrgKitError(known.code, at, { details: { ...known.details, issues }, cause: known }) as OrgKitError as OrgKitError<C>;
      }
      case "INVALID_EMAIL":
      case "INVALID_DOMAIN":
      case "INVALID_USERNAME":
      case "INVALID_PHONE":
        return new OrgKitError(known.code, at, { details: { ...known.details, path }, cause: known }) as OrgKitError as OrgKitError<C>;
      default:
        return error as OrgKitError as OrgKitError<C>;
    }
  });
}

/**
 * Reads a constructor's arguments (these constructors are public, so they may be given
 * anything): one that cannot be read (a getter that throws, a revoked proxy, a missing
 * object) is `VALIDATION_FAILED`, never a `TypeError`.
 */
function readArguments<T>(what: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (isOrgKitError(error)) throw error;
    throw validationError(`Invalid arguments of ${what}(): they could not be read`, [{ path: "", message: "could not be read", code: "unreadable" }], error);
  }
}

/** A value for a message: strings and numbers as they are, anything else (which could throw when converted) named by its type. */
function printable(value: unknown): string {
  return typeof value === "string" || typeof value === "number" ? String(value) : `(${value === null ? "null" : typeof value})`;
}

/** `INVITATION_INVALID`: the token is malformed, unknown, or another tenant's. Says nothing about the token. */
export function invitationInvalid(): OrgKitError<"INVITATION_INVALID"> {
  return new OrgKitError("INVITATION_INVALID", "The invitation token is not valid", { details: {} });
}

/** `INVITATION_EXPIRED` for the invitation `invitationId`, which expired at `expiresAt`. */
export function invitationExpired(invitationId: string, expiresAt: string): OrgKitError<"INVITATION_EXPIRED"> {
  return new OrgKitError("INVITATION_EXPIRED", `The invitation ${printable(invitationId)} expired at ${printable(expiresAt)}`, { details: { invitationId, expiresAt } });
}

/** `INVITATION_REVOKED` for the invitation `invitationId`: revoked by hand, or replaced by a newer one (`details.reason`). */
export function invitationRevoked(invitationId: string, reason: "revoked" | "replaced"): OrgKitError<"INVITATION_REVOKED"> {
  const how = reason === "replaced" ? "was replaced by a newer invitation" : "was revoked";
  return new OrgKitError("INVITATION_REVOKED", `The invitation ${printable(invitationId)} ${how}`, { details: { invitationId, reason } });
}

/** `INVITATION_USED`: the invitation `invitationId` was already accepted. */
export function invitationUsed(invitationId: string): OrgKitError<"INVITATION_USED"> {
  return new OrgKitError("INVITATION_USED", `The invitation ${printable(invitationId)} was already accepted`, { details: { invitationId } });
}

// ---------------------------------------------------------------------------------------
// The public rendering

/** The public rendering of an error: the message and details a client may see (see {@link publicRenderingOf}). */
export interface OrgKitPublicRendering<C extends OrgKitErrorCode> {
  /** A sentence for people that names nothing the actor may not see. */
  readonly message: string;
  /** The public part of the error's `details` ({@link OrgKitPublicDetails}). */
  readonly details: OrgKitPublicDetails[C];
}

/** One code's public rendering, from the error's message and details. */
type RenderPublic<C extends OrgKitErrorCode> = (details: OrgKitErrorDetails[C], message: string) => OrgKitPublicRendering<C>;

/** Text for the public message of `membership_outside_rights`. */
const OUTSIDE_RIGHTS = "this would change a membership in an organization it does not administer";

function forbiddenMessage(details: Pick<ForbiddenDetails, "actor" | "action" | "reason">): string {
  const reason = details.reason === "membership_outside_rights" ? OUTSIDE_RIGHTS : details.reason;
  return `${printable(details.actor.type)} ${printable(details.actor.id)} may not ${printable(details.action)}${reason === undefined ? "" : `: ${printable(reason)}`}`;
}

/**
 * Every code's public rendering. The annotation makes a new code a compile error until
 * it has one: decide there what of its details and message a client may see.
 */
const PUBLIC_RENDERINGS: { readonly [C in OrgKitErrorCode]: RenderPublic<C> } = {
  VALIDATION_FAILED: (d, message) => ({ message, details: { ...imported(d), issues: issuesOf(d.issues) ?? [], ...pick(d, ["ruleId"]) } }),
  NOT_FOUND: (d, message) => ({ message, details: { ...imported(d), entity: String(d.entity), ...pick(d, ["id", "userId", "organizationId"]) } }),
  CONFLICT: (d, message) => renderConflict(d, message),
  FORBIDDEN: (d) => ({ message: forbiddenMessage(d), details: { ...imported(d), ...pick(d, ["action", "check", "reason"]) } }),
  ORGANIZATION_DISCONTINUED: (d) => ({
    message: `Organization ${printable(d.id)} is discontinued and accepts no new assignments`,
    details: { ...imported(d), id: d.id, ...pick(d, ["childId", "parentId", "mergedInto"]) },
  }),
  PARENT_NOT_FOUND: (d, message) => ({ message, details: { ...imported(d), ...pick(d, ["childId", "parentId", "parentExternalId"]) } }),
  HIERARCHY_CYCLE: (d) => ({
    message:
      d.duplicateId !== undefined && d.survivorId !== undefined
        ? `Cannot merge ${printable(d.duplicateId)} into ${printable(d.survivorId)}: ${printable(d.survivorId)} is one of its descendants`
        : d.childId === undefined || d.parentId === undefined
        ? "The hierarchy would contain a loop"
        : d.childId === d.parentId
          ? `Cannot move ${printable(d.childId)} under itself`
          : `Cannot move ${printable(d.childId)} under ${printable(d.parentId)}: ${printable(d.parentId)} is one of its descendants`,
    details: { ...imported(d), ...pick(d, ["childId", "parentId", "duplicateId", "survivorId"]) },
  }),
  MAX_DEPTH_EXCEEDED: (d) => ({
    message: `The hierarchy would reach depth ${printable(d.depth)}, beyond the maximum ${printable(d.maxDepth)}`,
    details: { ...imported(d), maxDepth: d.maxDepth, depth: d.depth, ...pick(d, ["childId", "parentId", "duplicateId", "survivorId"]) },
  }),
  INVALID_EMAIL: (d, message) => ({ message, details: { ...imported(d), ...invalidValue(d) } }),
  INVALID_DOMAIN: (d, message) => ({ message, details: { ...imported(d), ...invalidValue(d) } }),
  INVALID_USERNAME: (d, message) => ({ message, details: { ...imported(d), ...invalidValue(d) } }),
  INVALID_PHONE: (d, message) => ({ message, details: { ...imported(d), ...invalidValue(d) } }),
  DOMAIN_PUBLIC_SUFFIX: (d, message) => ({ message, details: { ...imported(d), domain: d.domain, publicSuffix: d.publicSuffix ?? null, ...pick(d, ["ruleId"]) } }),
  DOMAIN_FREE_MAIL: (d, message) => ({ message, details: { ...imported(d), domain: d.domain, provider: d.provider, ...pick(d, ["ruleId"]) } }),
  RULE_CONFLICT: (d) => ({
    message:
      d.reason === "domain_proven"
        ? `The domain '${printable(d.provenDomain ?? d.value ?? "")}' is proven by ${d.organizationId !== undefined ? `organization ${printable(d.organizationId)}` : "another organization"}: no other organization may claim '${printable(d.value ?? "")}'`
        : d.kind === undefined || d.value === undefined
        ? "A member rule already claims this value"
        : d.organizationId !== undefined
          ? `Organization ${printable(d.organizationId)} already has a ${printable(d.kind)} rule '${printable(d.value)}'`
          : `The ${printable(d.kind)} '${printable(d.value)}' is already claimed by another member rule`,
    details: { ...imported(d), ...pick(d, ["kind", "value", "organizationId", "reason", "provenDomain"]) },
  }),
  INVALID_SNAPSHOT: (d) => ({ message: "The policy snapshot is malformed", details: imported(d) }),
  CHANGES_EXPIRED: (d, message) => ({ message, details: { ...imported(d), revision: d.revision, horizon: d.horizon } }),
  STORAGE_FAILURE: (d) => ({
    message:
      d.reason === "connection_lost"
        ? `The storage connection was lost${d.commitUnknown === true ? "; the change may or may not have been saved" : "; nothing was saved"}`
        : "The storage backend failed",
    details: { ...imported(d), ...pick(d, d.reason === "connection_lost" ? ["reason", "commitUnknown", "row", "externalId", "committed"] : ["commitUnknown", "row", "externalId", "committed"]) },
  }),
  // The token's holder named the invitation (its token): its id and state are theirs to know.
  INVITATION_INVALID: (d) => ({ message: "The invitation token is not valid", details: imported(d) }),
  INVITATION_EXPIRED: (d, message) => ({ message, details: { ...imported(d), invitationId: d.invitationId, ...pick(d, ["expiresAt"]) } }),
  INVITATION_REVOKED: (d, message) => ({ message, details: { ...imported(d), invitationId: d.invitationId, reason: d.reason } }),
  INVITATION_USED: (d, message) => ({ message, details: { ...imported(d), invitationId: d.invitationId } }),
  CONFIGURATION_MISMATCH: (d) => ({ message: "The service is misconfigured", details: imported(d) }),
  CONFIGURATION_INCOMPATIBLE: (d) => ({ message: "The stored data does not fit the requested configuration; nothing was changed", details: imported(d) }),
  STORAGE_TIMEOUT: (d) => ({
    message: `The storage backend timed out (${printable(d.reason)})${d.commitUnknown === true ? "; the change may or may not have been saved" : "; nothing was saved"}`,
    details: { ...imported(d), ...pick(d, ["reason", "commitUnknown", "row", "externalId", "committed"]) },
  }),
};

function renderConflict(d: ConflictDetails, message: string): OrgKitPublicRendering<"CONFLICT"> {
  const base = imported(d);
  switch (d.reason) {
    case "version":
      return { message, details: { ...base, reason: d.reason, entity: d.entity, id: d.id, expectedVersion: d.expectedVersion, actualVersion: d.actualVersion } };
    case "unique": {
      const text =
        d.entity === "membership" && d.userId !== undefined && d.organizationId !== undefined
          ? `User ${printable(d.userId)} is already a member of organization ${printable(d.organizationId)}`
          : d.field !== undefined
            ? `Another ${d.entity === undefined ? "record" : printable(d.entity)} already has this ${printable(d.field)}`
            : "A unique value is already taken";
      return { message: text, details: { ...base, reason: d.reason, ...pick(d, ["entity", "field", "id", "userId", "organizationId", "kind", "value"]) } };
    }
    case "serialization":
      return { message: "Concurrent changes conflicted and nothing was saved; the request can be retried", details: { ...base, reason: d.reason, attempts: d.attempts } };
    case "status":
      return { message, details: { ...base, reason: d.reason, id: d.id } };
    case "in_use":
      return { message: `The ${printable(d.entity)} ${printable(d.id)} is still in use`, details: { ...base, reason: d.reason, entity: d.entity, id: d.id } };
    case "duplicate_id":
      return { message, details: { ...base, reason: d.reason, id: d.id } };
    // The actor named the organization; its survivor is where the change belongs (a redirect).
    case "merged":
      return { message, details: { ...base, reason: d.reason, id: d.id, mergedInto: d.mergedInto } };
    case "erased":
      return { message, details: { ...base, reason: d.reason, entity: d.entity, id: d.id } };
    case "configuration_changed":
      return { message: "The recorded configuration changed since it was read", details: { ...base, reason: d.reason } };
    case "has_history":
      return { message: `The ${printable(d.entity)} ${printable(d.id)} has history: erase it instead of removing it`, details: { ...base, reason: d.reason, entity: d.entity, id: d.id, memberships: d.memberships } };
  }
  // Every reason is rendered above (a new one does not compile until it is); a reason from
  // elsewhere (a foreign adapter, a newer copy of orgkit) is rendered as a bare conflict.
  const unrendered: never = d;
  void unrendered;
  return { message: "The request conflicts with the current state of the data", details: base as OrgKitPublicDetails["CONFLICT"] };
}

/** The message of an all-or-nothing import's failure, from its result (`null` without one). */
function importFailureMessage(result: ImportResult | undefined): string | null {
  if (result === undefined || !Array.isArray(result.rows)) return null;
  const first = result.rows.find((row) => row.error !== null);
  if (first === undefined) return null;
  return `Import failed: ${printable(result.failed)} of ${result.rows.length} rows failed (first: row ${printable(first.row)}, ${printable(first.error!.message)}); nothing was written`;
}

/** The members an import adds (public: the actor's own rows). */
function imported(d: ImportFailureDetails): PublicImportFailureDetails {
  const issues = issuesOf(d.issues);
  return { ...(issues === undefined ? {} : { issues }), ...(d.result === undefined ? {} : { result: d.result }) };
}

function invalidValue(d: InvalidValueDetails): PublicInvalidValueDetails {
  return { value: d.value, reason: d.reason, ...pick(d, ["path", "kind", "ruleId"]) };
}

/** Issues as plain `{ path, message, code }` (nothing else an issue object may carry). */
function issuesOf(issues: readonly ValidationIssue[] | undefined): ValidationIssue[] | undefined {
  if (!Array.isArray(issues)) return undefined;
  return issues.map((issue: ValidationIssue) => ({ path: String(issue.path), message: String(issue.message), code: String(issue.code) }));
}

/** The listed members of `value` that are present. */
function pick<T extends object, K extends keyof T>(value: T, keys: readonly K[]): Pick<T, K> {
  const out: Partial<Pick<T, K>> = {};
  for (const key of keys) if (value[key] !== undefined) out[key] = value[key];
  return out as Pick<T, K>;
}

/**
 * The public rendering of an error: its message and details cut to what the acting
 * user may see (see {@link OrgKitPublicDetails}). Never throws: details that do not have
 * their code's shape (from a foreign adapter, or an older copy of orgkit) are left out
 * and the message replaced.
 */
export function publicRenderingOf<C extends OrgKitErrorCode>(error: OrgKitError<C>): OrgKitPublicRendering<C> {
  try {
    const render = PUBLIC_RENDERINGS[error.code] as RenderPublic<C> | undefined;
    if (render !== undefined && typeof error.details === "object" && error.details !== null) {
      const rendered = render(error.details, typeof error.message === "string" ? error.message : String(error.code));
      if (typeof rendered?.message !== "string") throw new TypeError("not rendered");
      // An all-or-nothing import says so, from its rows' own public messages.
      const batch = importFailureMessage((error.details as ImportFailureDetails).result);
      return batch === null ? rendered : { message: batch, details: rendered.details };
    }
  } catch {
    // Fall through: a malformed error still renders, with nothing from its details.
  }
  let code: unknown;
  try {
    code = error.code;
  } catch {
    code = undefined;
  }
  return { message: `orgkit error ${printable(code)}`, details: {} as OrgKitPublicDetails[C] };
}

/** One setting on which a kit's configuration and the recorded one differ (`details.differences` of `CONFIGURATION_MISMATCH`). */
export interface ConfigurationDifference {
  /** The setting's dotted path in the configuration record, e.g. `membershipPolicy`, `customFields.tier.options`. */
  readonly key: string;
  /** The recorded value; absent when the recorded configuration has no such setting. */
  readonly stored?: unknown;
  /** This kit's value; absent when this kit's configuration has no such setting. */
  readonly kit?: unknown;
}

/**
 * `CONFIGURATION_MISMATCH`: the kit's configuration (fingerprint `kitFingerprint`)
 * differs from the one recorded in the storage (`storedFingerprint`) on `differences`.
 * Never throws, whatever it is given.
 */
export function configurationMismatch(differences: readonly ConfigurationDifference[], storedFingerprint: string, kitFingerprint: string): OrgKitError<"CONFIGURATION_MISMATCH"> {
  let summary: string;
  try {
    const listed = differences.slice(0, 5).map((d) => `${printable(d.key)}: stored ${shortJson(d.stored)}, this kit ${shortJson(d.kit)}`);
    summary = `${listed.join("; ")}${differences.length > 5 ? `; and ${differences.length - 5} more` : ""}`;
  } catch {
    summary = "see details.differences";
  }
  return new OrgKitError(
    "CONFIGURATION_MISMATCH",
    `This kit's configuration differs from the one recorded in the storage (${summary}). Configure the kit as recorded, or adopt its configuration on purpose with kit.configuration.adopt(actor).`,
    { details: { differences, storedFingerprint, kitFingerprint } },
  );
}

/** One kind of stored data that does not fit a configuration (`details.problems` of `CONFIGURATION_INCOMPATIBLE`). */
export interface ConfigurationProblem {
  /** The setting the data does not fit, e.g. `membershipPolicy`. */
  readonly key: string;
  /** What does not fit, e.g. `users_in_several_organizations`, `state_in_use`. */
  readonly code: string;
  /** A sentence for people saying what does not fit. */
  readonly message: string;
  /** How many records do not fit. */
  readonly count: number;
  /** Up to 20 of them (ids and what is wrong with each). */
  readonly examples: readonly unknown[];
}

/** `CONFIGURATION_INCOMPATIBLE`: adopting `fingerprint` was refused because of `problems`. Never throws, whatever it is given. */
export function configurationIncompatible(problems: readonly ConfigurationProblem[], fingerprint: string): OrgKitError<"CONFIGURATION_INCOMPATIBLE"> {
  let summary: string;
  try {
    summary = problems.map((p) => `${printable(p.message)} (${printable(p.count)})`).join("; ");
  } catch {
    summary = "see details.problems";
  }
  return new OrgKitError("CONFIGURATION_INCOMPATIBLE", `The stored data does not fit this configuration: ${summary}. Nothing was changed.`, {
    details: { problems, fingerprint },
  });
}

/** A value for a message: JSON cut to 120 characters; `(absent)` for `undefined`. */
function shortJson(value: unknown): string {
  if (value === undefined) return "(absent)";
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = `(${typeof value})`;
  }
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
