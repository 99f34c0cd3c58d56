import { z } from "zod";
import { customFieldDefinitionSchema } from "../domain/organization/custom-fields.js";
import { resolveOrganizationConfig, type OrganizationConfig } from "../domain/organization/config.js";
import type { CustomFieldDefinitionInput } from "../domain/organization/custom-fields.js";
import type { MembershipPolicy } from "../domain/membership/model.js";
import { DEFAULT_INVITATION_EXPIRY_MS, MAX_INVITATION_EXPIRY_MS, MIN_INVITATION_EXPIRY_MS } from "../domain/invitation/model.js";
import { parseInput } from "../domain/validation.js";
import { BUILT_IN_ORGANIZATION_ROLES } from "../domain/membership/model.js";
import { CASCADE_MODES, MAX_ID_LENGTH, type PolicyAdminRule, type PolicyRoleRule } from "../permissions/snapshot.js";

/**
 * One entry of a declared role list (`config.roles` as an array): a role name, or a role
 * name with what the role confers (the fields of {@link PolicyRoleRule}).
 */
export type RoleDeclaration =
  | string
  | ({
      /** The role name, as memberships, invitations and `allowedRoles` name it: 1–64 characters, no white space at either end, distinct within the list. */
      readonly name: string;
    } & PolicyRoleRule);

