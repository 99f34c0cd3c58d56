import { z } from "zod";
import { idString } from "../validation.js";
import { customFieldsSchema } from "./custom-fields.js";
import { ORGANIZATION_STATUSES, type OrganizationStatus } from "../../permissions/snapshot.js";
import { checkOrganizationConfig, type OrganizationConfig } from "./config.js";
import type { CustomFieldValue } from "./custom-fields.js";
import type { OrganizationVocabulary } from "./vocabulary.js";

// Declared once in the dependency-free `permissions/`; re-exported under the same names.
export { ORGANIZATION_STATUSES, type OrganizationStatus } from "../../permissions/snapshot.js";

/** The kinds of member rule: how a person is matched to an organization. */
export const MEMBER_RULE_KINDS = ["email", "domain", "username", "phone"] as const;
/** One of {@link MEMBER_RULE_KINDS}. */
export type MemberRuleKind = (typeof MEMBER_RULE_KINDS)[number];

/**
 * Ids: opaque strings of 1–128 characters chosen by the host or the id generator,
 * compared exactly (never trimmed or case-folded); white space at either end, control
 * characters, U+0000 and unpaired surrogates are refused.
 */
export const idSchema = idString();

const text = (max: number) => z.string().trim().max(max);
const name = z.string().trim().min(1, "must not be empty").max(200);
/** A tag: trimmed, 1–64 characters. Tags are de-duplicated case-insensitively (first spelling kept). */
const tag = z.string().trim().min(1, "must not be empty").max(64);
const label = z.string().trim().min(1, "must not be empty").max(128);

function uniqueBy<T>(values: readonly T[], key: (value: T) => string): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const value of values) {
    const k = key(value);
    if (!seen.has(k)) {
      seen.add(k);
      out.push(value);
    }
  }
  return out;
}

/** Tags, trimmed and de-duplicated case-insensitively. */
export const tagsSchema = z.array(tag).max(100).transform((tags) => uniqueBy(tags, (t) => t.toLowerCase()));
const idList = z.array(idSchema).max(1000).transform((ids) => uniqueBy(ids, (id) => id));
const labelList = z.array(label).max(1000).transform((values) => uniqueBy(values, (v) => v));

const addressFields = {
  /** First address line (street and number), up to 200 characters. */
  line1: text(200),
  /** Second address line (suite, floor…), up to 200 characters. */
  line2: text(200),
  /** City, up to 100 characters. */
  city: text(100),
  /** State, province or region, up to 100 characters. */
  region: text(100),
  /** ISO 3166-1 alpha-2 country code, upper-cased (`US`); empty when unknown. */
  country: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^([A-Z]{2})?$/, "must be an ISO 3166-1 alpha-2 country code such as 'US'"),
  /** Postal code, up to 20 characters. */
  postalCode: text(20),
};

/** Postal address; every part optional (empty string when unknown). `country` is an ISO 3166-1 alpha-2 code. */
export const addressSchema = z
  .object({
    /** First address line (street and number), up to 200 characters; empty when unknown. */
    line1: addressFields.line1.default(""),
    /** Second address line (suite, floor…), up to 200 characters; empty when unknown. */
    line2: addressFields.line2.default(""),
    /** City, up to 100 characters; empty when unknown. */
    city: addressFields.city.default(""),
    /** State, province or region, up to 100 characters; empty when unknown. */
    region: addressFields.region.default(""),
    /** ISO 3166-1 alpha-2 country code, upper-cased (`US`); empty when unknown. */
    country: addressFields.country.default(""),
    /** Postal code, up to 20 characters; empty when unknown. */
    postalCode: addressFields.postalCode.default(""),
  })
  .strict();
/** A partial address for patches: only the parts given change. */
export const addressPatchSchema = z.object(addressFields).partial().strict();
/** A postal address (see {@link addressSchema}). */
export type Address = z.output<typeof addressSchema>;

const contactFields = {
  /** Email addresses, trimmed and lower-cased, de-duplicated; at most 50. */
  emails: z
    .array(z.string().trim().toLowerCase().pipe(z.email()))
    .max(50)
    .transform((v) => uniqueBy(v, (e) => e)),
  /** Phone numbers as entered (trimmed, 3–40 characters), de-duplicated; at most 50. */
  phones: z
    .array(z.string().trim().min(3).max(40))
    .max(50)
    .transform((v) => uniqueBy(v, (p) => p)),
  /** An `http` or `https` URL; empty when none. */
  website: z.union([z.literal(""), z.url({ protocol: /^https?$/ })]),
  /** Social handles by network name (`linkedin` → `acme-inc`): keys up to 40 characters, values up to 300. */
  social: z.record(z.string().trim().min(1).max(40), z.string().trim().min(1).max(300)),
};

