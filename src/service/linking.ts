import { compileMatcher } from "../domain/matching/matcher.js";
import type { ProvenDomain } from "../domain/matching/proven-domains.js";
import { identityLookupKeys } from "../domain/matching/lookup-keys.js";
import type { OrganizationMatch } from "../domain/matching/ranking.js";
import type { PhoneRegion } from "../domain/matching/phone.js";
import type { MemberRule } from "../domain/matching/rule.js";
import type { Membership, MemberRuleRecord, User } from "../domain/membership/model.js";
import { keysetPages } from "../storage/pages.js";
import type { StorageSession } from "../storage/ports.js";
import type { OrgKitConfig } from "./config.js";
import type { CommandScope } from "./runtime.js";

/** The identities of a user that member rules may match (see {@link matchableIdentity}). */
export interface MatchableIdentity {
  readonly emails: readonly string[];
  readonly phones: readonly string[];
  readonly username?: string;
}

/**
 * The identity member rules match a user by: its verified emails, phones and username,
 * or all of them when the host verifies upstream (`identitiesVerifiedUpstream`). An
 * identity anyone could type never links a user to an organization.
 */
export function matchableIdentity(user: User, config: Pick<OrgKitConfig, "identitiesVerifiedUpstream">): MatchableIdentity {
  if (config.identitiesVerifiedUpstream) {
    return { emails: user.emails, phones: user.phones, ...(user.username !== null ? { username: user.username } : {}) };
  }
  // Stored users written before verification existed have no lists: nothing of theirs is verified.
  const verifiedEmails = user.verifiedEmails ?? [];
  const verifiedPhones = user.verifiedPhones ?? [];
  return {
    emails: user.emails.filter((email) => verifiedEmails.includes(email)),
    phones: user.phones.filter((phone) => verifiedPhones.includes(phone)),
    ...(user.username !== null && user.usernameVerified === true ? { username: user.username } : {}),
  };
}

function identityOf(scope: CommandScope, user: User): MatchableIdentity {
  return matchableIdentity(user, scope.config);
}

/** The rules that could match the user's identity, looked up by key (never all rules). */
async function candidateRules(scope: CommandScope, user: User): Promise<MemberRuleRecord[]> {
  const { keys } = identityLookupKeys(identityOf(scope, user), normalizeOptions(scope));
  return keys.length === 0 ? [] : scope.session.rules.findByKeys(keys);
}

function normalizeOptions({ config }: CommandScope) {
  return { defaultRegion: config.defaultPhoneRegion as PhoneRegion, lowerCaseLocalPart: config.lowercaseEmailLocalPart };
}

/**
 * Whether a rule links anyone under the configuration: every rule, except a domain rule
 * that is not proven while `domainRules.proof` is `"required"`.
 */
export function ruleLinks(config: Pick<OrgKitConfig, "domainRules">, rule: Pick<MemberRuleRecord, "kind" | "proof">): boolean {
  return rule.kind !== "domain" || config.domainRules.proof === "optional" || (rule.proof !== undefined && rule.proof !== null);
}

/**
 * The proven domains among `rules` (whatever their organization's status: a discontinued
 * organization's proof still keeps others out). Storage never holds two organizations'
 * proofs of one domain; should it, the first by id counts.
 */
export function provenDomainsOf(rules: readonly MemberRuleRecord[]): ProvenDomain[] {
  const owners = new Map<string, string>();
  for (const rule of rules) {
    if (rule.kind === "domain" && rule.proof && !owners.has(rule.value)) owners.set(rule.value, rule.organizationId);
  }
  return [...owners].map(([domain, organizationId]) => ({ domain, organizationId }));
}

/**
 * Ranks the organizations of `rules` that the user matches, best first: only rules that
 * link (see {@link ruleLinks}), and a host inside a domain in `proven` matches only the
 * prover's domain rules.
 */
