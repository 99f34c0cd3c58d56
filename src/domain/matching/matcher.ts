import { OrgKitError } from "../../errors.js";
import { describeValue, forEachItem, invalidArgument, readFields } from "../argument-guards.js";
import { visitIdentity, type Identity, type IdentityVisitor, type SkippedIdentityPart } from "./identity.js";
import { resolveNormalizeOptions, type NormalizeOptions, type ResolvedNormalizeOptions } from "./options.js";
import { diffMatches, type RulePreview } from "./preview.js";
import { readProvenDomains, type ProvenDomain } from "./proven-domains.js";
import { registrableDomainOfHost } from "./public-suffix.js";
import { KIND_PRECEDENCE, RULE_KINDS_BY_PRECEDENCE, checkNormalizedRule, type MemberRule, type MemberRuleKind } from "./rule.js";
import { rankCandidates, valueCandidate, type Candidate, type OrganizationMatch } from "./ranking.js";

/**
 * What happens when two organizations claim the same normalized value (kind and value):
 * `"reject"` refuses the second rule with `RULE_CONFLICT`; `"allow"` keeps both, and a
 * matching person gets both organizations, ranked by organization id.
 */
export type ConflictPolicy = "reject" | "allow";

/** Options of {@link compileMatcher}. Normalization options must be the ones the rules were created with. */
export interface MatcherOptions extends NormalizeOptions {
  /** Default `"reject"`. */
  readonly conflictPolicy?: ConflictPolicy | undefined;
  /**
   * Domains organizations have proven they control (see `kit.rules.proveDomain`). An
   * email host at or under a proven domain (within the host's registrable domain) matches
   * the domain rules of the organization that proved it only; other organizations' domain
   * rules do not match it. Email, username and phone rules are not affected. A domain may
   * be proven by one organization only (`VALIDATION_FAILED` otherwise). Default: none.
   *
   * @example
   * ```ts
   * const matcher = compileMatcher(rules, { provenDomains: [{ domain: "acme.com", organizationId: "org_acme" }] });
   * matcher.match({ emails: ["ann@eu.acme.com"] }); // no other organization's domain rule matches
   * ```
   */
  readonly provenDomains?: readonly ProvenDomain[] | undefined;
}

/** The result of {@link Matcher.match}. */
export interface MatchResult {
  /** Every matching organization, best first (see {@link compareCandidates} for the order). */
  readonly matches: readonly OrganizationMatch[];
  /** Identity parts that could not be normalized and were ignored. */
  readonly skipped: readonly SkippedIdentityPart[];
}

/** A compiled, incrementally updatable index of member rules. Made by {@link compileMatcher}. */
export interface Matcher {
  /**
   * Every organization `identity` matches, ranked, each with its best rule and why.
   * Never throws: unusable identity parts are skipped and listed in `skipped`.
   * Cost: a hash lookup per email, username and phone, plus one per domain label of
   * each email host; independent of the number of rules.
   */
  match(identity: Identity): MatchResult;
  /**
   * Adds a rule (as made by {@link createMemberRule}). Throws `VALIDATION_FAILED` /
   * `INVALID_*` / `DOMAIN_PUBLIC_SUFFIX` for a rule that is not normalized, `CONFLICT`
   * (reason `unique`) when the id is taken, and `RULE_CONFLICT` under the `"reject"`
   * policy when another organization has a rule with the same kind and value.
   */
  add(rule: MemberRule): void;
  /** Removes the rule with this id; returns it, or `null` when there was none (also for an id that is not a string). */
  remove(ruleId: string): MemberRule | null;
  /** The rule with this id, or `null` (also for an id that is not a string). */
  get(ruleId: string): MemberRule | null;
  /**
   * Rules of other organizations with the same kind and value as `rule` (what `"reject"`
   * refuses). `VALIDATION_FAILED` when `rule` is not an object with string `id`,
   * `organizationId` and `value` and a rule `kind`, or cannot be read.
   */
  conflictsOf(rule: Pick<MemberRule, "id" | "organizationId" | "kind" | "value">): readonly MemberRule[];
  /** Every rule, in insertion order. */
  rules(): IterableIterator<MemberRule>;
  /** Number of rules. */
  readonly size: number;
  /** The conflict policy in force. */
  readonly conflictPolicy: ConflictPolicy;
  /**
   * What adding `rule` (or, with `"remove"`, removing the rule with its id) would do to
   * `people`: who would start or stop matching an organization, and whose top-ranked
   * organization would change. Adding a rule whose id exists previews replacing it. The
   * matcher is unchanged afterwards; a conflict is reported (`conflicts`, `rejected`)
   * rather than thrown. `NOT_FOUND` when removing an unknown rule; `VALIDATION_FAILED`
   * for a rule as {@link Matcher.add} refuses it, `people` that is not a list (or cannot be
   * read), or an `action` other than `"add"` and `"remove"`.
   */
  preview<P extends Identity>(rule: MemberRule, people: Iterable<P>, action?: "add" | "remove"): RulePreview<P>;
}

