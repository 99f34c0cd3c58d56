import { match } from "ts-pattern";
import { describeValue, invalidArgument, readFields } from "../argument-guards.js";
import { KIND_PRECEDENCE, type MemberRule } from "./rule.js";

/** Why a rule matched, per kind: the normalized identity value that met the rule. */
export type MatchReason =
  /** One of the person's emails equals the rule's address. */
  | {
      /** An `email` rule matched. */
      readonly kind: "email";
      /** The person's normalized email that equals the rule's. */
      readonly email: string;
    }
  /** The person's username equals the rule's. */
  | {
      /** A `username` rule matched. */
      readonly kind: "username";
      /** The person's normalized username. */
      readonly username: string;
    }
  /** One of the person's phone numbers equals the rule's (both E.164). */
  | {
      /** A `phone` rule matched. */
      readonly kind: "phone";
      /** The person's phone number (E.164) that equals the rule's. */
      readonly phone: string;
    }
  /**
   * The host of one of the person's emails is the rule's domain (`subdomain: false`) or
   * lies under it, within the same registrable domain (`subdomain: true`, only for rules
   * with `includeSubdomains`).
   */
  | {
      /** A `domain` rule matched. */
      readonly kind: "domain";
      /** The person's normalized email whose host matched. */
      readonly email: string;
      /** That email's host (after the `@`). */
      readonly host: string;
      /** `true` when the host lies under the rule's domain, `false` when it is the domain itself. */
      readonly subdomain: boolean;
    };

/** One rule that matched, and why. */
export interface RuleMatch {
  /** The rule that matched. */
  readonly rule: MemberRule;
  /** Which of the person's values met it. */
  readonly reason: MatchReason;
}

/**
 * An organization the person matches: the best rule that matched it (and why), and
 * every distinct rule of that organization that matched, best first.
 */
