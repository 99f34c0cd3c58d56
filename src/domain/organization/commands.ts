import { produce, type Draft } from "immer";
import { z } from "zod";
import { OrgKitError, organizationMerged, versionConflict } from "../../errors.js";
import { describeValue, invalidArgument, readFields } from "../argument-guards.js";
import { event, readContext, readCurrent, type ReadContext } from "./command-input.js";
import { parseInput } from "../validation.js";
import type { OrganizationConfig } from "./config.js";
import { customFieldsSchema, type CustomFieldValue } from "./custom-fields.js";
import type { OrganizationEvent, OrganizationEventType } from "./events.js";
import { newOrganization } from "./new-organization.js";
import {
  createOrganizationInputSchema,
  idSchema,
  memberRuleSchema,
  organizationSchema,
  statesSchema,
  tagsSchema,
  updateOrganizationInputSchema,
  type CreateOrganizationInput,
  type Organization,
  type OrganizationMemberRule,
  type UpdateOrganizationInput,
} from "./schema.js";

/**
 * What every command needs besides its input: the time, and optionally the configuration
 * and the version the caller last saw.
 *
 * Every command reads its arguments once, at the door, and throws `VALIDATION_FAILED`
 * (with `details.issues`) for anything outside their types, besides its own errors: an
 * organization that is not an organization object (paths under `organization`), a
 * context that is not an object (`context`), a bad `now`, an `expectedVersion` that is
 * not a non-negative integer, a bad `config` (paths under `config`), and input that
 * cannot be read at all (a throwing getter, a revoked proxy, cyclic data).
 */
export interface CommandContext {
  /** The time of the change (commands never read a clock). */
  readonly now: Date | string;
  /** Types, states and custom fields to validate against. Default: {@link DEFAULT_ORGANIZATION_CONFIG}. */
  readonly config?: OrganizationConfig;
  /** When given, the command fails with `CONFLICT` unless the organization is at this version. */
  readonly expectedVersion?: number;
}

/** Context of {@link createOrganization}: also the new organization's id. */
export interface CreateContext extends Omit<CommandContext, "expectedVersion"> {
  /** The new organization's id (the caller generates it). */
  readonly id: string;
}

/** What every command returns: the new organization (the input is never mutated) and the events it emitted. */
export interface CommandResult {
  /** The organization after the command (a new object; created at version 1, else one version on). */
  readonly organization: Organization;
  /** The events the command emitted, in order. */
  readonly events: readonly OrganizationEvent[];
}

const customFieldsPatchSchema = z.record(z.string(), z.unknown());
const parentIdSchema = idSchema.nullable();

/**
 * Creates an organization at version 1. Validates and normalizes the input (trimmed
 * strings, tags de-duplicated case-insensitively, states in configured order, custom
 * fields checked against their definitions); throws `VALIDATION_FAILED` with the path
 * of every bad field (and for a bad context, as every command: see {@link CommandContext}).
 *
 * @example
 * ```ts
 * const { organization, events } = createOrganization(
 *   { name: "Acme Manufacturing", type: "customer", tags: ["Key", "key"] },
 *   { id: "org_1", now: new Date() },
 * );
 * organization.tags; // ["Key"]
 * events[0].type;    // "organization.created"
 * ```
 */
export function createOrganization(input: CreateOrganizationInput, context: CreateContext): CommandResult {
  const { at, config, id: givenId } = readContext(context);
  const id = parseInput(idSchema, givenId, "organization id", ["id"]);
  const data = parseInput(createOrganizationInputSchema(config), input, "organization");
  return newOrganization(data, { id, at, config });
}

/** Checks the expected version, applies `recipe` with immer, bumps version and updatedAt, and emits one event. */
function change(
  organization: Organization,
  context: ReadContext,
  type: OrganizationEventType,
  recipe: (draft: Draft<Organization>) => Record<string, unknown>,
): CommandResult {
  const { at, expectedVersion } = context;
  if (expectedVersion !== undefined && expectedVersion !== organization.version) {
    throw versionConflict("organization", organization.id, expectedVersion, organization.version);
  }
  let data: Record<string, unknown> = {};
  const next = produce(organization, (draft) => {
    data = recipe(draft);
    draft.version = organization.version + 1;
    draft.updatedAt = at;
  });
  return { organization: next, events: [event(type, next, at, data)] };
}

const ASSIGNABLE_KEYS = ["id", "name", "status", "mergedInto"] as const;

