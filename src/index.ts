/**
 * orgkit: the organization layer for helpdesk, CRM and asset platforms.
 *
 * The root entry holds what an application uses: {@link createOrgKit} and the use cases
 * of the kit it returns, the model types those use cases take and return, and
 * {@link OrgKitError} with its helpers for services ({@link httpStatusOf},
 * {@link toProblemDetails}). Everything else has its own entry, and each name is
 * exported from exactly one:
 *
 * | entry | for |
 * |---|---|
 * | `orgkit` | applications: the kit, the model, errors |
 * | `orgkit/memory`, `orgkit/postgres` | choosing a storage |
 * | `orgkit/permissions` | services that embed only the evaluators (no runtime dependencies) |
 * | `orgkit/matching` | normalizers and the compiled matcher |
 * | `orgkit/schemas` | zod schemas of every input, and the JSON Schemas of the model |
 * | `orgkit/domain` | the pure organization commands and the hierarchy index |
 * | `orgkit/storage` | adapter authors: the storage ports and the conformance suite |
 * | `orgkit/testing` | host test suites: builders, a test clock and ids |
 *
 * @example
 * ```ts
 * import { createOrgKit, SYSTEM_ACTOR } from "orgkit";
 * import { memoryStorage } from "orgkit/memory";
 *
 * const kit = createOrgKit({ storage: memoryStorage() });
 * const acme = await kit.organizations.create(SYSTEM_ACTOR, { name: "Acme" });
 * await kit.rules.add(SYSTEM_ACTOR, acme.id, { kind: "domain", value: "acme.example" });
 * ```
 *
 * @module orgkit
 */

// ── The kit: createOrgKit, its configuration, its use cases and their inputs and results.
export * from "./service/index.js";

// ── Errors: one class, typed details per code, and their HTTP rendering.
export {
  ORGKIT_ERROR_CODES,
  OrgKitError,
  isOrgKitError,
  publicRenderingOf,
  type AnyOrgKitError,
  type ChangesExpiredDetails,
  type ConfigurationChangedConflictDetails,
  type ConfigurationDifference,
  type ConfigurationIncompatibleDetails,
  type ConfigurationMismatchDetails,
  type ConfigurationProblem,
  type ConflictDetails,
  type ConflictingRule,
  type ConflictReason,
  type DomainFreeMailDetails,
  type DomainPublicSuffixDetails,
  type DuplicateIdConflictDetails,
  type ErasedConflictDetails,
  type ErrorActor,
  type ForbiddenDetails,
  type HasHistoryConflictDetails,
  type HierarchyCycleDetails,
  type ImportFailureDetails,
  type InUseConflictDetails,
  type InvalidSnapshotDetails,
  type InvalidValueDetails,
  type InvitationDetails,
  type InvitationInvalidDetails,
  type InvitationRevokedDetails,
  type MaxDepthExceededDetails,
  type MergedConflictDetails,
  type NotFoundDetails,
  type OrganizationDiscontinuedDetails,
  type OrgKitErrorCode,
  type OrgKitErrorDetails,
  type OrgKitErrorJSON,
  type OrgKitErrorOf,
  type OrgKitErrorOptions,
  type OrgKitErrorOptionsArgument,
  type OrgKitPublicDetails,
  type OrgKitPublicRendering,
  type ParentNotFoundDetails,
  type PublicImportFailureDetails,
  type PublicInvalidValueDetails,
  type RuleConflictDetails,
  type SerializationConflictDetails,
  type StatusConflictDetails,
  type StoppedImportDetails,
  type StorageFailureDetails,
  type StorageFailureReason,
  type StorageTimeoutDetails,
  type StorageTimeoutReason,
  type UniqueConflictDetails,
  type ValidationFailedDetails,
  type ValidationIssue,
  type VersionConflictDetails,
} from "./errors.js";
export * from "./problem-details.js";

// ── The model: organizations, users, memberships, invitations, audit events.
export {
  DEFAULT_ORGANIZATION_STATES,
  DEFAULT_ORGANIZATION_TYPES,
  type OrganizationConfig,
  type OrganizationConfigInput,
} from "./domain/organization/config.js";
export {
  MEMBER_RULE_KINDS,
  type Address,
  type Contact,
  type CreateOrganizationInput,
  type MemberRuleKind,
  type Organization,
  type OrganizationMemberRule,
  type UpdateOrganizationInput,
} from "./domain/organization/schema.js";
export {
  CUSTOM_FIELD_TYPES,
  type CustomFieldDefinition,
  type CustomFieldDefinitionInput,
  type CustomFieldType,
  type CustomFieldValue,
} from "./domain/organization/custom-fields.js";
export { ORGANIZATION_EVENT_TYPES, type OrganizationEventType } from "./domain/organization/events.js";
export { ORGANIZATION_STATUSES, PLATFORM_ROLES, USER_KINDS, type OrganizationStatus, type PlatformRole, type UserKind } from "./permissions/snapshot.js";
export * from "./domain/membership/model.js";
export {
  DEFAULT_INVITATION_EXPIRY_MS,
  INVITATION_KINDS,
  INVITATION_STATUSES,
  MAX_INVITATION_EXPIRY_MS,
  MIN_INVITATION_EXPIRY_MS,
  type Invitation,
  type InvitationKind,
  type InvitationRecord,
  type InvitationStatus,
} from "./domain/invitation/model.js";
export type { ActorRef } from "./domain/actor-ref.js";
export type {
  AuditEvent,
  ChangeEntry,
  KeysetOptions,
  OrganizationSearchQuery,
  OrganizationSortField,
  Page,
  SearchPage,
  StaffProfileRecord,
  UsergroupRecord,
} from "./storage/ports.js";
export { ERASED_MARKER } from "./storage/scrub.js";
