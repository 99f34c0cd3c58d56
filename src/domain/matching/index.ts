/**
 * Member matching: link people to organizations by email, domain, username and phone.
 *
 * - Normalizers ({@link normalizeEmail}, {@link normalizeDomain},
 *   {@link normalizeUsername}, {@link normalizePhone}, and `safe*` variants that return a
 *   result instead of throwing) put every value in one canonical spelling.
 * - {@link createMemberRule} validates and normalizes a rule, refusing public-suffix and
 *   free-mail domains.
 * - {@link compileMatcher} indexes rules; `match(identity)` returns every matching
 *   organization, ranked, with the rule and the reason.
 * - {@link identityLookupKeys} tells storage which rules could match a person, so a
 *   database never loads every rule to match one.
 *
 * Pure: no I/O, no clock, no randomness.
 *
 * @example
 * ```ts
 * import { compileMatcher, createMemberRule } from "orgkit/matching";
 *
 * const options = { defaultRegion: "US" } as const;
 * const matcher = compileMatcher(
 *   [
 *     createMemberRule({ id: "r1", organizationId: "org_st", kind: "domain", value: "smartertools.com" }, options),
 *     createMemberRule({ id: "r2", organizationId: "org_st", kind: "phone", value: "(623) 434-8050" }, options),
 *   ],
 *   options,
 * );
 * matcher.match({ emails: ["ann@smartertools.com"] }).matches[0]?.organizationId; // "org_st"
 * ```
 *
 * @module orgkit/matching
 */
// The error API, so callers of this entry can catch by code without importing `orgkit`.
export { normalizeEmail, safeNormalizeEmail, MAX_EMAIL_LENGTH, MAX_LOCAL_PART_LENGTH, type EmailNormalizeOptions } from "./email.js";
export { normalizeDomain, safeNormalizeDomain, MAX_DOMAIN_LENGTH, MAX_LABEL_LENGTH } from "./domain.js";
export { normalizeUsername, safeNormalizeUsername, MAX_USERNAME_LENGTH } from "./username.js";
export { normalizePhone, safeNormalizePhone, type PhoneNormalizeOptions, type PhoneRegion } from "./phone.js";
export type { NormalizeErrorCode, NormalizeIssue, NormalizeResult } from "./normalize-result.js";
export type { NormalizeOptions } from "./options.js";
export { isPublicSuffix, registrableDomain } from "./public-suffix.js";
export { createFreeMailDomains, defaultFreeMailDomains, isFreeMailDomain, type FreeMailDomainsOptions } from "./free-mail.js";
export {
  createMemberRule,
  normalizeMemberRuleValue,
  KIND_PRECEDENCE,
  RULE_KINDS_BY_PRECEDENCE,
  type MemberRule,
  type MemberRuleInput,
  type MemberRuleOptions,
} from "./rule.js";
export type { Identity, IdentityField, SkippedIdentityPart } from "./identity.js";
export { compareCandidates, describeMatch, type Candidate, type MatchReason, type OrganizationMatch, type RuleMatch } from "./ranking.js";
export { compileMatcher, type ConflictPolicy, type Matcher, type MatcherOptions, type MatchResult } from "./matcher.js";
export type { ProvenDomain } from "./proven-domains.js";
export type { PreviewChange, PreviewMembershipChange, PreviewPrimaryChange, RulePreview } from "./preview.js";
export { identityLookupKeys, type IdentityLookupKeys, type MemberRuleLookupKey } from "./lookup-keys.js";
