/** Every event type the Organization aggregate emits. */
export const ORGANIZATION_EVENT_TYPES = [
  "organization.created",
  "organization.updated",
  "organization.renamed",
  "organization.states_set",
  "organization.tags_added",
  "organization.tags_removed",
  "organization.usergroups_linked",
  "organization.usergroups_unlinked",
  "organization.allowed_roles_set",
  "organization.allowed_apps_set",
  "organization.custom_fields_set",
  "organization.member_rule_added",
  "organization.member_rule_removed",
  "organization.parent_set",
  "organization.detached",
  "organization.discontinued",
  "organization.reactivated",
  "organization.merged",
  "organization.absorbed",
] as const;
/** One of {@link ORGANIZATION_EVENT_TYPES}. */
export type OrganizationEventType = (typeof ORGANIZATION_EVENT_TYPES)[number];

/**
 * A domain event: what a command did to one organization. Pure commands emit these;
 * the service adds the actor and appends them to the audit trail.
 */
export interface OrganizationEvent {
  /** What happened, e.g. `organization.renamed` (see {@link ORGANIZATION_EVENT_TYPES}). */
  readonly type: OrganizationEventType;
  /** The organization it happened to. */
  readonly organizationId: string;
  /** The organization's version after the change. */
  readonly version: number;
  /** ISO 8601 time of the change (the `now` passed to the command). */
  readonly at: string;
  /** What changed: for updates `{ changes: { field: { from, to } } }`, otherwise the command's arguments. */
  readonly data: Readonly<Record<string, unknown>>;
}
