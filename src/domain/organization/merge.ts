/**
 * Merging a duplicate organization into a survivor: what becomes of the two aggregates.
 * The service moves the rest (members, resources, children) in the same transaction.
 *
 * @module
 */
import { produce, type Draft } from "immer";
import { OrgKitError, organizationMerged, validationError, versionConflict } from "../../errors.js";
import { describeValue, invalidArgument, readFields } from "../argument-guards.js";
import { parseInput } from "../validation.js";
import { event, readCurrent, toIso } from "./command-input.js";
import { checkOrganizationConfig, type OrganizationConfig } from "./config.js";
import { customFieldsSchema, type CustomFieldValue } from "./custom-fields.js";
import type { OrganizationEvent } from "./events.js";
import type { Organization, OrganizationMemberRule } from "./schema.js";

/** What {@link mergeOrganizations} needs besides the two organizations. */
export interface MergeContext {
  /** The time of the merge (commands never read a clock). */
  readonly now: Date | string;
  /** Custom field definitions to validate the survivor's fields against. Default: the default configuration. */
  readonly config?: OrganizationConfig;
  /** When given, `CONFLICT` (reason `version`) unless the duplicate is at this version. */
  readonly expectedDuplicateVersion?: number;
  /** When given, `CONFLICT` (reason `version`) unless the survivor is at this version. */
  readonly expectedSurvivorVersion?: number;
}

/** The list fields a merge unites, each with the most values an organization may hold. */
export const MERGED_LIST_LIMITS = {
  /** Most tags an organization may hold. */
  tags: 100,
  /** Most linked usergroups an organization may hold. */
  usergroupIds: 1000,
  /** Most allowed roles an organization may hold. */
  allowedRoles: 1000,
  /** Most allowed apps an organization may hold. */
  allowedApps: 1000,
} as const;

/** One of the list fields a merge unites. */
export type MergedListField = keyof typeof MERGED_LIST_LIMITS;

/**
 * A difference a merge settled, listed in its result (and in `previewMerge`): the
 * survivor's side always wins.
 *
 * - `customField`: both hold the field with different values; the survivor's stays.
 * - `memberRule`: both claim the same value with the same rule (kind, value, subdomains);
 *   the survivor's rule stays, the duplicate's is dropped, and the memberships it created
 *   move over citing the survivor's rule.
 * - `limit`: the united list would exceed what an organization may hold
 *   ({@link MERGED_LIST_LIMITS}); the duplicate's values past the limit are `dropped`.
 * - `membership` (from the service): the user belongs to both; the survivor's membership
 *   stays as it is, the duplicate's ends. Listed when role or admin flag differ.
 */
export type OrganizationMergeConflict =
  | {
      /** Both hold the custom field with different values. */
      readonly kind: "customField";
      /** The custom field's key. */
      readonly key: string;
      /** The survivor's value, which stays. */
      readonly survivor: CustomFieldValue;
      /** The duplicate's value, which is not copied. */
      readonly duplicate: CustomFieldValue;
    }
  | {
      /** Both have the same member rule. */
      readonly kind: "memberRule";
      /** The survivor's rule, which stays. */
      readonly survivor: OrganizationMemberRule;
      /** The duplicate's rule, which is dropped. */
      readonly duplicate: OrganizationMemberRule;
    }
  | {
      /** The united list would exceed its limit. */
      readonly kind: "limit";
      /** Which list. */
      readonly field: MergedListField;
      /** The duplicate's values left out. */
      readonly dropped: readonly string[];
    }
  | {
      /** The user belongs to both, with a different role or admin flag. */
      readonly kind: "membership";
      /** Id of the user. */
      readonly userId: string;
      /** The user's membership in the survivor, which stays. */
      readonly survivor: {
        /** Its organization role. */
        readonly role: string;
        /** Whether it administers the organization. */
        readonly admin: boolean;
      };
      /** The user's membership in the duplicate, which ends. */
      readonly duplicate: {
        /** Its organization role. */
        readonly role: string;
        /** Whether it administered the organization. */
        readonly admin: boolean;
      };
    };

/** What the survivor gains from the duplicate's own fields. */
export interface OrganizationMergeAdditions {
  /** The duplicate's member rules, now the survivor's (same ids). */
  readonly memberRules: readonly OrganizationMemberRule[];
  /** The duplicate's linked usergroups the survivor did not have. */
  readonly usergroupIds: readonly string[];
  /** The duplicate's tags the survivor did not have (compared case-insensitively). */
  readonly tags: readonly string[];
  /** The duplicate's allowed roles the survivor did not have. */
  readonly allowedRoles: readonly string[];
  /** The duplicate's allowed apps the survivor did not have. */
  readonly allowedApps: readonly string[];
  /** Keys of the custom fields copied (those the survivor did not have). */
  readonly customFields: readonly string[];
}