/** Contact information: emails (lower-cased), phone numbers as entered, a website and social handles. */
export const contactSchema = z
  .object({
    /** Email addresses, trimmed and lower-cased, de-duplicated; at most 50. */
    emails: contactFields.emails.default([]),
    /** Phone numbers as entered (trimmed, 3–40 characters), de-duplicated; at most 50. */
    phones: contactFields.phones.default([]),
    /** An `http` or `https` URL; empty when none. */
    website: contactFields.website.default(""),
    /** Social handles by network name (`linkedin` → `acme-inc`). */
    social: contactFields.social.default({}),
  })
  .strict();
/** A partial contact for patches: only the parts given change. */
export const contactPatchSchema = z.object(contactFields).partial().strict();
/** Contact information (see {@link contactSchema}). */
export type Contact = z.output<typeof contactSchema>;

/** A member rule as stored on an organization; values are normalized by `orgkit/matching`. */
export const memberRuleSchema = z
  .object({
    /** The rule's id. */
    id: idSchema,
    /** What the rule matches: an exact `email`, an email `domain`, a `username` or a `phone` number. */
    kind: z.enum(MEMBER_RULE_KINDS),
    /** The normalized value matched (a lower-cased address or domain, an E.164 number…), up to 320 characters. */
    value: z.string().min(1).max(320),
    /** For a `domain` rule: also match addresses at its subdomains. Default `false`. */
    includeSubdomains: z.boolean().default(false),
  })
  .strict();
/**
 * A member rule as stored on an organization: the `orgkit/matching` rule
 * (`MemberRule`) without its owner, which is the organization holding it.
 */
export type OrganizationMemberRule = z.output<typeof memberRuleSchema>;

const timestamp = z.iso.datetime({ offset: true });

/**
 * The Organization aggregate as stored and returned. All fields are always present
 * (`null` or empty when unset), so the object round-trips through JSON unchanged.
 */
export interface Organization<V extends OrganizationVocabulary = OrganizationVocabulary> {
  /** The organization's id, chosen by the host or the id generator. */
  readonly id: string;
  /** The host's own id for this organization (customer id); unique when set. */
  readonly externalId: string | null;
  /** Display name, trimmed, 1–200 characters. */
  readonly name: string;
  /** One of the configured organization types. */
  readonly type: V["organizationType"];
  /** Free text, up to 5000 characters; empty when unset. */
  readonly description: string;
  /** A short free-text summary, up to 5000 characters; empty when unset. */
  readonly summary: string;
  /** Free text, up to 200 characters; empty when unset. */
  readonly industry: string;
  /** Postal address; parts are empty strings when unknown. */
  readonly address: Address;
  /** Emails, phones, website and social handles. */
  readonly contact: Contact;
  /** Tags, 1–64 characters each, de-duplicated case-insensitively (first spelling kept); at most 100. */
  readonly tags: readonly string[];
  /** The parent organization, or `null` for a root. */
  readonly parentId: string | null;
  /** Subset of the configured state flags, in configured order. */
  readonly states: readonly V["state"][];
  /** The rules that make people members automatically (by email, domain, username or phone). */
  readonly memberRules: readonly OrganizationMemberRule[];
  /** Usergroups linked to this organization: its members get their permissions. */
  readonly usergroupIds: readonly string[];
  /** Roles this organization's admins may assign to its users. */
  readonly allowedRoles: readonly V["role"][];
  /** Apps this organization's admins may use. */
  readonly allowedApps: readonly string[];
  /** Values of the configured custom fields, by field key; optional fields without a value are absent. */
  readonly customFields: V["customFields"];
  /** `active`, or `discontinued` (soft-deleted: its memberships are dormant). */
  readonly status: OrganizationStatus;
  /**
   * Set when this organization was merged into another (`kit.organizations.merge`): the id
   * of the organization that took its members, resources, rules and children. A merged
   * organization is discontinued for good, a redirect: lookups by its id or external id
   * lead to the survivor. Absent on every organization that was never merged (so records
   * stored before the field existed stay valid).
   */
  readonly mergedInto?: string;
  /** When it was created (ISO 8601). */
  readonly createdAt: string;
  /** When it was last changed (ISO 8601). */
  readonly updatedAt: string;
  /** Starts at 1; every successful command adds 1. */
  readonly version: number;
}