function rank(scope: CommandScope, user: User, rules: readonly MemberRuleRecord[], proven: readonly ProvenDomain[]): OrganizationMatch[] {
  const linking = rules.filter((r) => ruleLinks(scope.config, r));
  if (linking.length === 0) return [];
  const matcher = compileMatcher(
    linking.map((r) => ({ id: r.id, organizationId: r.organizationId, kind: r.kind, value: r.value, includeSubdomains: r.includeSubdomains })),
    { ...normalizeOptions(scope), conflictPolicy: "allow", provenDomains: proven },
  );
  return [...matcher.match(identityOf(scope, user)).matches];
}

/** The ids among `organizationIds` of organizations that are discontinued. */
async function discontinuedAmong(session: StorageSession, organizationIds: Iterable<string>): Promise<Set<string>> {
  const ids = [...new Set(organizationIds)];
  if (ids.length === 0) return new Set();
  const organizations = await session.organizations.getMany(ids);
  return new Set(organizations.filter((o) => o.status === "discontinued").map((o) => o.id));
}

/**
 * How the user matches one organization's rules, whatever its status: its best
 * matching rule and why, or `null` when none of its rules matches.
 */
export async function matchUserWithin(scope: CommandScope, user: User, organizationId: string): Promise<OrganizationMatch | null> {
  const rules = await candidateRules(scope, user);
  return rank(scope, user, rules.filter((r) => r.organizationId === organizationId), provenDomainsOf(rules))[0] ?? null;
}

/** Ends a rule-created membership that no rule backs any more (`membership.removed`). */
async function endRuleMembership(scope: CommandScope, membership: Membership): Promise<void> {
  await scope.session.memberships.delete(membership.userId, membership.organizationId);
  scope.record({
    type: "membership.removed",
    organizationId: membership.organizationId,
    data: { userId: membership.userId, reason: "rule_no_longer_matches", source: membership.source },
  });
}

/**
 * Makes `match`'s best rule the source of the user's membership: re-sources `existing`
 * (`membership.source_changed`, role and admin flag kept) or adds a plain member
 * (`membership.added`).
 */
async function putRuleMembership(scope: CommandScope, userId: string, existing: Membership | null, match: OrganizationMatch): Promise<void> {
  const at = scope.now.toISOString();
  const source = { type: "rule", ruleId: match.rule.id } as const;
  const membership: Membership = existing
    ? { ...existing, source, updatedAt: at }
    : { userId, organizationId: match.organizationId, role: "member", admin: false, source, createdAt: at, updatedAt: at };
  await scope.session.memberships.put(membership);
  scope.record({
    type: existing ? "membership.source_changed" : "membership.added",
    organizationId: match.organizationId,
    data: { userId, source, rule: { kind: match.rule.kind, value: match.rule.value }, reason: match.reason },
  });
}

/**
 * Brings a user's rule-created memberships in line with the rules. Manual and imported
 * memberships are never touched, and neither is any membership of a discontinued
 * organization: those are *dormant*, kept as they are (role, admin flag, source) until
 * the organization is reactivated, whatever the user's identity has become. Discontinued
 * organizations' rules link nobody new. Only rules that link count (see {@link ruleLinks}:
 * under `domainRules.proof: "required"` an unproven domain rule links nobody), and a host
 * inside a domain one organization proved matches only that organization's domain rules.
 *
 * - `"multiple"`: one rule membership per matching active organization (the best rule is
 *   its source); rule memberships of active organizations no longer matched end.
 * - `"single"`: a user with a manual, imported or dormant membership keeps it and gets no
 *   rule membership (a dormant membership is still the user's one organization until
 *   reactivation or a change by hand); otherwise the user belongs to its best match
 *   (moving when that changes), or to nothing when nothing matches.
 *
 * Records `membership.added` / `membership.removed` / `membership.source_changed` events.
 */
