import type { Identity } from "./identity.js";
import type { MatchResult } from "./matcher.js";
import type { OrganizationMatch } from "./ranking.js";
import type { MemberRule } from "./rule.js";

/** What a previewed change does to the rule set. */
export type PreviewChange = "add" | "replace" | "remove";

/** A person who would start, or stop, matching an organization. */
export interface PreviewMembershipChange<P> {
  /** The person, as given to the preview. */
  readonly person: P;
  /** The organization the person would join or leave. */
  readonly organizationId: string;
  /** The match after the change (joining) or before it (leaving). */
  readonly match: OrganizationMatch;
}

/**
 * A person whose top-ranked organization would change. Under the single-membership
 * policy the person moves: they leave `from` and join `to`.
 */
export interface PreviewPrimaryChange<P> {
  /** The person, as given to the preview. */
  readonly person: P;
  /** The top-ranked match before the change; `null` when the person matched nothing. */
  readonly from: OrganizationMatch | null;
  /** The top-ranked match after the change; `null` when the person would match nothing. */
  readonly to: OrganizationMatch | null;
}

/** What adding, replacing or removing a rule would do to a set of people. See {@link Matcher.preview}. */
export interface RulePreview<P> {
  /** What was previewed: adding, replacing or removing the rule. */
  readonly change: PreviewChange;
  /** The rule previewed (checked and frozen). */
  readonly rule: MemberRule;
  /** For `replace`: the rule with the same id it would replace. */
  readonly replaced: MemberRule | null;
  /** Other organizations' rules with the same kind and value. */
  readonly conflicts: readonly MemberRule[];
  /** `true` when the matcher's `"reject"` policy would refuse the rule (`RULE_CONFLICT`); the preview still shows the effect as if allowed. */
  readonly rejected: boolean;
  /** People who would newly match an organization (under the multiple-membership policy they join it). */
  readonly joining: readonly PreviewMembershipChange<P>[];
  /** People who would stop matching an organization (rule-created memberships would end). */
  readonly leaving: readonly PreviewMembershipChange<P>[];
  /** People whose top-ranked organization would change (under the single-membership policy they move). */
  readonly primaryChanges: readonly PreviewPrimaryChange<P>[];
}

function byOrganization(result: MatchResult): Map<string, OrganizationMatch> {
  const map = new Map<string, OrganizationMatch>();
  for (const m of result.matches) map.set(m.organizationId, m);
  return map;
}

/** Compares each person's matches before and after a change. */
export function diffMatches<P extends Identity>(
  people: readonly P[],
  before: readonly MatchResult[],
  after: readonly MatchResult[],
): Pick<RulePreview<P>, "joining" | "leaving" | "primaryChanges"> {
  const joining: PreviewMembershipChange<P>[] = [];
  const leaving: PreviewMembershipChange<P>[] = [];
  const primaryChanges: PreviewPrimaryChange<P>[] = [];
  for (let i = 0; i < people.length; i++) {
    const person = people[i]!;
    const was = before[i]!;
    const will = after[i]!;
    const wasBy = byOrganization(was);
    const willBy = byOrganization(will);
    for (const [organizationId, m] of willBy) if (!wasBy.has(organizationId)) joining.push({ person, organizationId, match: m });
    for (const [organizationId, m] of wasBy) if (!willBy.has(organizationId)) leaving.push({ person, organizationId, match: m });
    const from = was.matches[0] ?? null;
    const to = will.matches[0] ?? null;
    if (from?.organizationId !== to?.organizationId) primaryChanges.push({ person, from, to });
  }
  return { joining, leaving, primaryChanges };
}