/**
 * Memoizes a schema builder per configuration: building a zod schema costs far more than
 * using one, and commands run with the same (frozen) configuration every time. The
 * configuration is checked first (once per object), so a bad one is `VALIDATION_FAILED`,
 * never a `TypeError` from the builder.
 */
function perConfig<T>(build: (config: OrganizationConfig) => T): (config?: OrganizationConfig) => T {
  const cache = new WeakMap<OrganizationConfig, T>();
  return (config) => {
    const checked = checkOrganizationConfig(config);
    let schema = cache.get(checked);
    if (schema === undefined) {
      schema = build(checked);
      cache.set(checked, schema);
    }
    return schema;
  };
}

/**
 * Builds the schema of a stored organization for a configuration (default: the default
 * configuration).
 *
 * @throws {@link orgkit!OrgKitError | OrgKitError} `VALIDATION_FAILED` (paths under `config`) when `config` is
 *   not a valid configuration (see {@link orgkit/domain!resolveOrganizationConfig | resolveOrganizationConfig}) or cannot be read.
 */
export const organizationSchema = perConfig((config) =>
  z
    .object({
      id: idSchema,
      externalId: idSchema.nullable(),
      name,
      type: z.enum(config.types as [string, ...string[]]),
      description: text(5000),
      summary: text(5000),
      industry: text(200),
      address: addressSchema,
      contact: contactSchema,
      tags: tagsSchema,
      parentId: idSchema.nullable(),
      states: statesSchema(config),
      memberRules: z.array(memberRuleSchema),
      usergroupIds: idList,
      allowedRoles: labelList,
      allowedApps: labelList,
      customFields: customFieldsSchema(config.customFields),
      status: z.enum(ORGANIZATION_STATUSES),
      mergedInto: idSchema.optional(),
      createdAt: timestamp,
      updatedAt: timestamp,
      version: z.number().int().min(1),
    })
    .strict(),
);

/**
 * Schema of a state-flag list for a configuration: known flags only, de-duplicated, in
 * configured order.
 *
 * @throws {@link orgkit!OrgKitError | OrgKitError} `VALIDATION_FAILED` for a bad configuration, as {@link organizationSchema}.
 */
export const statesSchema = perConfig((config) => {
  const order = config.states;
  const flag = config.states.length > 0 ? z.enum(order as [string, ...string[]]) : z.never();
  return z.array(flag).transform((states) => order.filter((s) => states.includes(s)));
});

/**
 * Builds the schema of the input to `createOrganization` for a configuration.
 *
 * @throws {@link orgkit!OrgKitError | OrgKitError} `VALIDATION_FAILED` for a bad configuration, as {@link organizationSchema}.
 */
export const createOrganizationInputSchema = perConfig((config) =>
  z
    .object({
      externalId: idSchema.nullish().transform((v) => v ?? null),
      name,
      type: z.enum(config.types as [string, ...string[]]).optional(),
      description: text(5000).default(""),
      summary: text(5000).default(""),
      industry: text(200).default(""),
      address: addressSchema.default(addressSchema.parse({})),
      contact: contactSchema.default(contactSchema.parse({})),
      tags: tagsSchema.default([]),
      parentId: idSchema.nullish().transform((v) => v ?? null),
      states: statesSchema(config).default([]),
      usergroupIds: idList.default([]),
      allowedRoles: labelList.default([]),
      allowedApps: labelList.default([]),
      customFields: customFieldsSchema(config.customFields).prefault({}),
    })
    .strict(),
);

/**
 * Input accepted by `createOrganization` (before defaults are applied). Typed by a kit's
 * declared vocabulary `V` (see `defineConfig`): its type, states, allowed roles and
 * custom fields (a required one required); without one, as the schema takes it.
 */
export type CreateOrganizationInput<V extends OrganizationVocabulary = OrganizationVocabulary> = OrganizationVocabulary extends Pick<V, keyof OrganizationVocabulary>
  ? z.input<ReturnType<typeof createOrganizationInputSchema>>
  : (Omit<z.input<ReturnType<typeof createOrganizationInputSchema>>, "type" | "states" | "allowedRoles" | "customFields"> & {
        /** One of the declared organization types; default the first one declared. */
        readonly type?: V["organizationType"];
        /** Declared state flags (stored de-duplicated, in declared order); default none. */
        readonly states?: readonly V["state"][];
        /** Declared roles this organization's admins may assign to its users (platform admins only); default none. */
        readonly allowedRoles?: readonly V["role"][];
      } & (string extends keyof V["customFields"]
        ? {
            /** Values of the configured custom fields, by field key; default none. */
            readonly customFields?: Readonly<Record<string, CustomFieldValue>>;
          }
        : {} extends V["customFields"]
          ? {
              /** Values of the declared custom fields, by key, each of its declared type; none is required. */
              readonly customFields?: V["customFields"];
            }
          : {
              /** Values of the declared custom fields, by key, each of its declared type; required since a declared field is `required`. */
              readonly customFields: V["customFields"];
            })) extends infer O
    ? { [K in keyof O]: O[K] }
    : never;