export async function relinkUser(scope: CommandScope, user: User): Promise<void> {
  const { session, config } = scope;
  const current = await session.memberships.listByUser(user.id);
  const rules = await candidateRules(scope, user);
  // One look-up for the status of both the matching rules' owners and the user's organizations.
  const discontinued = await discontinuedAmong(session, [...rules.map((r) => r.organizationId), ...current.map((m) => m.organizationId)]);
  const matches = rank(scope, user, rules.filter((r) => !discontinued.has(r.organizationId)), provenDomainsOf(rules));
  const live = current.filter((m) => !discontinued.has(m.organizationId)); // the dormant rest is never touched
  const byOrganization = new Map(live.map((m) => [m.organizationId, m]));

  const linkTo = async (match: OrganizationMatch) => {
    const existing = byOrganization.get(match.organizationId);
    if (existing && existing.source.type !== "rule") return; // a manual or imported membership stays as it is
    if (existing && existing.source.type === "rule" && existing.source.ruleId === match.rule.id) return;
    await putRuleMembership(scope, user.id, existing ?? null, match);
  };

  if (config.membershipPolicy === "multiple") {
    const matched = new Set(matches.map((m) => m.organizationId));
    for (const membership of live) {
      if (membership.source.type === "rule" && !matched.has(membership.organizationId)) await endRuleMembership(scope, membership);
    }
    for (const match of matches) await linkTo(match);
    return;
  }

  const hasDormant = live.length < current.length;
  if (hasDormant || live.some((m) => m.source.type !== "rule")) {
    // Single policy: a membership set by hand or by import, or a dormant one, outranks automatic matching.
    for (const membership of live) if (membership.source.type === "rule") await endRuleMembership(scope, membership);
    return;
  }
  const best = matches[0];
  for (const membership of live) {
    if (membership.organizationId !== best?.organizationId) await endRuleMembership(scope, membership);
  }
  if (best) await linkTo(best);
}

const PAGE = 500;

/**
 * Runs `visit` on every user `rule` could match, a page at a time, found through the
 * rule's key (never all users); `visit` returning `false` stops. Returns how many users
 * were visited.
 */
export async function forEachUserMatchingRule(
  session: StorageSession,
  rule: Pick<MemberRule, "kind" | "value" | "includeSubdomains">,
  visit: (user: User) => Promise<boolean | void>,
): Promise<number> {
  let count = 0;
  for await (const page of keysetPages((o) => session.users.findMatching(rule, o), (user) => user.id, PAGE)) {
    for (const user of page) {
      count++;
      if ((await visit(user)) === false) return count;
    }
  }
  return count;
}

/** Options of {@link linkUsersMatchingRule}. */
export interface LinkUsersOptions {
  /**
   * Leave users who already belong to this organization as they are (used on
   * reactivation, so that its woken memberships stay exactly as they were kept).
   */
  readonly exceptMembersOf?: string;
}

/**
 * Links the existing users a rule matches: re-links every user the rule could match
 * (see {@link forEachUserMatchingRule} and {@link relinkUser}). This is how an added rule
 * takes in the users who are already there, and how a reactivated organization's rules
 * take in the users who signed up or changed identity while it was discontinued.
 * Returns how many users were looked at.
 */
export async function linkUsersMatchingRule(scope: CommandScope, rule: Pick<MemberRule, "kind" | "value" | "includeSubdomains">, options: LinkUsersOptions = {}): Promise<number> {
  const { exceptMembersOf } = options;
  return forEachUserMatchingRule(scope.session, rule, async (user) => {
    if (exceptMembersOf !== undefined && (await scope.session.memberships.get(user.id, exceptMembersOf))) return;
    await relinkUser(scope, user);
  });
}

/**
 * Settles a dormant membership (of a discontinued organization) whose source rule was
 * removed. Removing a rule ends the memberships it created, so the membership is
 * re-sourced to another of the organization's rules that matches the user
 * (`membership.source_changed`), or else ends (`membership.removed`), as
 * {@link relinkUser} would do for an active organization. Returns whether it ended.
 */
export async function settleDormantRuleMembership(scope: CommandScope, user: User, membership: Membership): Promise<boolean> {
  const match = await matchUserWithin(scope, user, membership.organizationId);
  if (match === null) await endRuleMembership(scope, membership);
  else await putRuleMembership(scope, user.id, membership, match);
  return match === null;
}
