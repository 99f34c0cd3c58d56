/**
 * The pure core: the organization aggregate's commands and the hierarchy index. No I/O,
 * no clock, no randomness; time and ids are passed in. The kit (`createOrgKit`) runs
 * these inside its transactions; use them directly to keep organizations in your own
 * persistence with orgkit's rules, or to test rules without storage.
 *
 * Every command takes an organization (or the input of a new one) and a context, and
 * returns the next state and the events that describe the change; bad input throws
 * `OrgKitError` (`VALIDATION_FAILED`, with paths) and changes nothing.
 *
 * @example
 * ```ts
 * import { createHierarchyIndex, createOrganization, setOrganizationParent } from "orgkit/domain";
 *
 * const now = new Date();
 * const { organization: acme } = createOrganization({ name: "Acme" }, { id: "org_1", now });
 * const { organization: emea } = createOrganization({ name: "Acme EMEA" }, { id: "org_2", now });
 * const index = createHierarchyIndex([acme, emea]);
 * index.setParent(emea.id, acme.id); // refuses cycles and too-deep trees (HIERARCHY_CYCLE, MAX_DEPTH_EXCEEDED)
 * const { organization: moved, events } = setOrganizationParent(emea, acme.id, { now });
 * index.isAncestor(acme.id, moved.id); // true; events: [{ type: "organization.parent_set", … }]
 * ```
 *
 * @module orgkit/domain
 */

// ── Organization commands.
export {
  addOrganizationMemberRule,
  addOrganizationTags,
  assertAssignable,
  createOrganization,
  discontinueOrganization,
  linkOrganizationUsergroups,
  reactivateOrganization,
  removeOrganizationMemberRule,
  removeOrganizationTags,
  renameOrganization,
  setOrganizationAllowedApps,
  setOrganizationAllowedRoles,
  setOrganizationCustomFields,
  setOrganizationParent,
  setOrganizationStates,
  unlinkOrganizationUsergroups,
  updateOrganization,
  validateOrganization,
  type CommandContext,
  type CommandResult,
  type CreateContext,
} from "./organization/commands.js";
export {
  MERGED_LIST_LIMITS,
  mergeOrganizations,
  type MergeContext,
  type MergedListField,
  type MergeOrganizationsResult,
  type OrganizationMergeAdditions,
  type OrganizationMergeConflict,
} from "./organization/merge.js";
export { DEFAULT_ORGANIZATION_CONFIG, resolveOrganizationConfig } from "./organization/config.js";
export type { OrganizationEvent } from "./organization/events.js";

// ── The hierarchy.
export * from "./hierarchy/index.js";
