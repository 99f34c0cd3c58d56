import { compileMatcher } from "../domain/matching/matcher.js";
import { identityLookupKeys } from "../domain/matching/lookup-keys.js";
import type { OrganizationMatch } from "../domain/matching/ranking.js";
import type { PhoneRegion } from "../domain/matching/phone.js";
import type { Membership, User } from "../domain/membership/model.js";
import type { CommandScope } from "./runtime.js";

/** The identity a user is matched by. */
export function identityOf(user: Pick<User, "emails" | "username" | "phones">) {
  return { emails: user.emails, phones: user.phones, ...(user.username !== null ? { username: user.username } : {}) };
}

/**
 * The organizations the user's identity matches, best first, using only the rules
 * that could match it (looked up by key: never all rules). Discontinued organizations
 * take no new members, so their rules are left out.
 */
export async function matchUser(scope: CommandScope, user: User): Promise<OrganizationMatch[]> {
  const { session, config } = scope;
  const identity = identityOf(user);
  const normalize = { defaultRegion: config.defaultPhoneRegion as PhoneRegion, lowerCaseLocalPart: config.lowercaseEmailLocalPart };
  const { keys } = identityLookupKeys(identity, normalize);
  if (keys.length === 0) return [];
  const rules = await session.rules.findByKeys(keys);
  if (rules.length === 0) return [];
  const owners = await session.organizations.getMany([...new Set(rules.map((r) => r.organizationId))]);
  const active = new Set(owners.filter((o) => o.status === "active").map((o) => o.id));
  const matcher = compileMatcher(
    rules.filter((r) => active.has(r.organizationId)).map((r) => ({ id: r.id, organizationId: r.organizationId, kind: r.kind, value: r.value, includeSubdomains: r.includeSubdomains })),
    { ...normalize, conflictPolicy: "allow" },
  );
  return [...matcher.match(identity).matches];
}

/**
 * Brings a user's rule-created memberships in line with the rules. Manual and imported
 * memberships are never touched.
 *
 * - `"multiple"`: one rule membership per matching organization (the best rule is its
 *   source); rule memberships of organizations no longer matched end.
 * - `"single"`: a user with a manual or imported membership keeps it and gets no rule
 *   membership; otherwise the user belongs to its best match (moving when that changes),
 *   or to nothing when nothing matches.
 *
 * Records `membership.added` / `membership.removed` / `membership.source_changed` events.
 */
export async function relinkUser(scope: CommandScope, user: User): Promise<void> {
  const { session, config } = scope;
  const matches = await matchUser(scope, user);
  const current = await session.memberships.listByUser(user.id);
  const at = scope.now.toISOString();
  const byOrganization = new Map(current.map((m) => [m.organizationId, m]));

  const removeRuleMembership = async (membership: Membership) => {
    await session.memberships.delete(membership.userId, membership.organizationId);
    scope.record({
      type: "membership.removed",
      organizationId: membership.organizationId,
      data: { userId: user.id, reason: "rule_no_longer_matches", source: membership.source },
    });
  };
  const linkTo = async (match: OrganizationMatch) => {
    const existing = byOrganization.get(match.organizationId);
    const source = { type: "rule", ruleId: match.rule.id } as const;
    if (existing && existing.source.type !== "rule") return; // a manual or imported membership stays as it is
    if (existing && existing.source.type === "rule" && existing.source.ruleId === match.rule.id) return;
    const membership: Membership = existing
      ? { ...existing, source, updatedAt: at }
      : { userId: user.id, organizationId: match.organizationId, role: "member", admin: false, source, createdAt: at, updatedAt: at };
    await session.memberships.put(membership);
    scope.record({
      type: existing ? "membership.source_changed" : "membership.added",
      organizationId: match.organizationId,
      data: { userId: user.id, source, rule: { kind: match.rule.kind, value: match.rule.value }, reason: match.reason },
    });
  };

  if (config.membershipPolicy === "multiple") {
    const matched = new Set(matches.map((m) => m.organizationId));
    for (const membership of current) {
      if (membership.source.type === "rule" && !matched.has(membership.organizationId)) await removeRuleMembership(membership);
    }
    for (const match of matches) await linkTo(match);
    return;
  }

  if (current.some((m) => m.source.type !== "rule")) {
    // Single policy: a membership set by hand or by import outranks automatic matching.
    for (const membership of current) if (membership.source.type === "rule") await removeRuleMembership(membership);
    return;
  }
  const best = matches[0];
  for (const membership of current) {
    if (membership.organizationId !== best?.organizationId) await removeRuleMembership(membership);
  }
  if (best) await linkTo(best);
}
