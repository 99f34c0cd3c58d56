/**
 * The configuration fingerprint: the part of a kit's configuration that changes what
 * stored data means or which decisions are made, in a canonical form (sets sorted, keys
 * sorted, defaults spelled out), and a hash of it. Every kit on one storage (and tenant)
 * must have the same one: the storage records it on first use, and a kit whose
 * fingerprint differs refuses to run (`CONFIGURATION_MISMATCH`) until the configuration is
 * adopted on purpose (`kit.configuration.adopt`).
 *
 * What is in, and why (see docs/storage.md, "One configuration per store"):
 * - `membershipPolicy`: `"single"` and `"multiple"` disagree about the same users.
 * - `organizationTypes` (the allowed set, and the default type new organizations get)
 *   and `states` (as a set: combination keys name flags in any order), `customFields`
 *   (key, type, required, options as a set; not the display `label`): what a stored
 *   organization may hold, and what staff profiles grant on.
 * - `identitiesVerifiedUpstream`: which stored identities member rules link by.
 * - `lowercaseEmailLocalPart`, `defaultPhoneRegion`: how an input becomes the stored,
 *   matched key — two kits must turn one address or number into the same key.
 * - `ruleConflict`: whether a rule value may have several claimants.
 * - `maxDepth`, `uniqueNames`: what hierarchies and names the data may hold.
 * - `roles`, `admins`: what a membership confers — the permission decisions themselves.
 *   Canonical by effect: a rule that says what the default says is left out.
 *
 * What is out: `allowFreeMail` and `extraFreeMailDomains` (a guard on new domain rules
 * only — a stored rule means the same whatever they say, and hosts update deny-lists
 * often), `changeFeedRetention` and `maxStalenessMs` (operations: how long the feed is
 * kept, how stale an answer may be).
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { ConfigurationDifference } from "../errors.js";
import { MANAGER_ROLE } from "../permissions/snapshot.js";
import type { OrgKitConfig } from "./config.js";

/** The setting key the configuration record is stored under. */
export const CONFIGURATION_SETTING_KEY = "configuration";

/** The version of the canonical form; part of what is hashed. */
export const CONFIGURATION_FORMAT = 1;

/** The canonical form of a custom field definition. */
export interface CanonicalCustomField {
  /** The field's value type (`"text"`, `"number"`, `"select"`, …). */
  readonly type: string;
  /** Whether every organization must have a value for the field. */
  readonly required: boolean;
  /** Sorted; only for select and multiselect fields. */
  readonly options?: readonly string[];
}

/** The canonical form of a role rule: both effects spelled out. */
export interface CanonicalRoleRule {
  /** Whether the role sees every ticket of its organization (and, with `cascade`, of those below it). */
  readonly seesOrganizationTickets: boolean;
  /** `"descendants"`: the role's access reaches every organization below its own; `"none"`: its own only. */
  readonly cascade: "none" | "descendants";
}

/**
 * The meaning-changing part of a configuration, canonical: every key present, sets
 * sorted by code unit, maps keyed by name (JSON with sorted keys is then one text).
 */
export interface CanonicalConfiguration {
  /** `"single"`: a user belongs to one organization; `"multiple"`: any number. */
  readonly membershipPolicy: "single" | "multiple";
  /** The organization types a stored organization may have. */
  readonly organizationTypes: {
    /** The type new organizations get when none is given (the first configured type). */
    readonly default: string;
    /** Every allowed type, sorted. */
    readonly allowed: readonly string[];
  };
  /** The configured state flags, sorted (their order does not change meaning). */
  readonly states: readonly string[];
  /** The custom field definitions, keyed by field key (display labels left out). */
  readonly customFields: Readonly<Record<string, CanonicalCustomField>>;
  /** `true`: every identity counts as verified, so member rules link users by all of them; `false`: by verified identities only. */
  readonly identitiesVerifiedUpstream: boolean;
  /** Whether the local part of an email address is lower-cased before it is stored and matched. */
  readonly lowercaseEmailLocalPart: boolean;
  /** The ISO 3166-1 alpha-2 region a phone number without country code is read in (`"US"` by default). */
  readonly defaultPhoneRegion: string;
  /** `"reject"`: a rule value may be claimed by one organization only; `"allow"`: by several. */
  readonly ruleConflict: "reject" | "allow";
  /** `null`: unlimited. */
  readonly maxDepth: number | null;
  /** Whether active organizations' names are unique, case-insensitively. */
  readonly uniqueNames: boolean;
  /** The roles whose rule differs from the default (`manager` sees tickets, other roles are plain, nothing cascades). */
  readonly roles: Readonly<Record<string, CanonicalRoleRule>>;
  /** What the membership `admin` flag confers beyond its organization. */
  readonly admins: {
    /** `"descendants"`: an org admin also manages the plain members of every organization below its own; `"none"` (default): its own only. */
    readonly cascade: "none" | "descendants";
  };
}

/** A configuration's fingerprint: the hash, and the canonical form it hashes. */
export interface ConfigurationFingerprint {
  /** `sha256:` and the hex SHA-256 of the canonical JSON (with the format version). */
  readonly fingerprint: string;
  readonly configuration: CanonicalConfiguration;
}

/**
 * What each setting was before it was part of the fingerprint: a record written by an
 * orgkit that did not know a setting compares as if it held this value, so adding a
 * setting to the fingerprint in a later version does not make every recorded store refuse.
 * (Every setting of format 1 is here; later ones add theirs with the default they had.)
 */
const IMPLIED_WHEN_ABSENT: Readonly<Record<string, unknown>> = {};

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const sortedSet = (values: readonly string[]) => [...new Set(values)].sort(byCodeUnit);

