/**
 * The reference the compiled matcher is checked against (and benchmarked beside): every
 * rule is tested against every identity part, one by one, written straight from the
 * specification and sharing no code with the matcher beyond the public normalizers.
 */
import {
  registrableDomain,
  safeNormalizeEmail,
  safeNormalizePhone,
  safeNormalizeUsername,
  type MatchReason,
  type MemberRule,
  type NormalizeOptions,
  type NormalizeResult,
  type OrganizationMatch,
  type RuleMatch,
} from "../../src/domain/matching/index.js";

/** A skipped identity part, without its message. */
export interface NaiveSkipped {
  readonly field: string;
  readonly index: number | null;
  readonly code: string;
  readonly reason: string;
}

interface Hit extends RuleMatch {
  readonly sortKey: readonly (number | string)[];
}

const PRECEDENCE = { email: 0, username: 1, phone: 2, domain: 3 } as const;

function compareKeys(a: readonly (number | string)[], b: readonly (number | string)[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x < y) return -1;
    if (x > y) return 1;
  }
  return 0;
}

/** Normalized identity parts, gathered the slow, obvious way. */
function readIdentity(identity: unknown, options: NormalizeOptions) {
  const emails: { value: string; host: string; position: number }[] = [];
  const phones: { value: string; position: number }[] = [];
  let username: string | null = null;
  const skipped: NaiveSkipped[] = [];
  const take = (field: string, index: number | null, result: NormalizeResult, onValue: (value: string) => void) => {
    if (result.success) onValue(result.data);
    else skipped.push({ field, index, code: result.error.code, reason: result.error.reason });
  };
  if (typeof identity !== "object" || identity === null) {
    skipped.push({ field: "identity", index: null, code: "VALIDATION_FAILED", reason: "invalid_type" });
    return { emails, phones, username, skipped };
  }
  const record = identity as Record<string, unknown>;
  if (record.emails != null) {
    if (Array.isArray(record.emails)) {
      record.emails.forEach((email: unknown, position) =>
        take("emails", position, safeNormalizeEmail(email, options), (value) => emails.push({ value, host: value.split("@").pop()!, position })),
      );
    } else skipped.push({ field: "emails", index: null, code: "VALIDATION_FAILED", reason: "invalid_type" });
  }
  if (record.username != null) {
    take("username", null, safeNormalizeUsername(record.username), (value) => {
      username = value;
    });
  }
  if (record.phones != null) {
    if (Array.isArray(record.phones)) {
      record.phones.forEach((phone: unknown, position) =>
        take("phones", position, safeNormalizePhone(phone, options), (value) => phones.push({ value, position })),
      );
    } else skipped.push({ field: "phones", index: null, code: "VALIDATION_FAILED", reason: "invalid_type" });
  }
  return { emails, phones, username: username as string | null, skipped };
}

/** Does the domain rule cover `host`? Exact, or a label-boundary subdomain that stays within the host's registrable domain. */
function domainCovers(rule: MemberRule, host: string): "exact" | "subdomain" | null {
  if (host === rule.value) return "exact";
  if (!rule.includeSubdomains || !host.endsWith(`.${rule.value}`)) return null;
  const registrable = registrableDomain(host);
  if (registrable === null) return null;
  return rule.value === registrable || rule.value.endsWith(`.${registrable}`) ? "subdomain" : null;
}

/** Matches `identity` against every rule in turn. Same result shape as `Matcher.match` (skipped parts without messages). */
export function naiveMatch(
  rules: readonly MemberRule[],
  identity: unknown,
  options: NormalizeOptions = {},
): { matches: OrganizationMatch[]; skipped: NaiveSkipped[] } {
  const { emails, phones, username, skipped } = readIdentity(identity, options);
  const hits: Hit[] = [];
  const hit = (rule: MemberRule, reason: MatchReason, labels: number, exact: boolean, position: number) =>
    hits.push({ rule, reason, sortKey: [PRECEDENCE[rule.kind], -labels, exact ? 0 : 1, position, rule.organizationId, rule.id] });
  for (const rule of rules) {
    switch (rule.kind) {
      case "email":
        for (const email of emails) if (email.value === rule.value) hit(rule, { kind: "email", email: email.value }, 0, true, email.position);
        break;
      case "username":
        if (username !== null && username === rule.value) hit(rule, { kind: "username", username }, 0, true, 0);
        break;
      case "phone":
        for (const phone of phones) if (phone.value === rule.value) hit(rule, { kind: "phone", phone: phone.value }, 0, true, phone.position);
        break;
      case "domain":
        for (const email of emails) {
          const host = email.host;
          const covered = domainCovers(rule, host);
          if (covered !== null) {
            const exact = covered === "exact";
            hit(rule, { kind: "domain", email: email.value, host, subdomain: !exact }, rule.value.split(".").length, exact, email.position);
          }
        }
        break;
    }
  }
  hits.sort((a, b) => compareKeys(a.sortKey, b.sortKey));
  const matches: { organizationId: string; rule: MemberRule; reason: MatchReason; matchedRules: RuleMatch[] }[] = [];
  const seen = new Set<string>();
  for (const { rule, reason } of hits) {
    if (seen.has(rule.id)) continue;
    seen.add(rule.id);
    const organization = matches.find((m) => m.organizationId === rule.organizationId);
    if (organization) organization.matchedRules.push({ rule, reason });
    else matches.push({ organizationId: rule.organizationId, rule, reason, matchedRules: [{ rule, reason }] });
  }
  return { matches, skipped };
}
