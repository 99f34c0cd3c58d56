export { createOrgKit } from "./create-org-kit.js";
export type { CreateOrgKitOptions, EventsApi, OrgKit, OrganizationsFacade } from "./create-org-kit.js";
export type { ChangeListener, ChangePage, ChangesApi, FreshnessOptions } from "./live-policy.js";
export { toCloudEvents, type OrgKitCloudEvent, type SubscribeOptions, type Subscription } from "./subscriptions.js";
export { SYSTEM_ACTOR, type Actor } from "./actor.js";
export { defineConfig, resolveOrgKitConfig, type OrgKitConfig, type OrgKitConfigInput, type RoleDeclaration } from "./config.js";
export type { OrganizationVocabularyOf, PermissionOf, StateCombinationKey } from "./typed-kit.js";
export type { CustomFieldsOf, CustomFieldValueOf, OrganizationVocabulary } from "../domain/organization/vocabulary.js";
export type { AdoptConfigurationOptions, ConfigurationAdoption, ConfigurationApi, StoredConfiguration } from "./configuration.js";
export type { CanonicalConfiguration, CanonicalCustomField, CanonicalRoleRule } from "./configuration-fingerprint.js";
export type { ConfigurationReadiness } from "./configuration-guard.js";
export { randomIds, type IdGenerator, type IdKind } from "./runtime.js";
export type { CreateOrganizationRequest, OrganizationSearchInput, LookupOptions, OrganizationSearchResult, OrganizationTreeNode, OrganizationsApi, WriteOptions } from "./organizations.js";
export type { MergeOptions, OrganizationMergeCounts, OrganizationMergeResult, OrganizationsMergeApi } from "./merge.js";
export type { AddMembershipInput, DomainProofStatus, MembershipExplanation, MembershipsApi } from "./memberships.js";
export type { ListUsersOptions, UpsertUserInput, UpsertUserOptions, UsersApi } from "./users.js";
export type { UserErasure } from "./user-erasure.js";
export type { ExportedMembership, ExportedUsergroup, UserExport, UsergroupGrant } from "./user-export.js";
export type { AddMemberRuleInput, MemberRulePreview, RuleChangeResult, RulesApi } from "./rules.js";
export type { DomainChallenge, DomainProofFailed, DomainProofResult, DomainProven, ProveDomainOptions } from "./domain-proof.js";
export type { TxtResolver } from "./txt-lookup.js";
export type { AcceptedInvitation, CreatedInvitation, CreateInvitationInput, InvitationsApi, ListInvitationsOptions } from "./invitations.js";
export { INVITATION_TOKEN_PREFIX } from "./invitation-tokens.js";
export type { AssignResourceInput, ResourcesApi } from "./resources.js";
export type {
  CreateStaffProfileInput,
  CreateUsergroupInput,
  StaffProfilesApi,
  StateCombinationGrants,
  UpdateStaffProfileInput,
  UpdateUsergroupInput,
  UsergroupsApi,
} from "./access-control.js";
export type { ImportOptions, ImportOrganizationRow, ImportProgress, ImportResult, ImportRowResult } from "./import.js";
export type { OrganizationRollUp, OrganizationRollUpOptions } from "./roll-up.js";