export interface OrganizationMatch {
  /** The organization matched. */
  readonly organizationId: string;
  /** The best matching rule: `matchedRules[0].rule`. */
  readonly rule: MemberRule;
  /** Why the best rule matched: `matchedRules[0].reason`. */
  readonly reason: MatchReason;
  /** Every distinct rule of the organization that matched, best first. */
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

/** What {@link compareCandidates} reads of a candidate. */
type Ranked = Pick<Candidate, "tier" | "labels" | "exact" | "position"> & { readonly rule: Pick<MemberRule, "id" | "organizationId"> };

/** The ranking itself, for candidates the matcher built (no checks: this runs inside every sort). */
function compareRanked(a: Ranked, b: Ranked): number {
  return (
    a.tier - b.tier ||
    b.labels - a.labels ||
    Number(b.exact) - Number(a.exact) ||
    a.position - b.position ||
    compareText(a.rule.organizationId, b.rule.organizationId) ||
    compareText(a.rule.id, b.rule.id)
  );
}

const RANKING = "ranking candidate";
const CANDIDATE_KEYS = ["tier", "labels", "exact", "position", "rule"] as const;
const RANKED_RULE_KEYS = ["id", "organizationId"] as const;

/** Reads a candidate handed to the public {@link compareCandidates} once, checking what the ranking compares. */
function readCandidate(value: unknown, path: string): Ranked {
  const read = readFields(value, CANDIDATE_KEYS, RANKING, path, false);
  for (const key of ["tier", "labels", "position"] as const) {
    if (typeof read[key] !== "number") throw invalidArgument(RANKING, `${path}.${key}`, `must be a number, not ${describeValue(read[key])}`, "invalid_type");
  }
  if (typeof read.exact !== "boolean") throw invalidArgument(RANKING, `${path}.exact`, `must be a boolean, not ${describeValue(read.exact)}`, "invalid_type");
  const rule = readFields(read.rule, RANKED_RULE_KEYS, RANKING, `${path}.rule`, false);
  for (const key of RANKED_RULE_KEYS) {
    if (typeof rule[key] !== "string") throw invalidArgument(RANKING, `${path}.rule.${key}`, `must be a string, not ${describeValue(rule[key])}`, "invalid_type");
  }
  return { tier: read.tier as number, labels: read.labels as number, exact: read.exact, position: read.position as number, rule: rule as Ranked["rule"] };
}

/**
 * The ranking: kind (email > username > phone > domain); among domains the one with more
 * labels, then an exact host before a subdomain; then the earlier email or phone of the
 * identity; ties (two organizations claiming one value under the `"allow"` policy) by
 * organization id, then rule id, so the order never depends on insertion order.
 * Negative when `a` ranks first, positive when `b` does, 0 for a tie.
 *
 * @throws {@link orgkit!OrgKitError | OrgKitError} `VALIDATION_FAILED` when either argument is not a candidate
 *   (numbers `tier`, `labels`, `position`, a boolean `exact`, a `rule` with string `id` and
 *   `organizationId`) or cannot be read.
 */
export function compareCandidates(a: Candidate, b: Candidate): number {
  return compareRanked(readCandidate(a, "a"), readCandidate(b, "b"));
}

/** Groups ranked candidates by organization, organizations ordered by their best rule; a rule matched twice counts once. */
export function rankCandidates(candidates: Candidate[]): OrganizationMatch[] {
  if (candidates.length === 1) {
    const only = candidates[0]!;
    return [{ organizationId: only.rule.organizationId, rule: only.rule, reason: only.reason, matchedRules: [{ rule: only.rule, reason: only.reason }] }];
  }
  candidates.sort(compareRanked);
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

const DESCRIBE = "rule match";
const RULE_MATCH_KEYS = ["rule", "reason"] as const;
const DESCRIBED_RULE_KEYS = ["id", "value"] as const;
const REASON_KEYS = ["kind", "email", "username", "phone", "host", "subdomain"] as const;
/** The text fields each kind of reason must have. */
const REASON_TEXT: Readonly<Record<MatchReason["kind"], readonly ("email" | "username" | "phone" | "host")[]>> = {
  email: ["email"],
  username: ["username"],
  phone: ["phone"],
  domain: ["email", "host"],
};

/** Reads a rule match handed to {@link describeMatch} once, checking what the description prints. */
function readRuleMatch(value: unknown): { rule: Pick<MemberRule, "id" | "value">; reason: MatchReason } {
  const read = readFields(value, RULE_MATCH_KEYS, DESCRIBE, "ruleMatch", false);
  const rule = readFields(read.rule, DESCRIBED_RULE_KEYS, DESCRIBE, "ruleMatch.rule", false);
  for (const key of DESCRIBED_RULE_KEYS) {
    if (typeof rule[key] !== "string") throw invalidArgument(DESCRIBE, `ruleMatch.rule.${key}`, `must be a string, not ${describeValue(rule[key])}`, "invalid_type");
  }
  const reason = readFields(read.reason, REASON_KEYS, DESCRIBE, "ruleMatch.reason", false);
  const kind = reason.kind;
  if (kind !== "email" && kind !== "username" && kind !== "phone" && kind !== "domain") {
    throw invalidArgument(DESCRIBE, "ruleMatch.reason.kind", `must be email, username, phone or domain, not ${describeValue(kind)}`, "invalid_value");
  }
  for (const key of REASON_TEXT[kind]) {
    if (typeof reason[key] !== "string") throw invalidArgument(DESCRIBE, `ruleMatch.reason.${key}`, `must be a string, not ${describeValue(reason[key])}`, "invalid_type");
  }
  if (kind === "domain" && typeof reason.subdomain !== "boolean") {
    throw invalidArgument(DESCRIBE, "ruleMatch.reason.subdomain", `must be a boolean, not ${describeValue(reason.subdomain)}`, "invalid_type");
  }
  return { rule: rule as Pick<MemberRule, "id" | "value">, reason: reason as MatchReason };
}

/**
 * A one-line, human-readable explanation of a match, for logs and admin screens.
 *
 * @throws {@link orgkit!OrgKitError | OrgKitError} `VALIDATION_FAILED` when `ruleMatch` is not a rule match (a
 *   `rule` with string `id` and `value`, a `reason` of a known kind with its fields) or
 *   cannot be read.
 *
 * @example
 * ```ts
 * describeMatch(result.matches[0]);
 * // "email jsmith@mail.acme.com: host mail.acme.com is under domain acme.com (rule r7)"
 * ```
 */
export function describeMatch(ruleMatch: RuleMatch): string {
  const { rule, reason } = readRuleMatch(ruleMatch);
  const why = match(reason)
    .with({ kind: "email" }, (r) => `email ${r.email} is a member address`)
    .with({ kind: "username" }, (r) => `username ${r.username} is a member username`)
    .with({ kind: "phone" }, (r) => `phone ${r.phone} is a member phone number`)
    .with({ kind: "domain", subdomain: false }, (r) => `email ${r.email} is at domain ${rule.value}`)
    .with({ kind: "domain", subdomain: true }, (r) => `email ${r.email}: host ${r.host} is under domain ${rule.value}`)
    .exhaustive();
  return `${why} (rule ${rule.id})`;
}
