import { match } from "ts-pattern";
import { KIND_PRECEDENCE, type MemberRule } from "./rule.js";

/** Why a rule matched, per kind: the normalized identity value that met the rule. */
export type MatchReason =
  /** One of the person's emails equals the rule's address. */
  | { readonly kind: "email"; readonly email: string }
  /** The person's username equals the rule's. */
  | { readonly kind: "username"; readonly username: string }
  /** One of the person's phone numbers equals the rule's (both E.164). */
  | { readonly kind: "phone"; readonly phone: string }
  /**
   * The host of one of the person's emails is the rule's domain (`subdomain: false`) or
   * lies under it, within the same registrable domain (`subdomain: true`, only for rules
   * with `includeSubdomains`).
   */
  | { readonly kind: "domain"; readonly email: string; readonly host: string; readonly subdomain: boolean };

/** One rule that matched, and why. */
export interface RuleMatch {
  readonly rule: MemberRule;
  readonly reason: MatchReason;
}

/**
 * An organization the person matches: the best rule that matched it (and why), and
 * every distinct rule of that organization that matched, best first.
 */
export interface OrganizationMatch {
  readonly organizationId: string;
  /** The best matching rule: `matchedRules[0].rule`. */
  readonly rule: MemberRule;
  /** Why the best rule matched: `matchedRules[0].reason`. */
  readonly reason: MatchReason;
  readonly matchedRules: readonly RuleMatch[];
}

/** A rule that matched, with what ranks it. */
export interface Candidate extends RuleMatch {
  /** {@link KIND_PRECEDENCE} of the rule's kind. */
  readonly tier: number;
  /** Domain rules: labels in the rule's domain (more is more specific). 0 otherwise. */
  readonly labels: number;
  /** Domain rules: the host is the rule's domain itself. `true` otherwise. */
  readonly exact: boolean;
  /** Index of the email or phone in the identity that matched (0 for the username). */
  readonly position: number;
}

/** Builds a candidate for a rule of any kind but domain. */
export function valueCandidate(rule: MemberRule, reason: MatchReason, position: number): Candidate {
  return { rule, reason, tier: KIND_PRECEDENCE[rule.kind], labels: 0, exact: true, position };
}

// Code-unit order, not localeCompare: the same on every machine and locale.
const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The ranking: kind (email > username > phone > domain); among domains the one with more
 * labels, then an exact host before a subdomain; then the earlier email or phone of the
 * identity; ties (two organizations claiming one value under the `"allow"` policy) by
 * organization id, then rule id, so the order never depends on insertion order.
 */
export function compareCandidates(a: Candidate, b: Candidate): number {
  return (
    a.tier - b.tier ||
    b.labels - a.labels ||
    Number(b.exact) - Number(a.exact) ||
    a.position - b.position ||
    compareText(a.rule.organizationId, b.rule.organizationId) ||
    compareText(a.rule.id, b.rule.id)
  );
}

/** Groups ranked candidates by organization, organizations ordered by their best rule; a rule matched twice counts once. */
export function rankCandidates(candidates: Candidate[]): OrganizationMatch[] {
  if (candidates.length === 1) {
    const only = candidates[0]!;
    return [{ organizationId: only.rule.organizationId, rule: only.rule, reason: only.reason, matchedRules: [{ rule: only.rule, reason: only.reason }] }];
  }
  candidates.sort(compareCandidates);
  const organizations = new Map<string, { organizationId: string; rule: MemberRule; reason: MatchReason; matchedRules: RuleMatch[] }>();
  const seenRules = new Set<string>();
  for (const { rule, reason } of candidates) {
    if (seenRules.has(rule.id)) continue;
    seenRules.add(rule.id);
    const found = organizations.get(rule.organizationId);
    if (found === undefined) organizations.set(rule.organizationId, { organizationId: rule.organizationId, rule, reason, matchedRules: [{ rule, reason }] });
    else found.matchedRules.push({ rule, reason });
  }
  return [...organizations.values()];
}

/**
 * A one-line, human-readable explanation of a match, for logs and admin screens.
 *
 * @example
 * ```ts
 * describeMatch(result.matches[0]);
 * // "email jsmith@mail.acme.com: host mail.acme.com is under domain acme.com (rule r7)"
 * ```
 */
export function describeMatch(ruleMatch: RuleMatch): string {
  const { rule, reason } = ruleMatch;
  const why = match(reason)
    .with({ kind: "email" }, (r) => `email ${r.email} is a member address`)
    .with({ kind: "username" }, (r) => `username ${r.username} is a member username`)
    .with({ kind: "phone" }, (r) => `phone ${r.phone} is a member phone number`)
    .with({ kind: "domain", subdomain: false }, (r) => `email ${r.email} is at domain ${rule.value}`)
    .with({ kind: "domain", subdomain: true }, (r) => `email ${r.email}: host ${r.host} is under domain ${rule.value}`)
    .exhaustive();
  return `${why} (rule ${rule.id})`;
}