/** What {@link mergeOrganizations} returns. */
export interface MergeOrganizationsResult {
  /**
   * The duplicate as the merge leaves it: discontinued, `mergedInto` the survivor, without
   * member rules (they are the survivor's now); its other fields are kept as a record.
   */
  readonly duplicate: Organization;
  /** The survivor with what it gained; its own values win every conflict. */
  readonly survivor: Organization;
  /** What the survivor gained from the duplicate's own fields. */
  readonly added: OrganizationMergeAdditions;
  /**
   * Rules of the duplicate identical to one of the survivor's (same kind, value and
   * subdomains): dropped; the memberships they created cite the survivor's rule instead.
   * Duplicate rule id → survivor rule id.
   */
  readonly replacedRules: Readonly<Record<string, string>>;
  /** The differences the merge settled in the survivor's favour (no `membership` ones: those come from the service). */
  readonly conflicts: readonly OrganizationMergeConflict[];
  /**
   * `organization.absorbed` (the survivor: `{ from, added, replacedRules, conflicts }`) and
   * `organization.merged` (the duplicate: `{ into, memberRules }`, the ids of the rules
   * that moved), each at its organization's new version.
   */
  readonly events: readonly OrganizationEvent[];
}

const CONTEXT_KEYS = ["now", "config", "expectedDuplicateVersion", "expectedSurvivorVersion"] as const;

function readVersion(value: unknown, path: string): number | undefined {
  if (value !== undefined && (typeof value !== "number" || !Number.isInteger(value) || value < 0)) {
    throw invalidArgument("merge context", path, `must be a non-negative integer, not ${describeValue(value)}`, "invalid_type");
  }
  return value;
}

/** Values of `extra` not in `current` (compared by `key`), appended after `current`'s up to `max`; the rest are dropped. */
function unite(current: readonly string[], extra: readonly string[], max: number, key: (value: string) => string = (v) => v) {
  const present = new Set(current.map(key));
  const added: string[] = [];
  const dropped: string[] = [];
  for (const value of extra) {
    const k = key(value);
    if (present.has(k)) continue;
    present.add(k);
    if (current.length + added.length < max) added.push(value);
    else dropped.push(value);
  }
  return { added, dropped };
}

const sameValue = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Merges `duplicate` into `survivor` (the pure part of `kit.organizations.merge`):
 *
 * - **Member rules** move to the survivor (same ids). A rule identical to one of the
 *   survivor's is dropped in favour of it (`replacedRules`, conflict `memberRule`).
 * - **Usergroup links, tags, allowed roles and apps** are united (tags compared
 *   case-insensitively), the survivor's first; past {@link MERGED_LIST_LIMITS} the
 *   duplicate's extra values are dropped (conflict `limit`).
 * - **Custom fields** the survivor lacks are copied; where both differ the survivor's
 *   stays (conflict `customField`). The result must satisfy the field definitions.
 * - **Everything else of the survivor stays** (name, type, texts, address, contact,
 *   states, parent, external id). The duplicate keeps its fields as a record, becomes
 *   `discontinued` with `mergedInto`, and loses its rules.
 *
 * Both organizations get version + 1 and `updatedAt` = `now`. Throws, in this order:
 * `VALIDATION_FAILED` when both are the same organization (path `survivorId`), or for bad
 * arguments; `CONFLICT` (reason `merged`) when the duplicate was already merged; `CONFLICT`
 * (reason `version`) for a stale expected version; `ORGANIZATION_DISCONTINUED` when the
 * survivor is discontinued (with `details.mergedInto` when it was merged itself);
 * `RULE_CONFLICT` when both claim the same value with different subdomain settings
 * (which cannot be united: remove one of the two rules first); `VALIDATION_FAILED` (paths
 * under `customFields`) when the survivor's fields would break a definition.
 *
 * @example
 * ```ts
 * const { survivor, duplicate, conflicts } = mergeOrganizations(acmeInc, acme, { now: new Date() });
 * duplicate.mergedInto; // acme.id
 * ```
 */
