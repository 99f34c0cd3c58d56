import { describeValue, invalidArgument, readFields } from "../domain/argument-guards.js";
import type { InvitationRecord } from "../domain/invitation/model.js";
import type { Membership, MemberRuleRecord, ResourceOwnership, User } from "../domain/membership/model.js";
import { readPlainInput } from "../domain/plain-input.js";
import { createOrganization } from "../domain/organization/commands.js";
import type { OrganizationConfig } from "../domain/organization/config.js";
import type { CreateOrganizationInput, Organization } from "../domain/organization/schema.js";
import type { AuditEvent, NewAuditEvent, StaffProfileRecord, UsergroupRecord } from "../storage/ports.js";
import { DEFAULT_TEST_START } from "./test-clock.js";

/** Mutable, all-optional form of a model type: what the builders take as overrides. */
export type BuildOverrides<T> = { -readonly [K in keyof T]?: T[K] };

const counters = new Map<string, number>();
/** Default ids are sequential per kind within a test file (vitest isolates files); pass an id for ids you assert on. */
function nextDefault(kind: string): string {
  const n = (counters.get(kind) ?? 0) + 1;
  counters.set(kind, n);
  return `${kind}_build_${String(n).padStart(4, "0")}`;
}

const WHAT = "builder overrides";

/**
 * Copies a builder's overrides into plain data, so spreading them can run no getter or
 * proxy trap: `undefined` is `{}`; anything but a plain object, and anything that cannot
 * be read or is cyclic, is `VALIDATION_FAILED` at `overrides`. Text is not checked here
 * (tests build rows with hostile strings on purpose to see storage refuse them).
 */
function readOverrides<T>(overrides: unknown): BuildOverrides<T> {
  if (overrides === undefined) return {};
  const plain = readPlainInput<unknown>(overrides, WHAT, { path: ["overrides"], checkText: false });
  // readPlainInput copies plain objects; what it hands back unchanged (or as a Date) was not one.
  if (typeof plain !== "object" || plain === null || Array.isArray(plain) || plain === overrides || plain instanceof Date) {
    throw invalidArgument(WHAT, "overrides", `must be a plain object, not ${describeValue(overrides)}`, "invalid_type");
  }
  return plain as BuildOverrides<T>;
}

/** Checks a field the builder needs (an id it cannot make up). */
function requireString(overrides: Record<string, unknown>, key: string): void {
  if (typeof overrides[key] !== "string") {
    throw invalidArgument(WHAT, `overrides.${key}`, `must be a string, not ${describeValue(overrides[key])}`, "invalid_type");
  }
}

/** {@link readOverrides} for a builder that needs some fields: `undefined` is refused too, as is a missing field. */
function readRequired<T extends object>(overrides: T, keys: readonly (keyof T & string)[]): T {
  if (overrides === undefined) throw invalidArgument(WHAT, "overrides", `must be an object with ${keys.join(" and ")}`, "invalid_type");
  const plain = readOverrides<T>(overrides) as Record<string, unknown>;
  for (const key of keys) requireString(plain, key);
  return plain as T;
}

const BUILD_ORGANIZATION_OPTION_KEYS = ["config"] as const;

/** The fields `createOrganization` takes as input (validated and normalized there). */
const ORGANIZATION_INPUT_FIELDS = [
  "externalId",
  "name",
  "type",
  "description",
  "summary",
  "industry",
  "address",
  "contact",
  "tags",
  "parentId",
  "states",
  "usergroupIds",
  "allowedRoles",
  "allowedApps",
  "customFields",
] as const satisfies readonly (keyof CreateOrganizationInput & keyof Organization)[];

/** Options of {@link buildOrganization}. */
export interface BuildOrganizationOptions {
  /** The configuration the input fields are validated against (custom types, states, fields). Default: the default configuration. */
  readonly config?: OrganizationConfig;
}

/**
 * A valid organization, made by `createOrganization` (so input fields are validated and
 * normalized as in production), then with the stored-only fields (`status`,
 * `memberRules`, `version`, timestamps) overridden as given. Defaults: a sequential id,
 * a name from it, created at 2024-01-01T00:00:00.000Z, version 1.
 *
 * @throws `OrgKitError` `VALIDATION_FAILED` for input fields `createOrganization`
 *   refuses, and for overrides or options that are not plain objects or cannot be read.
 *
 * @example
 * ```ts
 * const acme = buildOrganization({ id: "org_acme", name: "Acme", tags: ["Key"] });
 * const old = buildOrganization({ id: "org_old", name: "Old", status: "discontinued", version: 3 });
 * await storage.organizations.insert(acme);
 * ```
 */
