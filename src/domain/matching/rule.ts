import { z } from "zod";
import { OrgKitError } from "../../errors.js";
import type { MemberRuleKind } from "../organization/schema.js";
import { describeValue, invalidArgument, optionalOfType, readFields, unreadable } from "../argument-guards.js";
import { idProblem, textProblemMessage } from "../plain-input.js";
import { idString, parseInput } from "../validation.js";
import { normalizeDomainValue } from "./domain.js";
import { normalizeEmailValue } from "./email.js";
import { checkFreeMailDomains, defaultFreeMailDomains, findFreeMailDomain } from "./free-mail.js";
import { issueToError, type Normalized } from "./normalize-result.js";
import { resolveNormalizeOptions, type NormalizeOptions, type ResolvedNormalizeOptions } from "./options.js";
import { looksLikeE164, normalizePhoneValue } from "./phone.js";
import { publicSuffixOfHost, registrableDomainOfHost } from "./public-suffix.js";
import { normalizeUsernameValue } from "./username.js";

export type { MemberRuleKind };

/**
 * Precedence of each kind when several rules match one person: an exact email outranks
 * a username, which outranks a phone, which outranks a domain. A `Record`, so adding a
 * kind to the model without ranking it here fails to compile.
 */
export const KIND_PRECEDENCE: Readonly<Record<MemberRuleKind, number>> = { email: 0, username: 1, phone: 2, domain: 3 };
/** The rule kinds, in precedence order. */
export const RULE_KINDS_BY_PRECEDENCE = ["email", "username", "phone", "domain"] as const satisfies readonly MemberRuleKind[];

/** A member rule as a host submits it: the value as typed (`(623) 434-8050`, `Bücher.example`). */
export interface MemberRuleInput {
  /** The rule's id (unique across all rules). */
  readonly id: string;
  /** The organization the rule links people to. */
  readonly organizationId: string;
  /** What the rule matches: an exact `email`, an email `domain`, a `username` or a `phone` number. */
  readonly kind: MemberRuleKind;
  /** Email address, domain name, username or phone number, in any accepted spelling. */
  readonly value: string;
  /** Domain rules only: also match hosts under the domain (`mail.acme.com` for `acme.com`). Default `false`. */
  readonly includeSubdomains?: boolean;
}

/**
 * A validated member rule with its value normalized: an email as {@link normalizeEmail}
 * returns it, a domain as {@link normalizeDomain} (never a public suffix), a username
 * as {@link normalizeUsername}, a phone in E.164. Made by {@link createMemberRule};
 * store it as is and feed it to {@link compileMatcher}.
 */
export interface MemberRule {
  /** The rule's id (unique across all rules). */
  readonly id: string;
  /** The organization the rule links people to. */
  readonly organizationId: string;
  /** What the rule matches: an exact `email`, an email `domain`, a `username` or a `phone` number. */
  readonly kind: MemberRuleKind;
  /** The normalized value. */
  readonly value: string;
  /** Always `false` for kinds other than `domain`. */
  readonly includeSubdomains: boolean;
}

/** Options of {@link createMemberRule}: normalization, and the free-mail guard for domain rules. */
export interface MemberRuleOptions extends NormalizeOptions {
  /**
   * Accept a domain rule naming a free-mail provider (`gmail.com`). Default `false`:
   * such a rule would put every customer using that provider in one organization.
   */
  readonly allowFreeMail?: boolean | undefined;
  /** The free-mail list to check against. Default: {@link defaultFreeMailDomains}; build others with {@link createFreeMailDomains}. */
  readonly freeMailDomains?: ReadonlySet<string> | undefined;
}

const id = idString();
const memberRuleInputSchema = z
  .object({
    id,
    organizationId: id,
    kind: z.enum(RULE_KINDS_BY_PRECEDENCE),
    // Generous bound on the raw text; each normalizer applies its own limits.
    value: z.string().max(1000),
    includeSubdomains: z.boolean().optional(),
  })
  .strict()
  .superRefine((rule, context) => {
    if (rule.includeSubdomains === true && rule.kind !== "domain") {
      context.addIssue({ code: "custom", path: ["includeSubdomains"], message: `applies to domain rules only, not ${rule.kind}` });
    }
  });

/** Each kind's normalizer. A `Record` over the kinds, so a kind without one fails to compile. */
const NORMALIZERS: Readonly<Record<MemberRuleKind, (value: unknown, options: ResolvedNormalizeOptions) => Normalized>> = {
  email: (value, options) => normalizeEmailValue(value, options.lowerCaseLocalPart),
  domain: (value) => normalizeDomainValue(value),
  username: (value) => normalizeUsernameValue(value),
  phone: (value, options) => normalizePhoneValue(value, options.defaultRegion),
};