type IndexKey = string | number;
type Index = Map<IndexKey, MemberRule[]>;

/** Keeps hashes in V8's small-integer range, the fastest kind of Map key. */
const SMI_MASK = 0x3fffffff;
/** One step of the suffix hash: characters are fed from the end of the name towards its start. */
const suffixStep = (hash: number, charCode: number) => (Math.imul(hash, 31) + charCode) | 0;
/** The suffix hash of `value` from `start` to its end, as matchHost computes it for a host's suffixes. */
function suffixHash(value: string, start: number): number {
  let hash = 0;
  for (let i = value.length - 1; i >= start; i--) hash = suffixStep(hash, value.charCodeAt(i));
  return hash & SMI_MASK;
}

const MATCHER_OPTION_KEYS = ["lowerCaseLocalPart", "defaultRegion", "conflictPolicy", "provenDomains"] as const;
const CONFLICT_KEYS = ["id", "organizationId", "kind", "value"] as const;
const KINDS: ReadonlySet<unknown> = new Set(RULE_KINDS_BY_PRECEDENCE);

/** Reads the (untrusted) argument of the public `conflictsOf` once, checking its types. */
function readConflictQuery(rule: unknown): Pick<MemberRule, "id" | "organizationId" | "kind" | "value"> {
  const read = readFields(rule, CONFLICT_KEYS, "member rule", "rule", false);
  if (!KINDS.has(read.kind)) throw invalidArgument("member rule", "rule.kind", `must be one of ${RULE_KINDS_BY_PRECEDENCE.join(", ")}, not ${describeValue(read.kind)}`, "invalid_value");
  for (const key of ["id", "organizationId", "value"] as const) {
    if (typeof read[key] !== "string") throw invalidArgument("member rule", `rule.${key}`, `must be a string, not ${describeValue(read[key])}`, "invalid_type");
  }
  return read as Pick<MemberRule, "id" | "organizationId" | "kind" | "value">;
}

const EMPTY_SKIPPED: readonly SkippedIdentityPart[] = Object.freeze([]);
const NO_RULES: readonly MemberRule[] = Object.freeze([]);
const NO_MATCH: MatchResult = Object.freeze({ matches: Object.freeze([]) as readonly OrganizationMatch[], skipped: EMPTY_SKIPPED });

/**
 * Compiles member rules into a {@link Matcher}: one hash index per kind, so matching
 * costs the same for ten rules or a hundred thousand. Rules are checked (shape, values
 * normalized, no public-suffix domains) and conflicts handled per `conflictPolicy`.
 *
 * Domain rules match an email host equal to the domain, or — with `includeSubdomains` —
 * a host under it at a label boundary (`mail.acme.com`, never `foobar-acme.com` or
 * `foobaracme.com`) and within the host's registrable domain, so a rule cannot reach
 * across a public suffix into names other people registered.
 *
 * @throws {@link orgkit!OrgKitError | OrgKitError} as {@link Matcher.add}, with the failing rule's position in
 *   `details` (`path: "rules.3.value"`); `VALIDATION_FAILED` for bad options, `rules` that
 *   is not a list, and input that cannot be read (a throwing getter, a revoked proxy).
 *
 * @example
 * ```ts
 * const options = { defaultRegion: "US" } as const;
 * const rules = [
 *   createMemberRule({ id: "r1", organizationId: "org_st", kind: "domain", value: "smartertools.com" }, options),
 *   createMemberRule({ id: "r2", organizationId: "org_st", kind: "phone", value: "(623) 434-8050" }, options),
 *   createMemberRule({ id: "r3", organizationId: "org_ex", kind: "email", value: "jsmith@example.com" }, options),
 * ];
 * const matcher = compileMatcher(rules, options);
 * const { matches, skipped } = matcher.match({ emails: ["Ann@SmarterTools.com"], phones: ["623.434.8050", "n/a"] });
 * matches[0].organizationId; // "org_st"
 * matches[0].reason;         // { kind: "phone", phone: "+16234348050" } (phone outranks domain)
 * skipped[0].reason;         // "not_a_number"
 * ```
 */
