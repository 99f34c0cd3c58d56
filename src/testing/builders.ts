import type { Membership, MemberRuleRecord, ResourceOwnership, User } from "../domain/membership/model.js";
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
 * @example
 * ```ts
 * const acme = buildOrganization({ id: "org_acme", name: "Acme", tags: ["Key"] });
 * const old = buildOrganization({ id: "org_old", name: "Old", status: "discontinued", version: 3 });
 * await storage.organizations.insert(acme);
 * ```
 */
export function buildOrganization(overrides: BuildOverrides<Organization> = {}, options: BuildOrganizationOptions = {}): Organization {
  const id = overrides.id ?? nextDefault("org");
  const createdAt = overrides.createdAt ?? DEFAULT_TEST_START;
  const input: Record<string, unknown> = { name: `Organization ${id}` };
  for (const field of ORGANIZATION_INPUT_FIELDS) if (overrides[field] !== undefined) input[field] = overrides[field];
  const { organization } = createOrganization(input as CreateOrganizationInput, {
    id,
    now: createdAt,
    ...(options.config === undefined ? {} : { config: options.config }),
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
 * @example
 * ```ts
 * const ann = buildUser({ id: "usr_ann", emails: ["ann@acme.example"] });
 * ```
 */
export function buildUser(overrides: BuildOverrides<User> = {}): User {
  return Object.freeze({
    id: nextDefault("usr"),
    kind: "user",
    emails: [],
    username: null,
    phones: [],
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
 * @example
 * ```ts
 * const m = buildMembership({ userId: "usr_ann", organizationId: "org_acme", role: "manager" });
 * ```
 */
export function buildMembership(overrides: BuildOverrides<Membership> & Pick<Membership, "userId" | "organizationId">): Membership {
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
 */
export function buildMemberRule(overrides: BuildOverrides<MemberRuleRecord> & Pick<MemberRuleRecord, "organizationId">): MemberRuleRecord {
  return Object.freeze({ id: nextDefault("rule"), kind: "domain", value: "example.com", includeSubdomains: false, exclusive: false, ...overrides });
}

/** A resource owned by `organizationId`. Defaults: kind `asset`, a sequential id. */
export function buildResource(overrides: BuildOverrides<ResourceOwnership> & Pick<ResourceOwnership, "organizationId">): ResourceOwnership {
  return Object.freeze({ kind: "asset", id: nextDefault("asset"), assignedAt: DEFAULT_TEST_START, ...overrides });
}

/** A usergroup. Defaults: a sequential id, a name from it, no permissions, not built in, version 1. */
export function buildUsergroup(overrides: BuildOverrides<UsergroupRecord> = {}): UsergroupRecord {
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

/** A staff profile. Defaults: a sequential id, a name from it, empty grants, version 1. */
export function buildStaffProfile(overrides: BuildOverrides<StaffProfileRecord> = {}): StaffProfileRecord {
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

/** An audit event to append. Defaults: type `test.event`, no organization, the `system` actor `test`, empty data. */
export function buildAuditEvent(overrides: BuildOverrides<Omit<AuditEvent, "sequence">> = {}): NewAuditEvent {
  return Object.freeze({
    type: "test.event",
    organizationId: null,
    actor: { type: "system", id: "test" } as const,
    at: DEFAULT_TEST_START,
    data: {},
    ...overrides,
  });
}