/** Normalizes `value` as a rule of `kind` would be, returning the issue instead of throwing. */
export function normalizeValueOfKind(kind: MemberRuleKind, value: unknown, options: ResolvedNormalizeOptions): Normalized {
  return NORMALIZERS[kind](value, options);
}

/**
 * Normalizes `value` as a member rule of `kind` would store it (no public-suffix or
 * free-mail guard: see {@link createMemberRule}). Handy for normalizing a user's
 * identity before storing it.
 *
 * @throws {@link orgkit!OrgKitError | OrgKitError} `INVALID_EMAIL`, `INVALID_DOMAIN`, `INVALID_USERNAME` or
 *   `INVALID_PHONE`; `VALIDATION_FAILED` for a `kind` that is not a rule kind, and for bad
 *   or unreadable `options`.
 */
export function normalizeMemberRuleValue(kind: MemberRuleKind, value: string, options?: NormalizeOptions): string {
  if (typeof kind !== "string" || !KIND_SET.has(kind)) {
    throw invalidArgument("member rule kind", "kind", `must be one of ${RULE_KINDS_BY_PRECEDENCE.join(", ")}, not ${describeValue(kind)}`, "invalid_value");
  }
  const normalized = normalizeValueOfKind(kind, value, resolveNormalizeOptions(options));
  if (typeof normalized === "string") return normalized;
  throw issueToError(normalized, value, { kind });
}

/** Throws `DOMAIN_PUBLIC_SUFFIX` when the normalized `domain` is a public suffix. */
export function assertNotPublicSuffix(domain: string, extra: Record<string, unknown> = {}): void {
  if (registrableDomainOfHost(domain) !== null) return;
  throw new OrgKitError(
    "DOMAIN_PUBLIC_SUFFIX",
    `Domain rule '${domain}' names a public suffix: every organization registered under it would match. Use the organization's own domain (e.g. 'acme.${domain}').`,
    { details: { domain, publicSuffix: publicSuffixOfHost(domain), ...extra } },
  );
}

/**
 * Validates and normalizes a member rule. The value is normalized for its kind (see the
 * `normalize*` functions); a domain rule must not name a public suffix (`com`, `co.uk`,
 * `github.io`) nor, unless `allowFreeMail`, a free-mail provider or a name under one.
 * Conflicts with other organizations' rules are checked by the matcher (and storage),
 * not here.
 *
 * @throws {@link orgkit!OrgKitError | OrgKitError} `VALIDATION_FAILED` (bad shape, or input that cannot be
 *   read; `details.issues` has the paths; also bad or unreadable `options`, and a
 *   `freeMailDomains` that is not a set), `INVALID_EMAIL` / `INVALID_DOMAIN` /
 *   `INVALID_USERNAME` / `INVALID_PHONE` (bad value), `DOMAIN_PUBLIC_SUFFIX`, `DOMAIN_FREE_MAIL`.
 *
 * @example
 * ```ts
 * createMemberRule({ id: "r1", organizationId: "org_st", kind: "phone", value: "(623) 434-8050" }, { defaultRegion: "US" });
 * // { id: "r1", organizationId: "org_st", kind: "phone", value: "+16234348050", includeSubdomains: false }
 * createMemberRule({ id: "r2", organizationId: "org_st", kind: "domain", value: "SmarterTools.com", includeSubdomains: true });
 * // { …, kind: "domain", value: "smartertools.com", includeSubdomains: true }
 * createMemberRule({ id: "r3", organizationId: "org_x", kind: "domain", value: "gmail.com" }); // throws DOMAIN_FREE_MAIL
 * ```
 */
export function createMemberRule(input: MemberRuleInput, options?: MemberRuleOptions): MemberRule {
  const data = parseInput(memberRuleInputSchema, input, "member rule");
  const read = readFields(options, RULE_OPTION_KEYS, "member rule options", "options");
  const resolved = resolveNormalizeOptions(read as NormalizeOptions);
  const allowFreeMail = optionalOfType(read.allowFreeMail, "boolean", "member rule options", "allowFreeMail");
  const freeMailDomains = read.freeMailDomains === undefined ? undefined : checkFreeMailDomains(read.freeMailDomains, "freeMailDomains");
  const value = normalizeValueOfKind(data.kind, data.value, resolved);
  if (typeof value !== "string") throw issueToError(value, data.value, { path: "value", kind: data.kind, ruleId: data.id });
  if (data.kind === "domain") {
    assertNotPublicSuffix(value, { ruleId: data.id });
    if (allowFreeMail !== true) {
      const provider = findFreeMailDomain(value, freeMailDomains ?? defaultFreeMailDomains());
      if (provider !== null) {
        throw new OrgKitError(
          "DOMAIN_FREE_MAIL",
          `Domain rule '${value}' names a free-mail provider${provider === value ? "" : ` (${provider})`}: unrelated people would join the organization. Add their addresses as email rules, or pass allowFreeMail.`,
          { details: { domain: value, provider, ruleId: data.id } },
        );
      }
    }
  }
  return Object.freeze({
    id: data.id,
    organizationId: data.organizationId,
    kind: data.kind,
    value,
    includeSubdomains: data.includeSubdomains ?? false,
  });
}