export function compileMatcher(rules: Iterable<MemberRule>, options?: MatcherOptions): Matcher {
  const read = readFields(options, MATCHER_OPTION_KEYS, "matcher options", "options");
  const normalize: ResolvedNormalizeOptions = resolveNormalizeOptions(read as NormalizeOptions);
  const conflictPolicy = read.conflictPolicy ?? "reject";
  if (conflictPolicy !== "reject" && conflictPolicy !== "allow") {
    throw new OrgKitError("VALIDATION_FAILED", `Invalid conflictPolicy: ${describeValue(conflictPolicy)} (expected "reject" or "allow")`, {
      details: { issues: [{ path: "conflictPolicy", message: 'must be "reject" or "allow"', code: "invalid_value" }] },
    });
  }
  const provenDomains = readProvenDomains(read.provenDomains, "provenDomains");

  const byId = new Map<string, MemberRule>();
  // Email, username and phone rules are keyed by value. Domain rules are keyed by a hash
  // of their value (see suffixHash), so matching can look up every parent domain of a
  // host without slicing a string per label; a bucket may hold other values that share
  // the hash, so every use compares the value itself.
  const indexes: Record<MemberRuleKind, Index> = { email: new Map(), username: new Map(), phone: new Map(), domain: new Map() };
  const keyOf = (rule: Pick<MemberRule, "kind" | "value">): IndexKey => (rule.kind === "domain" ? suffixHash(rule.value, 0) : rule.value);

  // The indexes alone decide matching; byId only serves get/remove/rules. preview()
  // edits just the indexes, so the rule order seen through rules() never changes.
  function indexRule(rule: MemberRule): void {
    const index = indexes[rule.kind];
    const key = keyOf(rule);
    const list = index.get(key);
    if (list === undefined) index.set(key, [rule]);
    else list.push(rule);
  }

  function unindexRule(rule: MemberRule): void {
    const index = indexes[rule.kind];
    const key = keyOf(rule);
    const list = index.get(key);
    if (list === undefined) return;
    const at = list.findIndex((r) => r.id === rule.id);
    if (at >= 0) list.splice(at, 1);
    if (list.length === 0) index.delete(key);
  }

  function conflictsOf(rule: Pick<MemberRule, "id" | "organizationId" | "kind" | "value">): readonly MemberRule[] {
    const list = indexes[rule.kind]?.get(keyOf(rule));
    return list === undefined ? NO_RULES : list.filter((r) => r.value === rule.value && r.organizationId !== rule.organizationId && r.id !== rule.id);
  }

  function checkAndInsert(candidate: unknown, path: string): void {
    const rule = checkNormalizedRule(candidate, path, normalize);
    const existing = byId.get(rule.id);
    if (existing !== undefined) {
      throw new OrgKitError("CONFLICT", `Member rule id ${rule.id} is already in the matcher`, {
        details: { reason: "unique", path: `${path}.id`, rule, existingRule: existing },
      });
    }
    if (conflictPolicy === "reject") {
      const conflicts = conflictsOf(rule);
      if (conflicts.length > 0) {
        const first = conflicts[0]!;
        throw new OrgKitError(
          "RULE_CONFLICT",
          `Organization ${first.organizationId} already claims ${rule.kind} '${rule.value}' (rule ${first.id}); rule ${rule.id} for organization ${rule.organizationId} is refused`,
          { details: { path, rule, existingRule: first, conflictingRules: conflicts } },
        );
      }
    }
    byId.set(rule.id, rule);
    indexRule(rule);
  }

  // The visitor is shared by every match() call; `candidates` collects the current
  // call's matches (match() is synchronous; see there for re-entry).
  let candidates: Candidate[] | undefined;
  const push = (candidate: Candidate) => {
    if (candidates === undefined) candidates = [candidate];
    else candidates.push(candidate);
  };
  const visitor: IdentityVisitor = {
    email(email, position) {
      const exact = indexes.email.get(email);
      if (exact !== undefined) for (const rule of exact) push(valueCandidate(rule, { kind: "email", email }, position));
      if (indexes.domain.size > 0) matchHost(email, position);
    },
    username(username) {
      const list = indexes.username.get(username);
      if (list !== undefined) for (const rule of list) push(valueCandidate(rule, { kind: "username", username }, 0));
    },
    phone(phone, position) {
      const list = indexes.phone.get(phone);
      if (list !== undefined) for (const rule of list) push(valueCandidate(rule, { kind: "phone", phone }, position));
    },
  };

  const domainTier = KIND_PRECEDENCE.domain;
  // Per-host state of matchHost, kept outside it so the per-label check allocates nothing.
  let hostEmail = "";
  let hostStart = 0;
  let hostPosition = 0;
  let host: string | undefined;
  let registrable: string | null | undefined;
  /** The organization that proved a domain containing the host, if any: only its domain rules match the host. */
  let hostOwner: string | undefined;

  /**
   * Walks the email's host from its last label leftwards, hashing as it goes; at each
   * label boundary the suffix so far is a candidate domain (`com`, `acme.com`,
   * `mail.acme.com`), looked up by hash. Only label boundaries are tried, so
   * `foobar.com` can never meet a rule for `bar.com`.
   */
  function matchHost(email: string, position: number): void {
    hostEmail = email;
    hostStart = email.lastIndexOf("@") + 1;
    hostPosition = position;
    host = undefined;
    registrable = undefined;
    hostOwner = undefined;
    if (provenDomains.size > 0) {
      host = email.slice(hostStart);
      hostOwner = provenDomains.ownerOf(host);
    }
    let hash = 0;
    let labels = 1;
    for (let i = email.length - 1; i >= hostStart; i--) {
      const c = email.charCodeAt(i);
      // A single label is always a public suffix, so no rule can name it: start at two.
      if (c === 0x2e) {
        if (labels >= 2) checkDomain(hash, i + 1, labels);
        labels++;
      }
      hash = suffixStep(hash, c);
    }
    checkDomain(hash, hostStart, labels);
  }

  function checkDomain(hash: number, start: number, labels: number): void {
    const list = indexes.domain.get(hash & SMI_MASK);
    if (list === undefined) return;
    const email = hostEmail;
    const length = email.length - start;
    const exact = start === hostStart;
    for (const rule of list) {
      // Same hash is not same value: compare (the suffix ends where the email ends).
      if (rule.value.length !== length || !email.endsWith(rule.value)) continue;
      if (hostOwner !== undefined && rule.organizationId !== hostOwner) continue;
      if (!exact) {
        if (!rule.includeSubdomains) continue;
        // Computed only when a subdomain candidate turns up: most hosts never need the PSL.
        host ??= email.slice(hostStart);
        if (registrable === undefined) registrable = registrableDomainOfHost(host);
        // The rule must sit at or below the host's registrable domain: above it lies a
        // public suffix, under which the host belongs to someone else.
        if (registrable === null || length < registrable.length) continue;
      }
      host ??= email.slice(hostStart);
      push({ rule, reason: { kind: "domain", email, host, subdomain: !exact }, tier: domainTier, labels, exact, position: hostPosition });
    }
  }

  function match(identity: Identity): MatchResult {
    // Saved and restored: a getter on the identity could call match() again.
    const outer = candidates;
    candidates = undefined;
    const skipped = visitIdentity(identity, normalize, visitor);
    const found = candidates;
    candidates = outer;
    if (found === undefined) return skipped === undefined ? NO_MATCH : { matches: [], skipped };
    return { matches: rankCandidates(found), skipped: skipped ?? EMPTY_SKIPPED };
  }

  function preview<P extends Identity>(candidate: MemberRule, people: Iterable<P>, action: "add" | "remove" = "add"): RulePreview<P> {
    if (action !== "add" && action !== "remove") throw invalidArgument("rule preview", "action", `must be "add" or "remove", not ${describeValue(action)}`, "invalid_value");
    const rule = checkNormalizedRule(candidate, "rule", normalize);
    const existing = byId.get(rule.id) ?? null;
    if (action === "remove" && existing === null) {
      throw new OrgKitError("NOT_FOUND", `Member rule ${rule.id} is not in the matcher`, { details: { entity: "memberRule", id: rule.id } });
    }
    const list: P[] = [];
    forEachItem<P>(people, "rule preview", "people", (person) => list.push(person));
    const before = list.map(match);
    const conflicts = action === "add" ? conflictsOf(rule) : [];
    // Apply the change, match again, and restore exactly, whatever happens.
    if (existing !== null) unindexRule(existing);
    if (action === "add") indexRule(rule);
    let after: MatchResult[];
    try {
      after = list.map(match);
    } finally {
      if (action === "add") unindexRule(rule);
      if (existing !== null) indexRule(existing);
    }
    return {
      change: action === "remove" ? "remove" : existing === null ? "add" : "replace",
      rule: action === "remove" ? existing! : rule,
      replaced: action === "add" ? existing : null,
      conflicts,
      rejected: conflictPolicy === "reject" && conflicts.length > 0,
      ...diffMatches(list, before, after),
    };
  }

  forEachItem(rules, "member rules", "rules", (rule, position) => checkAndInsert(rule, `rules.${position}`));

  return {
    match,
    add: (rule) => checkAndInsert(rule, "rule"),
    remove(ruleId) {
      const rule = byId.get(ruleId);
      if (rule === undefined) return null;
      byId.delete(ruleId);
      unindexRule(rule);
      return rule;
    },
    get: (ruleId) => byId.get(ruleId) ?? null,
    conflictsOf: (rule) => conflictsOf(readConflictQuery(rule)),
    rules: () => byId.values(),
    get size() {
      return byId.size;
    },
    conflictPolicy,
    preview,
  };
}