/** Configuration of {@link createOrgKit}; every field is optional. */
export interface OrgKitConfigInput {
  /** `"single"`: a user belongs to one organization, assigning moves it (atomically). `"multiple"` (default): any number. Resources always have one owner. */
  readonly membershipPolicy?: MembershipPolicy;
  /** Allowed organization types; the first is the default. Default customer, oem, distributor, sales. */
  readonly organizationTypes?: readonly string[];
  /** State flags (staff profiles grant by their combination). Default service, outreach, opportunities. */
  readonly states?: readonly string[];
  /** Admin-defined custom fields for organizations. */
  readonly customFields?: readonly CustomFieldDefinitionInput[];
  /** Region for phone numbers written without a country code (ISO 3166-1 alpha-2). Default `"US"`. */
  readonly defaultPhoneRegion?: string;
  /** Allow domain rules for free-mail providers (`gmail.com`): `true`, or a list of domains to allow. Default `false`. */
  readonly allowFreeMail?: boolean | readonly string[];
  /** Extra free-mail domains to refuse, on top of the maintained list. */
  readonly extraFreeMailDomains?: readonly string[];
  /** Two organizations claiming the same rule value: `"reject"` (default) or `"allow"`. */
  readonly ruleConflict?: "reject" | "allow";
  /** Deepest allowed nesting (a root has depth 0). Default unlimited. */
  readonly maxDepth?: number;
  /**
   * Active organizations' names are unique, case-insensitively. Default `true`. Storage
   * adapters enforce it too (`memoryStorage({ uniqueNames })`, `postgresStorage({ uniqueNames })`):
   * configure both alike.
   */
  readonly uniqueNames?: boolean;
  /** Lower-case the local part of email addresses. Default `true`. */
  readonly lowercaseEmailLocalPart?: boolean;
  /**
   * Member rules link users by *verified* identities only (emails, phones and usernames
   * the system actor or a platform admin marked verified), so nobody joins an
   * organization by typing an address. Set `true` only when the host never passes an
   * identity it has not verified itself: then every identity counts as verified, and
   * only the system actor and platform admins may change a user's identities at all.
   * Default `false`.
   */
  readonly identitiesVerifiedUpstream?: boolean;
  /**
   * How many revisions the change feed keeps (`kit.changes.since`). Older entries are
   * pruned as writes go on; a reader behind them gets `CHANGES_EXPIRED` and takes a fresh
   * snapshot. Default 100,000.
   */
  readonly changeFeedRetention?: number;
  /**
   * How stale `kit.policy()` / `can` / `explain` may answer without asking storage, in
   * milliseconds, while a change listener is running (see `kit.changes.listen`). Without
   * a listener every call checks the latest revision (one query). Default 1,000.
   */
  readonly maxStalenessMs?: number;
  /**
   * How long an invitation stays acceptable, in milliseconds, unless `kit.invitations.create`
   * asks for another expiry. From one minute to 90 days; default 7 days (604,800,000).
   */
  readonly invitationExpiryMs?: number;
  /**
   * What organization roles confer, by role name. Default: `manager` sees every ticket of
   * its organization, every other role is plain, and nothing cascades — each
   * organization's access is its own, as the seed describes (a parent's manager sees
   * nothing of its children). `seesOrganizationTickets` defaults to `true` for `manager`
   * only; `cascade: "descendants"` makes the role read, access the resources of, and
   * (if it sees tickets) see the tickets of every organization below its own, until a
   * discontinued organization stops it. See "Cascading access" in docs/permissions.md.
   *
   * Two forms. A record of rules by role name (above) says what roles confer and leaves
   * the role names open: any name is a role. A list declares the roles — the built-in
   * `member` and `manager` and the ones listed — as a closed vocabulary: a membership,
   * invitation, user upsert or `allowedRoles` with another role is `VALIDATION_FAILED`,
   * and with {@link defineConfig} the kit's types refuse it too. A list entry is a name,
   * or a name with its rule: `["technician", { name: "manager", cascade: "descendants" }]`.
   *
   * @example
   * ```ts
   * createOrgKit({ storage, config: { roles: { manager: { seesOrganizationTickets: true, cascade: "descendants" } } } });
   * ```
   */
  readonly roles?: readonly RoleDeclaration[] | Readonly<Record<string, PolicyRoleRule>>;
  /**
   * The usergroup permissions the host uses (`"portal.tickets.create"`, …). Declared, they
   * are a closed vocabulary: a usergroup created or updated with another permission, and
   * `kit.can` / `kit.explain` asked about another, are `VALIDATION_FAILED`; with
   * {@link defineConfig} the kit's types refuse them too (see docs/typed-kits.md).
   * Undeclared (default), any permission name goes.
   */
  readonly permissions?: readonly string[];
  /**
   * What the membership `admin` flag confers beyond its organization. With
   * `cascade: "descendants"`, an org admin also manages the plain members of every
   * organization below its own (never their admins, never platform admins), assigns their
   * `allowedRoles`, uses their `allowedApps` and reads them. Default: no cascade.
   */
  readonly admins?: PolicyAdminRule;
  /**
   * Domain rules and proof (see `kit.rules.proveDomain`). `proof: "optional"` (default,
   * the behaviour before proofs existed): a domain rule links users as soon as it is
   * added, and a proof only blocks other organizations' claims on the domain. `"required"`:
   * a domain rule links nobody until it is proven; proving it links the users it matches.
   * `dnsTimeoutMs` bounds one TXT lookup (default 5,000).
   *
   * @example
   * ```ts
   * createOrgKit({ storage, config: { domainRules: { proof: "required" } } });
   * ```
   */
  readonly domainRules?: {
    /** `"optional"` (default): a domain rule links users as soon as it is added; `"required"`: it links nobody until it is proven. */
    readonly proof?: "optional" | "required";
    /** Timeout of one DNS TXT lookup while proving a domain, in milliseconds: 1–60,000, default 5,000. */
    readonly dnsTimeoutMs?: number;
  };
}