export function mergeOrganizations(duplicate: Organization, survivor: Organization, context: MergeContext): MergeOrganizationsResult {
  const dup = readCurrent(duplicate);
  const into = readCurrent(survivor);
  const read = readFields(context, CONTEXT_KEYS, "merge context", "context", false);
  const at = toIso(read.now);
  const config = checkOrganizationConfig((read.config ?? undefined) as OrganizationConfig | undefined);
  const expectedDuplicateVersion = readVersion(read.expectedDuplicateVersion, "expectedDuplicateVersion");
  const expectedSurvivorVersion = readVersion(read.expectedSurvivorVersion, "expectedSurvivorVersion");

  if (dup.id === into.id) {
    throw validationError(`Cannot merge organization ${dup.id} into itself`, [{ path: "survivorId", message: "must differ from the duplicate", code: "same_organization" }]);
  }
  if (dup.mergedInto !== undefined) throw organizationMerged(dup.id, dup.mergedInto);
  if (expectedDuplicateVersion !== undefined && expectedDuplicateVersion !== dup.version) throw versionConflict("organization", dup.id, expectedDuplicateVersion, dup.version);
  if (expectedSurvivorVersion !== undefined && expectedSurvivorVersion !== into.version) throw versionConflict("organization", into.id, expectedSurvivorVersion, into.version);
  if (into.status === "discontinued") {
    const merged = into.mergedInto;
    throw new OrgKitError(
      "ORGANIZATION_DISCONTINUED",
      `Cannot merge into ${into.id}: it is discontinued${merged === undefined ? "" : ` (merged into ${merged})`} and accepts no new assignments`,
      { details: merged === undefined ? { id: into.id } : { id: into.id, mergedInto: merged } },
    );
  }

  const conflicts: OrganizationMergeConflict[] = [];
  const movedRules: OrganizationMemberRule[] = [];
  const replacedRules: Record<string, string> = {};
  for (const rule of dup.memberRules) {
    const same = into.memberRules.find((r) => r.kind === rule.kind && r.value === rule.value);
    if (same === undefined) {
      movedRules.push(rule);
    } else if ((same.includeSubdomains === true) === (rule.includeSubdomains === true)) {
      replacedRules[rule.id] = same.id;
      conflicts.push({ kind: "memberRule", survivor: same, duplicate: rule });
    } else {
      throw new OrgKitError(
        "RULE_CONFLICT",
        `Cannot merge ${dup.id} into ${into.id}: both claim the ${rule.kind} '${rule.value}', one with subdomains and one without; remove one of the two rules first`,
        { details: { kind: rule.kind, value: rule.value, duplicateRule: { ...rule, organizationId: dup.id }, survivorRule: { ...same, organizationId: into.id } } },
      );
    }
  }

  const lists = {} as Record<MergedListField, string[]>;
  for (const field of Object.keys(MERGED_LIST_LIMITS) as MergedListField[]) {
    const { added, dropped } = unite(into[field], dup[field], MERGED_LIST_LIMITS[field], field === "tags" ? (t) => t.toLowerCase() : undefined);
    lists[field] = added;
    if (dropped.length > 0) conflicts.push({ kind: "limit", field, dropped });
  }

  const customFields: Record<string, unknown> = { ...into.customFields };
  const copied: string[] = [];
  for (const [key, value] of Object.entries(dup.customFields)) {
    if (!Object.hasOwn(into.customFields, key)) {
      customFields[key] = value;
      copied.push(key);
    } else if (!sameValue(into.customFields[key], value)) {
      conflicts.push({ kind: "customField", key, survivor: into.customFields[key]!, duplicate: value });
    }
  }
  const checkedFields = copied.length === 0 ? into.customFields : parseInput(customFieldsSchema(config.customFields), customFields, "custom fields", ["customFields"]);

  const added: OrganizationMergeAdditions = { memberRules: movedRules, customFields: copied, ...lists };
  // immer, as the other commands: new, deeply frozen objects; the inputs stay as they were.
  const nextSurvivor = produce(into, (draft) => {
    draft.memberRules.push(...movedRules);
    draft.usergroupIds.push(...lists.usergroupIds);
    draft.tags.push(...lists.tags);
    draft.allowedRoles.push(...lists.allowedRoles);
    draft.allowedApps.push(...lists.allowedApps);
    draft.customFields = checkedFields as Draft<Organization>["customFields"];
    draft.version = into.version + 1;
    draft.updatedAt = at;
  });
  const nextDuplicate = produce(dup, (draft) => {
    draft.status = "discontinued";
    draft.mergedInto = into.id;
    draft.memberRules = [];
    draft.version = dup.version + 1;
    draft.updatedAt = at;
  });
  return {
    duplicate: nextDuplicate,
    survivor: nextSurvivor,
    added,
    replacedRules,
    conflicts,
    events: [
      event("organization.absorbed", nextSurvivor, at, { from: dup.id, added, replacedRules, conflicts }),
      event("organization.merged", nextDuplicate, at, { into: into.id, memberRules: dup.memberRules.map((r) => r.id) }),
    ],
  };
}