export function buildOrganization(overrides?: BuildOverrides<Organization>, options?: BuildOrganizationOptions): Organization {
  const config = readFields(options, BUILD_ORGANIZATION_OPTION_KEYS, "builder options", "options").config as OrganizationConfig | undefined;
  overrides = readOverrides<Organization>(overrides);
  const id = overrides.id ?? nextDefault("org");
  const createdAt = overrides.createdAt ?? DEFAULT_TEST_START;
  const input: Record<string, unknown> = { name: `Organization ${id}` };
  for (const field of ORGANIZATION_INPUT_FIELDS) if (overrides[field] !== undefined) input[field] = overrides[field];
  const { organization } = createOrganization(input as CreateOrganizationInput, {
    id,
    now: createdAt,
    ...(config === undefined ? {} : { config }),
  });
  return Object.freeze({
    ...organization,
    createdAt,
    updatedAt: overrides.updatedAt ?? createdAt,
    memberRules: overrides.memberRules ?? organization.memberRules,
    status: overrides.status ?? organization.status,
    version: overrides.version ?? organization.version,
  });
}

/**
 * A valid user projection. Defaults: a sequential id, kind `user`, no emails, phones or
 * username, registered, no groups, role or profile, version 1.
 *
 * @throws `OrgKitError` `VALIDATION_FAILED` for overrides that are not a plain object or cannot be read.
 *
 * @example
 * ```ts
 * const ann = buildUser({ id: "usr_ann", emails: ["ann@acme.example"] });
 * ```
 */
export function buildUser(overrides?: BuildOverrides<User>): User {
  overrides = readOverrides<User>(overrides);
  return Object.freeze({
    id: nextDefault("usr"),
    kind: "user",
    emails: [],
    username: null,
    phones: [],
    verifiedEmails: [],
    verifiedPhones: [],
    usernameVerified: false,
    registered: true,
    usergroupIds: [],
    platformRole: null,
    profileId: null,
    createdAt: DEFAULT_TEST_START,
    updatedAt: overrides.createdAt ?? DEFAULT_TEST_START,
    version: 1,
    ...overrides,
  });
}

/**
 * A membership of `userId` in `organizationId`. Defaults: role `member`, not admin,
 * source `manual`, created at 2024-01-01T00:00:00.000Z.
 *
 * @throws `OrgKitError` `VALIDATION_FAILED` without string `userId` and
 *   `organizationId`, and for overrides that are not a plain object or cannot be read.
 *
 * @example
 * ```ts
 * const m = buildMembership({ userId: "usr_ann", organizationId: "org_acme", role: "manager" });
 * ```
 */
export function buildMembership(overrides: BuildOverrides<Membership> & Pick<Membership, "userId" | "organizationId">): Membership {
  overrides = readRequired(overrides, ["userId", "organizationId"]);
  return Object.freeze({
    role: "member",
    admin: false,
    source: { type: "manual" } as const,
    createdAt: DEFAULT_TEST_START,
    updatedAt: overrides.createdAt ?? DEFAULT_TEST_START,
    ...overrides,
  });
}

/**
 * A member rule record owned by `organizationId`. Defaults: a sequential id, kind
 * `domain`, value `example.com`, no subdomains, not exclusive.
 *
 * @throws `OrgKitError` `VALIDATION_FAILED` without a string `organizationId`, and
 *   for overrides that are not a plain object or cannot be read.
 */
export function buildMemberRule(overrides: BuildOverrides<MemberRuleRecord> & Pick<MemberRuleRecord, "organizationId">): MemberRuleRecord {
  overrides = readRequired(overrides, ["organizationId"]);
  return Object.freeze({ id: nextDefault("rule"), kind: "domain", value: "example.com", includeSubdomains: false, exclusive: false, ...overrides });
}

/**
 * A resource owned by `organizationId`. Defaults: kind `asset`, a sequential id.
 *
 * @throws `OrgKitError` `VALIDATION_FAILED` without a string `organizationId`, and
 *   for overrides that are not a plain object or cannot be read.
 */