/** The resolved configuration (defaults applied); see {@link OrgKitConfigInput} for what each setting does. */
export interface OrgKitConfig {
  /** `"single"` (a user belongs to one organization) or `"multiple"` (default). */
  readonly membershipPolicy: MembershipPolicy;
  /** What organizations are validated against: the types (the first is the default type), state flags and custom field definitions, from `organizationTypes`, `states` and `customFields`. */
  readonly organization: OrganizationConfig;
  /** Region assumed for phone numbers written without a country code (ISO 3166-1 alpha-2, default `"US"`). */
  readonly defaultPhoneRegion: string;
  /** Whether domain rules may name free-mail providers: `true` for all, a list for just those domains, `false` (default) for none. */
  readonly allowFreeMail: boolean | readonly string[];
  /** Domains refused as free mail on top of the maintained list (default none). */
  readonly extraFreeMailDomains: readonly string[];
  /** What happens when two organizations claim the same rule value: `"reject"` (default, `RULE_CONFLICT`) or `"allow"`. */
  readonly ruleConflict: "reject" | "allow";
  /** Deepest allowed nesting (a root has depth 0); `undefined` when unlimited (default). */
  readonly maxDepth: number | undefined;
  /** Whether active organizations' names must be unique, case-insensitively (default `true`). */
  readonly uniqueNames: boolean;
  /** Whether the local part of email addresses is lower-cased when normalized (default `true`). */
  readonly lowercaseEmailLocalPart: boolean;
  /** Whether every identity counts as verified for member rules (default `false`: only identities marked verified link users). */
  readonly identitiesVerifiedUpstream: boolean;
  /** How many revisions the change feed keeps before older entries are pruned (default 100,000). */
  readonly changeFeedRetention: number;
  /** How stale `kit.policy()`, `can` and `explain` may answer while a change listener runs, in milliseconds (default 1,000). */
  readonly maxStalenessMs: number;
  /** How long an invitation stays acceptable unless it asks for another expiry (milliseconds). */
  readonly invitationExpiryMs: number;
  /** The configured role rules; `undefined` when none were configured (policy snapshots then carry no `roles`). */
  readonly roles: Readonly<Record<string, PolicyRoleRule>> | undefined;
  /**
   * The declared vocabularies: the organization roles (the built-in ones first) when
   * `roles` was given as a list, the usergroup permissions when `permissions` was given;
   * `null` where nothing was declared (any name goes).
   */
  readonly vocabulary: {
    /** The declared organization roles, `member` and `manager` first; `null` unless `roles` was given as a list. */
    readonly roles: readonly string[] | null;
    /** The declared usergroup permissions; `null` unless `permissions` was given. */
    readonly permissions: readonly string[] | null;
  };
  /** The configured admin rule; `undefined` when none was configured. */
  readonly admins: PolicyAdminRule | undefined;
  /** Whether domain rules must be proven before they link anyone, and the DNS lookup timeout. */
  readonly domainRules: {
    /** `"optional"` (default): a domain rule links users at once, a proof only blocks other claims; `"required"`: it links nobody until proven. */
    readonly proof: "optional" | "required";
    /** Timeout of one DNS TXT lookup while proving a domain, in milliseconds (default 5,000). */
    readonly dnsTimeoutMs: number;
  };
}

const cascadeSchema = z.enum(CASCADE_MODES);
const roleRuleFields = { seesOrganizationTickets: z.boolean().optional(), cascade: cascadeSchema.optional() };
/** A declared name is used as written: a name with white space at either end could never be matched (inputs are trimmed). */
const declaredName = (max: number) => z.string().min(1).max(max).refine((name) => name.trim() === name, "must not start or end with white space");
const roleName = declaredName(64);
const roleList = z
  .array(either((entry) => typeof entry === "string", roleName, z.object({ name: roleName, ...roleRuleFields }).strict()))
  .max(1000)
  .superRefine((entries, ctx) => uniqueNames(entries.map((entry) => (typeof entry === "string" ? entry : entry.name)), "role", ctx));
const roleRecord = z.record(z.string().min(1).max(MAX_ID_LENGTH), z.object(roleRuleFields).strict());
/** `roles`: a list (declared roles) or a record of rules. */
const rolesSchema = either((value) => Array.isArray(value), roleList, roleRecord);

