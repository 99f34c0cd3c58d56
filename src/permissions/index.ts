/**
 * Permission evaluators: pure, synchronous, zero runtime dependencies.
 *
 * Feed a serializable {@link PolicySnapshot} to {@link compilePolicy}; the resulting
 * {@link Policy} answers usergroup permissions (`can`), staff-profile state permissions
 * (`canOnOrganization`, notes), organization scopes (org admins, resources, tickets,
 * roll-up) and explains every answer. Checks never throw: anything unknown or
 * malformed is denied; {@link parsePermissionRequest} validates a request from outside.
 * A subject's read scopes ({@link OrganizationReadScope}, {@link TicketReadFilter}) give
 * the same answers as data a host turns into a database query filter.
 *
 * @example
 * ```ts
 * import { compilePolicy } from "orgkit/permissions";
 *
 * const policy = compilePolicy({
 *   schemaVersion: 1,
 *   version: 1,
 *   usergroups: [
 *     { id: "everyone", name: "Everyone", permissions: ["kb.read"], builtIn: "everyone" },
 *     { id: "power", name: "Power Users", permissions: ["kb.advanced", "comments.unmoderated"] },
 *     { id: "vip", name: "VIPs", permissions: ["chat.support"] },
 *   ],
 *   users: [{ id: "a", registered: true, usergroupIds: ["power", "vip"] }],
 * });
 * policy.canAll("a", ["kb.advanced", "chat.support"]); // true: a union of both groups
 * policy.can(policy.guest(), "chat.support");           // false
 * ```
 *
 * @module orgkit/permissions
 */
export {
  BUILT_IN_USERGROUPS,
  CASCADE_MODES,
  DEFAULT_MEMBER_ROLE,
  DEFAULT_STATE_FLAGS,
  MANAGER_ROLE,
  MAX_ID_LENGTH,
  MAX_STATE_FLAGS,
  NO_STATE_KEY,
  NOTE_RULES,
  ORGANIZATION_ACTIONS,
  POLICY_SNAPSHOT_SCHEMA_VERSION,
  STATE_KEY_SEPARATOR,
} from "./snapshot.js";
export type {
  BuiltInUsergroup,
  CascadeMode,
  NoteRule,
  OrganizationAction,
  PolicyAdminRule,
  PolicyMembership,
  PolicyNoteRules,
  PolicyOrganization,
  PolicyResource,
  PolicyRoleRule,
  PolicySnapshot,
  PolicyStaffProfile,
  PolicyUser,
  PolicyUsergroup,
} from "./snapshot.js";
export { allStateCombinations, stateCombinationKey } from "./state-combinations.js";
export { compilePolicy, Policy } from "./policy.js";
export type { CompilePolicyOptions, PolicyStats, WithChangesOptions } from "./policy.js";
export type { Subject } from "./subject.js";
export type { OrganizationReadScope, TicketReadFilter } from "./read-scope.js";
export { CHECK_NAMES } from "./requests.js";
export type {
  CheckName,
  NoteRef,
  OrganizationHandle,
  OrganizationRef,
  PermissionRequest,
  ResourceRef,
  SubjectData,
  SubjectKind,
  SubjectRef,
  TicketRef,
} from "./requests.js";
export { parsePermissionRequest } from "./parse-request.js";
export type { PermissionRequestIssue, PermissionRequestIssueCode, PermissionRequestParseResult } from "./parse-request.js";
export type { Decision, Grant, GrantType, UsergroupVia } from "./decision.js";
export { describeGrant } from "./explain.js";
export { POLICY_CHANGE_TYPES } from "./changes.js";
export { applyChangeEntries, type PolicyChangeEntry } from "./feed.js";
export type { PolicyChange, PolicyChangeType } from "./changes.js";
export { parsePolicySnapshot } from "./parse-snapshot.js";