export function buildResource(overrides: BuildOverrides<ResourceOwnership> & Pick<ResourceOwnership, "organizationId">): ResourceOwnership {
  overrides = readRequired(overrides, ["organizationId"]);
  return Object.freeze({ kind: "asset", id: nextDefault("asset"), assignedAt: DEFAULT_TEST_START, ...overrides });
}

/**
 * A stored invitation of `organizationId`. Defaults: a sequential id, email
 * `invitee@example.com`, role `member`, not admin, a token hash made from the id (64 hex
 * digits, unique per id), sent by the system actor `test` at 2024-01-01T00:00:00.000Z,
 * expiring 7 days later, pending, version 1.
 *
 * @throws `OrgKitError` `VALIDATION_FAILED` without a string `organizationId`, and for
 *   overrides that are not a plain object or cannot be read.
 */
export function buildInvitation(overrides: BuildOverrides<InvitationRecord> & Pick<InvitationRecord, "organizationId">): InvitationRecord {
  overrides = readRequired(overrides, ["organizationId"]);
  const id = overrides.id ?? nextDefault("inv");
  return Object.freeze({
    id,
    kind: "email",
    address: "invitee@example.com",
    role: "member",
    admin: false,
    tokenHash: fakeTokenHash(typeof id === "string" ? id : nextDefault("inv-hash")),
    invitedBy: { type: "system", id: "test" } as const,
    createdAt: DEFAULT_TEST_START,
    expiresAt: new Date(Date.parse(DEFAULT_TEST_START) + 7 * 24 * 60 * 60 * 1000).toISOString(),
    status: "pending",
    endedAt: null,
    endedBy: null,
    version: 1,
    ...overrides,
  });
}

/** 64 hex digits derived from `seed` (FNV-1a, eight rounds): the shape of a token hash, distinct per seed. Not a real hash of anything. */
function fakeTokenHash(seed: string): string {
  let out = "";
  for (let round = 0; round < 8; round++) {
    let hash = 0x811c9dc5 ^ round;
    for (let i = 0; i < seed.length; i++) hash = Math.imul(hash ^ seed.charCodeAt(i), 0x01000193) >>> 0;
    out += (hash >>> 0).toString(16).padStart(8, "0");
  }
  return out;
}

/**
 * A usergroup. Defaults: a sequential id, a name from it, no permissions, not built in, version 1.
 *
 * @throws `OrgKitError` `VALIDATION_FAILED` for overrides that are not a plain object or cannot be read.
 */
export function buildUsergroup(overrides?: BuildOverrides<UsergroupRecord>): UsergroupRecord {
  overrides = readOverrides<UsergroupRecord>(overrides);
  const id = overrides.id ?? nextDefault("ug");
  return Object.freeze({
    id,
    name: `Group ${id}`,
    permissions: [],
    builtIn: null,
    createdAt: DEFAULT_TEST_START,
    updatedAt: overrides.createdAt ?? DEFAULT_TEST_START,
    version: 1,
    ...overrides,
  });
}

/**
 * A staff profile. Defaults: a sequential id, a name from it, empty grants, version 1.
 *
 * @throws `OrgKitError` `VALIDATION_FAILED` for overrides that are not a plain object or cannot be read.
 */
export function buildStaffProfile(overrides?: BuildOverrides<StaffProfileRecord>): StaffProfileRecord {
  overrides = readOverrides<StaffProfileRecord>(overrides);
  const id = overrides.id ?? nextDefault("prof");
  return Object.freeze({
    id,
    name: `Profile ${id}`,
    grants: {},
    createdAt: DEFAULT_TEST_START,
    updatedAt: overrides.createdAt ?? DEFAULT_TEST_START,
    version: 1,
    ...overrides,
  });
}

/**
 * An audit event to append. Defaults: type `test.event`, no organization, the `system` actor `test`, empty data.
 *
 * @throws `OrgKitError` `VALIDATION_FAILED` for overrides that are not a plain object or cannot be read.
 */
export function buildAuditEvent(overrides?: BuildOverrides<Omit<AuditEvent, "sequence">>): NewAuditEvent {
  overrides = readOverrides<Omit<AuditEvent, "sequence">>(overrides);
  return Object.freeze({
    type: "test.event",
    organizationId: null,
    actor: { type: "system", id: "test" } as const,
    at: DEFAULT_TEST_START,
    data: {},
    ...overrides,
  });
}