/**
 * `first` when `test` holds for the value, else `second`: a union told apart up front, so
 * an issue keeps its path and code inside the schema meant (a zod union reports only
 * that no option fits).
 */
function either<A extends z.ZodType, B extends z.ZodType>(test: (value: unknown) => boolean, first: A, second: B) {
  return z.unknown().transform((value, ctx): z.output<A> | z.output<B> => {
    const result = (test(value) ? first : second).safeParse(value);
    if (result.success) return result.data as z.output<A> | z.output<B>;
    for (const issue of result.error.issues) ctx.addIssue(issue as Parameters<typeof ctx.addIssue>[0]);
    return z.NEVER;
  });
}
const permissionList = z.array(declaredName(128)).max(10_000).superRefine((names, ctx) => uniqueNames(names, "permission", ctx));

function uniqueNames(names: readonly string[], what: string, ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  names.forEach((name, index) => {
    if (seen.has(name)) ctx.addIssue({ code: "custom", path: [index], message: `duplicate ${what} '${name}'` });
    seen.add(name);
  });
}

const configSchema = z
  .object({
    membershipPolicy: z.enum(["single", "multiple"]).default("multiple"),
    organizationTypes: z.array(z.string()).optional(),
    states: z.array(z.string()).optional(),
    customFields: z.array(customFieldDefinitionSchema).optional(),
    defaultPhoneRegion: z.string().regex(/^[A-Z]{2}$/, "must be an ISO 3166-1 alpha-2 region such as 'US'").default("US"),
    allowFreeMail: z.union([z.boolean(), z.array(z.string().min(1))]).default(false),
    extraFreeMailDomains: z.array(z.string().min(1)).default([]),
    ruleConflict: z.enum(["reject", "allow"]).default("reject"),
    maxDepth: z.number().int().min(0).optional(),
    uniqueNames: z.boolean().default(true),
    lowercaseEmailLocalPart: z.boolean().default(true),
    identitiesVerifiedUpstream: z.boolean().default(false),
    changeFeedRetention: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).default(100_000),
    maxStalenessMs: z.number().int().min(0).max(86_400_000).default(1_000),
    invitationExpiryMs: z.number().int().min(MIN_INVITATION_EXPIRY_MS).max(MAX_INVITATION_EXPIRY_MS).default(DEFAULT_INVITATION_EXPIRY_MS),
    roles: rolesSchema.optional(),
    permissions: permissionList.optional(),
    admins: z.object({ cascade: cascadeSchema.optional() }).strict().optional(),
    domainRules: z
      .object({ proof: z.enum(["optional", "required"]).default("optional"), dnsTimeoutMs: z.number().int().min(1).max(60_000).default(5_000) })
      .strict()
      .default({ proof: "optional", dnsTimeoutMs: 5_000 }),
  })
  .strict();

/**
 * Declares a kit's configuration once, keeping its literal types: the permissions, roles
 * (as a list), organization types, states and custom fields it lists become the types of
 * the kit that {@link createOrgKit} makes from it, so a misspelled permission, role, type,
 * state or custom field key fails the type check, and custom fields come back with their
 * declared value types. At run time it returns `config` as it is (the kit validates it,
 * and enforces the declared vocabularies). A configuration written without it keeps
 * `string` everywhere, as before. See docs/typed-kits.md.
 *
 * @example
 * ```ts
 * const config = defineConfig({
 *   permissions: ["portal.tickets.create", "kb.advanced"],
 *   roles: ["technician", { name: "manager", cascade: "descendants" }],
 *   organizationTypes: ["customer", "partner"],
 *   states: ["service", "outreach"],
 *   customFields: [{ key: "tier", type: "select", options: ["gold", "silver"], required: true }],
 * });
 * const kit = createOrgKit({ storage, config });
 * await kit.can("u1", "portal.tickets.create"); // "portal.tickts.create" does not compile
 * ```
 */