const RULE_OPTION_KEYS = ["lowerCaseLocalPart", "defaultRegion", "allowFreeMail", "freeMailDomains"] as const;

function ruleIssue(path: string, message: string, code: string, extra: Record<string, unknown> = {}): OrgKitError {
  return new OrgKitError("VALIDATION_FAILED", `Invalid member rule at ${path}: ${message}`, { details: { issues: [{ path, message, code }], ...extra } });
}

function checkId(value: unknown, path: string): string {
  if (typeof value !== "string" || value.length === 0 || value.length > 128) {
    throw ruleIssue(path, "must be a non-empty string of at most 128 characters", "invalid_id");
  }
  const problem = idProblem(value);
  if (problem !== null) throw ruleIssue(path, textProblemMessage(problem), problem);
  return value;
}

const KIND_SET: ReadonlySet<string> = new Set(RULE_KINDS_BY_PRECEDENCE);

/**
 * Checks a rule handed to the matcher (from {@link createMemberRule}, or loaded from
 * storage) without re-running the expensive parts: the shape, that email, domain and
 * username values are already normalized, that a domain is no public suffix, and that
 * a phone is E.164-shaped. Phones are not re-parsed: libphonenumber costs ~8 µs a
 * number, and a phone value that is not a valid number simply never matches (identity
 * phones are fully parsed). Returns a frozen copy. Each field is read once; a rule that
 * cannot be read (a throwing getter, a revoked proxy) is `VALIDATION_FAILED` at `path`.
 */
export function checkNormalizedRule(rule: unknown, path: string, options: ResolvedNormalizeOptions): MemberRule {
  if (typeof rule !== "object" || rule === null) throw ruleIssue(path, "must be an object", "invalid_type");
  // Each field is read once, here: a getter cannot answer differently to the checks and to the copy.
  let id: unknown, organizationIdValue: unknown, kind: unknown, includeSubdomains: unknown, value: unknown;
  try {
    const record = rule as Record<string, unknown>;
    id = record.id;
    organizationIdValue = record.organizationId;
    kind = record.kind;
    includeSubdomains = record.includeSubdomains ?? false;
    value = record.value;
  } catch (error) {
    throw unreadable(error, "member rule", path);
  }
  const ruleId = checkId(id, `${path}.id`);
  const organizationId = checkId(organizationIdValue, `${path}.organizationId`);
  if (typeof kind !== "string" || !KIND_SET.has(kind)) throw ruleIssue(`${path}.kind`, `must be one of ${RULE_KINDS_BY_PRECEDENCE.join(", ")}`, "invalid_value");
  const typedKind = kind as MemberRuleKind;
  if (typeof includeSubdomains !== "boolean") throw ruleIssue(`${path}.includeSubdomains`, "must be a boolean", "invalid_type");
  if (includeSubdomains && typedKind !== "domain") throw ruleIssue(`${path}.includeSubdomains`, `applies to domain rules only, not ${typedKind}`, "custom");
  if (typeof value !== "string") throw ruleIssue(`${path}.value`, "must be a string", "invalid_type");
  if (typedKind === "phone") {
    if (!looksLikeE164(value)) throw ruleIssue(`${path}.value`, "a phone rule's value must be in E.164 (create rules with createMemberRule)", "not_normalized", { ruleId });
  } else {
    const normalized = normalizeValueOfKind(typedKind, value, options);
    if (typeof normalized !== "string") throw issueToError(normalized, value, { path: `${path}.value`, kind: typedKind, ruleId });
    if (normalized !== value) {
      throw ruleIssue(`${path}.value`, `is not normalized (expected ${JSON.stringify(normalized)}; create rules with createMemberRule)`, "not_normalized", { ruleId });
    }
    if (typedKind === "domain") assertNotPublicSuffix(value, { path: `${path}.value`, ruleId });
  }
  return Object.freeze({ id: ruleId, organizationId, kind: typedKind, value, includeSubdomains });
}
