export { createOrgKit } from "./create-org-kit.js";
export type { CreateOrgKitOptions, EventsApi, OrgKit, OrganizationsFacade } from "./create-org-kit.js";
export { SYSTEM_ACTOR, type Actor } from "./actor.js";
export { resolveOrgKitConfig, type OrgKitConfig, type OrgKitConfigInput } from "./config.js";
export { randomIds, type IdGenerator, type IdKind } from "./runtime.js";
export type { OrganizationAction } from "./access.js";
export type { CreateOrganizationRequest, OrganizationSearchResult, OrganizationTreeNode, OrganizationsApi, WriteOptions } from "./organizations.js";
export type { AddMembershipInput, MembershipExplanation, MembershipsApi } from "./memberships.js";
export type { UpsertUserInput, UpsertUserOptions, UsersApi } from "./users.js";
export type { AddMemberRuleInput, MemberRulePreview, RuleChangeResult, RulesApi } from "./rules.js";
export type { AssignResourceInput, ResourcesApi } from "./resources.js";
export type {
  CreateStaffProfileInput,
  CreateUsergroupInput,
  StaffProfilesApi,
  UpdateStaffProfileInput,
  UpdateUsergroupInput,
  UsergroupsApi,
} from "./access-control.js";
export type { ImportOptions, ImportOrganizationRow, ImportResult, ImportRowResult } from "./import.js";