/**
 * Builds the schema of an `updateOrganization` patch: any subset of the editable
 * fields; `address` and `contact` are merged part by part, `customFields` key by key
 * (`null` removes an optional field). Name, parent, status and member rules have
 * their own commands.
 *
 * @throws {@link orgkit!OrgKitError | OrgKitError} `VALIDATION_FAILED` for a bad configuration, as {@link organizationSchema}.
 */
export const updateOrganizationInputSchema = perConfig((config) =>
  z
    .object({
      externalId: idSchema.nullable().optional(),
      type: z.enum(config.types as [string, ...string[]]).optional(),
      description: text(5000).optional(),
      summary: text(5000).optional(),
      industry: text(200).optional(),
      address: addressPatchSchema.optional(),
      contact: contactPatchSchema.optional(),
      tags: tagsSchema.optional(),
      states: statesSchema(config).optional(),
      usergroupIds: idList.optional(),
      allowedRoles: labelList.optional(),
      allowedApps: labelList.optional(),
      customFields: z.record(z.string(), z.unknown()).optional(),
    })
    .strict(),
);

/**
 * A patch accepted by `updateOrganization`; typed by a kit's declared vocabulary `V` as
 * {@link CreateOrganizationInput} is, custom fields key by key (`null` removes an optional one).
 */
export type UpdateOrganizationInput<V extends OrganizationVocabulary = OrganizationVocabulary> = OrganizationVocabulary extends Pick<V, keyof OrganizationVocabulary>
  ? z.input<ReturnType<typeof updateOrganizationInputSchema>>
  : (Omit<z.input<ReturnType<typeof updateOrganizationInputSchema>>, "type" | "states" | "allowedRoles" | "customFields"> & {
        /** The new organization type, one of the declared ones. */
        readonly type?: V["organizationType"];
        /** The new state flags, replacing the current ones; the actor needs `edit` on the organization in its new states as well. */
        readonly states?: readonly V["state"][];
        /** The new allowed roles, replacing the current ones (platform admins only). */
        readonly allowedRoles?: readonly V["role"][];
        /** Custom field values to change, key by key; `null` removes an optional field, keys left out keep their value. */
        readonly customFields?: string extends keyof V["customFields"]
          ? Readonly<Record<string, unknown>>
          : { readonly [K in keyof V["customFields"]]?: V["customFields"][K] | ({} extends Pick<V["customFields"], K> ? null : never) };
      }) extends infer O
    ? { [K in keyof O]: O[K] }
    : never;

/**
 * JSON Schemas (draft 2020-12) of the organization inputs and the stored organization,
 * for hosts that validate HTTP payloads outside TypeScript.
 *
 * @throws {@link orgkit!OrgKitError | OrgKitError} `VALIDATION_FAILED` for a bad configuration, as {@link organizationSchema}.
 *
 * @example
 * ```ts
 * const { createOrganizationInput } = organizationJsonSchemas();
 * ajv.compile(createOrganizationInput);
 * ```
 */
export function organizationJsonSchemas(config?: OrganizationConfig): {
  /** Schema of a stored organization ({@link Organization}). */
  organization: Record<string, unknown>;
  /** Schema of the input to `createOrganization`, before defaults are applied. */
  createOrganizationInput: Record<string, unknown>;
  /** Schema of an `updateOrganization` patch. */
  updateOrganizationInput: Record<string, unknown>;
} {
  const io = { io: "input", unrepresentable: "any" } as const;
  return {
    organization: z.toJSONSchema(organizationSchema(config), { unrepresentable: "any" }) as Record<string, unknown>,
    createOrganizationInput: z.toJSONSchema(createOrganizationInputSchema(config), io) as Record<string, unknown>,
    updateOrganizationInput: z.toJSONSchema(updateOrganizationInputSchema(config), io) as Record<string, unknown>,
  };
}