/**
 * Throws `ORGANIZATION_DISCONTINUED` when the organization is discontinued (with
 * `details.mergedInto` when it was merged into another: assign to that one instead). Call
 * it before assigning anything (members, resources, children, rules) to an organization.
 * `VALIDATION_FAILED` when `organization` is not an object with a known `status`, or
 * cannot be read.
 */
export function assertAssignable(organization: Organization): void {
  const { id, name, status, mergedInto } = readFields(organization, ASSIGNABLE_KEYS, "organization", "organization", false);
  if (status !== "active" && status !== "discontinued") {
    throw invalidArgument("organization", "organization.status", `must be "active" or "discontinued", not ${describeValue(status)}`, "invalid_value");
  }
  if (status === "discontinued") {
    const shownId = typeof id === "string" ? id : describeValue(id);
    const shownName = typeof name === "string" ? name : describeValue(name);
    const merged = typeof mergedInto === "string" ? mergedInto : undefined;
    throw new OrgKitError(
      "ORGANIZATION_DISCONTINUED",
      `Organization ${shownId} (${shownName}) is discontinued${merged === undefined ? "" : ` (merged into ${merged})`} and accepts no new assignments`,
      { details: merged === undefined ? { id: shownId } : { id: shownId, mergedInto: merged } },
    );
  }
}

function mergeCustomFields(
  current: Readonly<Record<string, CustomFieldValue>>,
  patch: Record<string, unknown>,
  config: OrganizationConfig,
  prefix: string,
): Record<string, CustomFieldValue> {
  const merged: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  return parseInput(customFieldsSchema(config.customFields), merged, "custom fields", [prefix]);
}

/**
 * Applies a patch of editable fields. `address` and `contact` merge part by part,
 * `customFields` key by key (`null` removes an optional field). Emits
 * `organization.updated` with `{ changes: { field: { from, to } } }`.
 */
