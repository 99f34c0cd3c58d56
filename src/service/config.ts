import { z } from "zod";
import { customFieldDefinitionSchema } from "../domain/organization/custom-fields.js";
import { resolveOrganizationConfig, type OrganizationConfig } from "../domain/organization/config.js";
import type { CustomFieldDefinitionInput } from "../domain/organization/custom-fields.js";
import type { MembershipPolicy } from "../domain/membership/model.js";
import { parseInput } from "../domain/validation.js";

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
  });
}