export function defineConfig<const C extends OrgKitConfigInput>(config: C): C {
  return config;
}

/** Validates the configuration; throws `VALIDATION_FAILED` with paths. */
export function resolveOrgKitConfig(input: OrgKitConfigInput = {}): OrgKitConfig {
  const data = parseInput(configSchema, input, "orgkit config", ["config"]);
  const organization = resolveOrganizationConfig({
    ...(data.organizationTypes ? { types: data.organizationTypes } : {}),
    ...(data.states ? { states: data.states } : {}),
    ...(data.customFields ? { customFields: data.customFields } : {}),
  });
  return Object.freeze({
    membershipPolicy: data.membershipPolicy,
    organization,
    defaultPhoneRegion: data.defaultPhoneRegion,
    allowFreeMail: data.allowFreeMail,
    extraFreeMailDomains: data.extraFreeMailDomains,
    ruleConflict: data.ruleConflict,
    maxDepth: data.maxDepth,
    uniqueNames: data.uniqueNames,
    lowercaseEmailLocalPart: data.lowercaseEmailLocalPart,
    identitiesVerifiedUpstream: data.identitiesVerifiedUpstream,
    changeFeedRetention: data.changeFeedRetention,
    maxStalenessMs: data.maxStalenessMs,
    invitationExpiryMs: data.invitationExpiryMs,
    roles: roleRules(data.roles),
    vocabulary: Object.freeze({
      roles: Array.isArray(data.roles) ? Object.freeze(declaredRoles(data.roles)) : null,
      permissions: data.permissions === undefined ? null : Object.freeze([...data.permissions]),
    }),
    admins: data.admins === undefined ? undefined : Object.freeze(data.admins.cascade === undefined ? {} : { cascade: data.admins.cascade }),
    domainRules: Object.freeze({ proof: data.domainRules.proof, dnsTimeoutMs: data.domainRules.dnsTimeoutMs }),
  });
}

type RoleRuleInput = { readonly seesOrganizationTickets?: boolean | undefined; readonly cascade?: PolicyRoleRule["cascade"] | undefined };

/**
 * The role rules, by role name: the record as given, or the list entries that carry a
 * rule (`undefined` when none does, so a list of names alone makes the same policy
 * snapshots, and the same configuration fingerprint, as no `roles` at all).
 */
function roleRules(roles: readonly (string | ({ readonly name: string } & RoleRuleInput))[] | Readonly<Record<string, RoleRuleInput>> | undefined): OrgKitConfig["roles"] {
  if (roles === undefined) return undefined;
  const entries: [string, RoleRuleInput][] = Array.isArray(roles)
    ? roles.flatMap((entry) => (typeof entry === "string" || (entry.seesOrganizationTickets === undefined && entry.cascade === undefined) ? [] : [[entry.name, entry] as [string, RoleRuleInput]]))
    : Object.entries(roles as Readonly<Record<string, RoleRuleInput>>);
  if (Array.isArray(roles) && entries.length === 0) return undefined;
  return Object.freeze(Object.fromEntries(entries.map(([role, rule]) => [role, roleRule(rule)])));
}

/** The declared role vocabulary: the built-in roles (which orgkit itself assigns: rules and invitations default to `member`), then the listed ones. */
function declaredRoles(entries: readonly (string | { readonly name: string })[]): string[] {
  const names = entries.map((entry) => (typeof entry === "string" ? entry : entry.name));
  return [...new Set<string>([...BUILT_IN_ORGANIZATION_ROLES, ...names])];
}

/** A role rule as plain JSON (no `undefined` values: it goes into policy snapshots as it is). */
function roleRule(rule: RoleRuleInput): PolicyRoleRule {
  return Object.freeze({
    ...(rule.seesOrganizationTickets === undefined ? {} : { seesOrganizationTickets: rule.seesOrganizationTickets }),
    ...(rule.cascade === undefined ? {} : { cascade: rule.cascade }),
  });
}