/** The canonical, meaning-changing part of a resolved configuration. */
export function canonicalConfiguration(config: OrgKitConfig): CanonicalConfiguration {
  const customFields: Record<string, CanonicalCustomField> = {};
  for (const field of [...config.organization.customFields].sort((a, b) => byCodeUnit(a.key, b.key))) {
    customFields[field.key] = { type: field.type, required: field.required, ...(field.options === undefined ? {} : { options: sortedSet(field.options) }) };
  }
  const roles: Record<string, CanonicalRoleRule> = {};
  for (const role of Object.keys(config.roles ?? {}).sort(byCodeUnit)) {
    const rule = config.roles![role]!;
    const canonical: CanonicalRoleRule = { seesOrganizationTickets: rule.seesOrganizationTickets ?? role === MANAGER_ROLE, cascade: rule.cascade ?? "none" };
    // A rule with the default effect changes nothing: `roles: { manager: {} }` means what no `roles` means.
    if (canonical.cascade === "none" && canonical.seesOrganizationTickets === (role === MANAGER_ROLE)) continue;
    roles[role] = canonical;
  }
  return {
    membershipPolicy: config.membershipPolicy,
    organizationTypes: { default: config.organization.types[0]!, allowed: sortedSet(config.organization.types) },
    states: sortedSet(config.organization.states),
    customFields,
    identitiesVerifiedUpstream: config.identitiesVerifiedUpstream,
    lowercaseEmailLocalPart: config.lowercaseEmailLocalPart,
    defaultPhoneRegion: config.defaultPhoneRegion,
    ruleConflict: config.ruleConflict,
    maxDepth: config.maxDepth ?? null,
    uniqueNames: config.uniqueNames,
    roles,
    admins: { cascade: config.admins?.cascade ?? "none" },
  };
}

/** JSON with object keys sorted by code unit at every level: one text per value. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.keys(value)
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .sort(byCodeUnit)
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** The hash of a canonical configuration (what {@link ConfigurationFingerprint.fingerprint} holds). */
export function hashConfiguration(configuration: unknown): string {
  return `sha256:${createHash("sha256").update(`orgkit.configuration.v${CONFIGURATION_FORMAT}\n${canonicalJson(configuration)}`).digest("hex")}`;
}

/**
 * The fingerprint of a resolved configuration.
 *
 * @example
 * ```ts
 * const { fingerprint, configuration } = configurationFingerprint(resolveOrgKitConfig({ membershipPolicy: "single" }));
 * configuration.membershipPolicy; // "single"
 * ```
 */
export function configurationFingerprint(config: OrgKitConfig): ConfigurationFingerprint {
  const configuration = canonicalConfiguration(config);
  return { fingerprint: hashConfiguration(configuration), configuration };
}

/** The value stored under {@link CONFIGURATION_SETTING_KEY}. */
export type StoredConfigurationValue = {
  readonly format: number;
  readonly fingerprint: string;
  readonly configuration: Readonly<Record<string, unknown>>;
};

/** The setting value that records `fingerprint`. */
export function configurationSettingValue(fingerprint: ConfigurationFingerprint): StoredConfigurationValue {
  return { format: CONFIGURATION_FORMAT, fingerprint: fingerprint.fingerprint, configuration: fingerprint.configuration as unknown as Record<string, unknown> };
}

/** Reads a stored configuration value defensively (it comes from storage): `null` parts when it is not one. */
export function readStoredConfiguration(value: unknown): { readonly fingerprint: string | null; readonly configuration: Readonly<Record<string, unknown>> } {
  const record = typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  const fingerprint = typeof record["fingerprint"] === "string" ? record["fingerprint"] : null;
  const configuration = record["configuration"];
  return {
    fingerprint,
    configuration: typeof configuration === "object" && configuration !== null && !Array.isArray(configuration) ? (configuration as Record<string, unknown>) : {},
  };
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Where a recorded configuration and a kit's differ, setting by setting, with dotted
 * paths into maps (`customFields.tier.options`, `roles.manager`). A setting the record
 * does not hold compares as its implied value (see `IMPLIED_WHEN_ABSENT`); a setting the
 * kit does not know (recorded by a newer orgkit) is a difference.
 */
export function configurationDifferences(stored: Readonly<Record<string, unknown>>, kit: CanonicalConfiguration): ConfigurationDifference[] {
  const differences: ConfigurationDifference[] = [];
  const own = kit as unknown as Record<string, unknown>;
  const keys = sortedSet([...Object.keys(stored), ...Object.keys(own)]);
  for (const key of keys) {
    const storedValue = Object.hasOwn(stored, key) ? stored[key] : IMPLIED_WHEN_ABSENT[key];
    compare(key, storedValue, own[key], differences, 0);
  }
  return differences;
}

function compare(path: string, stored: unknown, kit: unknown, out: ConfigurationDifference[], depth: number): void {
  // Absent is not `null` (which canonical JSON would make of it).
  if (stored !== undefined && kit !== undefined && canonicalJson(stored) === canonicalJson(kit)) return;
  if (stored === undefined && kit === undefined) return;
  // Maps of named entries (custom fields, roles, organization types) are compared entry by entry.
  if (depth < 2 && isPlainObject(stored) && isPlainObject(kit)) {
    for (const key of sortedSet([...Object.keys(stored), ...Object.keys(kit)])) compare(`${path}.${key}`, stored[key], kit[key], out, depth + 1);
    return;
  }
  out.push({ key: path, ...(stored === undefined ? {} : { stored }), ...(kit === undefined ? {} : { kit }) });
}
