import { z } from "zod";
import { customFieldDefinitionSchema } from "../domain/organization/custom-fields.js";
import { resolveOrganizationConfig, type OrganizationConfig } from "../domain/organization/config.js";
import type { CustomFieldDefinitionInput } from "../domain/organization/custom-fields.js";
import type { MembershipPolicy } from "../domain/membership/model.js";
import { DEFAULT_INVITATION_EXPIRY_MS, MAX_INVITATION_EXPIRY_MS, MIN_INVITATION_EXPIRY_MS } from "../domain/invitation/model.js";
import { parseInput } from "../domain/validation.js";
import { CASCADE_MODES, MAX_ID_LENGTH, type PolicyAdminRule, type PolicyRoleRule } from "../permissions/snapshot.js";

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
   * @example
   * ```ts
   * createOrgKit({ storage, config: { roles: { manager: { seesOrganizationTickets: true, cascade: "descendants" } } } });
   * ```
   */
  readonly roles?: Readonly<Record<string, PolicyRoleRule>>;
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
  readonly domainRules?: { readonly proof?: "optional" | "required"; readonly dnsTimeoutMs?: number };
}

/** The resolved configuration (defaults applied). */
export interface OrgKitConfig {
  readonly membershipPolicy: MembershipPolicy;
  readonly organization: OrganizationConfig;
  readonly defaultPhoneRegion: string;
  readonly allowFreeMail: boolean | readonly string[];
  readonly extraFreeMailDomains: readonly string[];
  readonly ruleConflict: "reject" | "allow";
  readonly maxDepth: number | undefined;
  readonly uniqueNames: boolean;
  readonly lowercaseEmailLocalPart: boolean;
  readonly identitiesVerifiedUpstream: boolean;
  readonly changeFeedRetention: number;
  readonly maxStalenessMs: number;
  /** How long an invitation stays acceptable unless it asks for another expiry (milliseconds). */
  readonly invitationExpiryMs: number;
  /** The configured role rules; `undefined` when none were configured (policy snapshots then carry no `roles`). */
  readonly roles: Readonly<Record<string, PolicyRoleRule>> | undefined;
  /** The configured admin rule; `undefined` when none was configured. */
  readonly admins: PolicyAdminRule | undefined;
  /** Whether domain rules must be proven before they link anyone, and the DNS lookup timeout. */
  readonly domainRules: { readonly proof: "optional" | "required"; readonly dnsTimeoutMs: number };
}

const cascadeSchema = z.enum(CASCADE_MODES);

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
    roles: z
      .record(
        z.string().min(1).max(MAX_ID_LENGTH),
        z.object({ seesOrganizationTickets: z.boolean().optional(), cascade: cascadeSchema.optional() }).strict(),
      )
      .optional(),
    admins: z.object({ cascade: cascadeSchema.optional() }).strict().optional(),
    domainRules: z
      .object({ proof: z.enum(["optional", "required"]).default("optional"), dnsTimeoutMs: z.number().int().min(1).max(60_000).default(5_000) })
      .strict()
      .default({ proof: "optional", dnsTimeoutMs: 5_000 }),
  })
  .strict();

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
    roles: data.roles === undefined ? undefined : Object.freeze(Object.fromEntries(Object.entries(data.roles).map(([role, rule]) => [role, roleRule(rule)]))),
    admins: data.admins === undefined ? undefined : Object.freeze(data.admins.cascade === undefined ? {} : { cascade: data.admins.cascade }),
    domainRules: Object.freeze({ proof: data.domainRules.proof, dnsTimeoutMs: data.domainRules.dnsTimeoutMs }),
  });
}

/** A role rule as plain JSON (no `undefined` values: it goes into policy snapshots as it is). */
function roleRule(rule: { readonly seesOrganizationTickets?: boolean | undefined; readonly cascade?: PolicyRoleRule["cascade"] | undefined }): PolicyRoleRule {
  return Object.freeze({
    ...(rule.seesOrganizationTickets === undefined ? {} : { seesOrganizationTickets: rule.seesOrganizationTickets }),
    ...(rule.cascade === undefined ? {} : { cascade: rule.cascade }),
  });
}