export function updateOrganization(organization: Organization, patch: UpdateOrganizationInput, context: CommandContext): CommandResult {
  const current = readCurrent(organization);
  const ctx = readContext(context);
  const { config } = ctx;
  const data = parseInput(updateOrganizationInputSchema(config), patch, "organization patch");
  const next: Record<string, unknown> = {};
  if (data.externalId !== undefined) next.externalId = data.externalId;
  if (data.type !== undefined) next.type = data.type;
  if (data.description !== undefined) next.description = data.description;
  if (data.summary !== undefined) next.summary = data.summary;
  if (data.industry !== undefined) next.industry = data.industry;
  if (data.address !== undefined) next.address = { ...current.address, ...stripUndefined(data.address) };
  if (data.contact !== undefined) next.contact = { ...current.contact, ...stripUndefined(data.contact) };
  if (data.tags !== undefined) next.tags = data.tags;
  if (data.states !== undefined) next.states = data.states;
  if (data.usergroupIds !== undefined) next.usergroupIds = data.usergroupIds;
  if (data.allowedRoles !== undefined) next.allowedRoles = data.allowedRoles;
  if (data.allowedApps !== undefined) next.allowedApps = data.allowedApps;
  if (data.customFields !== undefined) next.customFields = mergeCustomFields(current.customFields, data.customFields, config, "customFields");
  return change(current, ctx, "organization.updated", (draft) => {
    const changes: Record<string, { from: unknown; to: unknown }> = {};
    for (const [key, value] of Object.entries(next)) {
      changes[key] = { from: current[key as keyof Organization], to: value };
      (draft as Record<string, unknown>)[key] = value;
    }
    return { changes };
  });
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

const nameSchema = z.string().trim().min(1, "must not be empty").max(200);

/** Renames an organization (uniqueness among active organizations is the service's job). */
export function renameOrganization(organization: Organization, name: string, context: CommandContext): CommandResult {
  const current = readCurrent(organization);
  const ctx = readContext(context);
  const value = parseInput(nameSchema, name, "organization name", ["name"]);
  return change(current, ctx, "organization.renamed", (draft) => {
    draft.name = value;
    return { from: current.name, to: value };
  });
}

/** Replaces the organization's state flags (unknown flags are refused; order follows the configuration). */
export function setOrganizationStates(organization: Organization, states: readonly string[], context: CommandContext): CommandResult {
  const current = readCurrent(organization);
  const ctx = readContext(context);
  const value = parseInput(statesSchema(ctx.config), states, "organization states", ["states"]);
  return change(current, ctx, "organization.states_set", (draft) => {
    draft.states = value;
    return { from: current.states, to: value };
  });
}

/** Adds tags; a tag already present in any letter case is not added twice. */
export function addOrganizationTags(organization: Organization, tags: readonly string[], context: CommandContext): CommandResult {
  const current = readCurrent(organization);
  const ctx = readContext(context);
  const value = parseInput(tagsSchema, tags, "tags", ["tags"]);
  const present = new Set(current.tags.map((t) => t.toLowerCase()));
  const added = value.filter((t) => !present.has(t.toLowerCase()));
  return change(current, ctx, "organization.tags_added", (draft) => {
    draft.tags.push(...added);
    return { tags: added };
  });
}

/** Removes tags, matched case-insensitively. */
export function removeOrganizationTags(organization: Organization, tags: readonly string[], context: CommandContext): CommandResult {
  const current = readCurrent(organization);
  const ctx = readContext(context);
  const value = parseInput(tagsSchema, tags, "tags", ["tags"]);
  const remove = new Set(value.map((t) => t.toLowerCase()));
  const removed = current.tags.filter((t) => remove.has(t.toLowerCase()));
  return change(current, ctx, "organization.tags_removed", (draft) => {
    draft.tags = current.tags.filter((t) => !remove.has(t.toLowerCase()));
    return { tags: removed };
  });
}

const idListSchema = z.array(idSchema).max(1000);

/** Links usergroups: the organization's members get their permissions. Refused on a discontinued organization. */
export function linkOrganizationUsergroups(organization: Organization, usergroupIds: readonly string[], context: CommandContext): CommandResult {
  const current = readCurrent(organization);
  const ctx = readContext(context);
  const ids = parseInput(idListSchema, usergroupIds, "usergroup ids", ["usergroupIds"]);
  assertAssignable(current);
  const added = [...new Set(ids)].filter((id) => !current.usergroupIds.includes(id));
  return change(current, ctx, "organization.usergroups_linked", (draft) => {
    draft.usergroupIds.push(...added);
    return { usergroupIds: added };
  });
}

/** Unlinks usergroups. */
export function unlinkOrganizationUsergroups(organization: Organization, usergroupIds: readonly string[], context: CommandContext): CommandResult {
  const current = readCurrent(organization);
  const ctx = readContext(context);
  const ids = new Set(parseInput(idListSchema, usergroupIds, "usergroup ids", ["usergroupIds"]));
  const removed = current.usergroupIds.filter((id) => ids.has(id));
  return change(current, ctx, "organization.usergroups_unlinked", (draft) => {
    draft.usergroupIds = current.usergroupIds.filter((id) => !ids.has(id));
    return { usergroupIds: removed };
  });
}

const labelListSchema = z.array(z.string().trim().min(1, "must not be empty").max(128)).max(1000).transform((v) => [...new Set(v)]);

/** Replaces the roles this organization's admins may assign. */
export function setOrganizationAllowedRoles(organization: Organization, roles: readonly string[], context: CommandContext): CommandResult {
  const current = readCurrent(organization);
  const ctx = readContext(context);
  const value = parseInput(labelListSchema, roles, "allowed roles", ["allowedRoles"]);
  return change(current, ctx, "organization.allowed_roles_set", (draft) => {
    draft.allowedRoles = value;
    return { from: current.allowedRoles, to: value };
  });
}

/** Replaces the apps this organization's admins may use. */
export function setOrganizationAllowedApps(organization: Organization, apps: readonly string[], context: CommandContext): CommandResult {
  const current = readCurrent(organization);
  const ctx = readContext(context);
  const value = parseInput(labelListSchema, apps, "allowed apps", ["allowedApps"]);
  return change(current, ctx, "organization.allowed_apps_set", (draft) => {
    draft.allowedApps = value;
    return { from: current.allowedApps, to: value };
  });
}

/** Sets custom field values key by key (`null` removes an optional field); the result must satisfy every definition. */
export function setOrganizationCustomFields(
  organization: Organization,
  values: Readonly<Record<string, CustomFieldValue | null>>,
  context: CommandContext,
): CommandResult {
  const current = readCurrent(organization);
  const ctx = readContext(context);
  const patch = parseInput(customFieldsPatchSchema, values, "custom fields", ["customFields"]);
  const merged = mergeCustomFields(current.customFields, patch, ctx.config, "customFields");
  return change(current, ctx, "organization.custom_fields_set", (draft) => {
    draft.customFields = merged as Draft<Organization>["customFields"];
    return { values: patch };
  });
}

/**
 * Adds a member rule (already normalized by `orgkit/matching`). Refused on a
 * discontinued organization, and when the organization has a rule with the same id
 * or the same kind and value.
 */
export function addOrganizationMemberRule(organization: Organization, rule: OrganizationMemberRule, context: CommandContext): CommandResult {
  const current = readCurrent(organization);
  const ctx = readContext(context);
  const value = parseInput(memberRuleSchema, rule, "member rule", ["memberRules"]);
  assertAssignable(current);
  const clash = current.memberRules.find((r) => r.id === value.id || (r.kind === value.kind && r.value === value.value));
  if (clash) {
    throw new OrgKitError("RULE_CONFLICT", `Organization ${current.id} already has a ${clash.kind} rule '${clash.value}' (${clash.id})`, {
      details: { organizationId: current.id, kind: clash.kind, value: clash.value, existingRule: { ...clash, organizationId: current.id } },
    });
  }
  return change(current, ctx, "organization.member_rule_added", (draft) => {
    draft.memberRules.push(value);
    return { rule: value };
  });
}

/** Removes a member rule by id; throws `NOT_FOUND` when the organization has no such rule, `VALIDATION_FAILED` when `ruleId` is not a string. */
export function removeOrganizationMemberRule(organization: Organization, ruleId: string, context: CommandContext): CommandResult {
  const current = readCurrent(organization);
  const ctx = readContext(context);
  if (typeof ruleId !== "string") throw invalidArgument("member rule id", "ruleId", `must be a string, not ${describeValue(ruleId)}`, "invalid_type");
  const rule = current.memberRules.find((r) => r.id === ruleId);
  if (!rule) {
    throw new OrgKitError("NOT_FOUND", `Organization ${current.id} has no member rule ${ruleId}`, {
      details: { entity: "memberRule", id: ruleId, organizationId: current.id },
    });
  }
  return change(current, ctx, "organization.member_rule_removed", (draft) => {
    draft.memberRules = current.memberRules.filter((r) => r.id !== ruleId);
    return { rule };
  });
}

/**
 * Sets the parent id (or `null`). Only records the link: whether the move is allowed
 * (no cycle, parent exists and is active, depth) is decided by the hierarchy index
 * before calling this.
 */
export function setOrganizationParent(organization: Organization, parentId: string | null, context: CommandContext): CommandResult {
  const current = readCurrent(organization);
  const ctx = readContext(context);
  const value = parseInput(parentIdSchema, parentId, "parent id", ["parentId"]);
  return change(current, ctx, value === null ? "organization.detached" : "organization.parent_set", (draft) => {
    draft.parentId = value;
    return { from: current.parentId, to: value };
  });
}

/** Discontinues (soft-deletes) an organization: kept and readable, no new assignments. Throws `ORGANIZATION_DISCONTINUED` if it already is. */
export function discontinueOrganization(organization: Organization, context: CommandContext): CommandResult {
  const current = readCurrent(organization);
  const ctx = readContext(context);
  assertAssignable(current);
  return change(current, ctx, "organization.discontinued", (draft) => {
    draft.status = "discontinued";
    return {};
  });
}

/**
 * Reactivates a discontinued organization. Throws `CONFLICT` (reason `status`) if it is
 * active, and `CONFLICT` (reason `merged`) if it was merged into another: a merged
 * organization stays discontinued for good.
 */
export function reactivateOrganization(organization: Organization, context: CommandContext): CommandResult {
  const current = readCurrent(organization);
  const ctx = readContext(context);
  if (current.mergedInto !== undefined) throw organizationMerged(current.id, current.mergedInto);
  if (current.status === "active") {
    throw new OrgKitError("CONFLICT", `Organization ${current.id} is already active`, { details: { reason: "status", id: current.id } });
  }
  return change(current, ctx, "organization.reactivated", (draft) => {
    draft.status = "active";
    return {};
  });
}

/**
 * Checks that a value is a well-formed stored organization for the configuration
 * (for data read back from storage or received from elsewhere). Throws
 * `VALIDATION_FAILED` with paths, also for a value that cannot be read (a throwing
 * getter, a revoked proxy, cyclic data) and for a bad configuration (paths under `config`).
 */
export function validateOrganization(value: unknown, config?: OrganizationConfig): Organization {
  return parseInput(organizationSchema(config), value, "organization") as Organization;
}
