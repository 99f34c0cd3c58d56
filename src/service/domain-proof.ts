/**
 * Domain proof: an organization shows it controls the domain of one of its domain rules,
 * by a TXT record `orgkit-verification=<token>` at `_orgkit.<domain>`, or by affiliation
 * (an admin of the organization holds a verified address at the domain itself). A proven
 * domain is the prover's alone in the tenant: no other organization may add a domain rule
 * at or under it, and other organizations' domain rules stop matching hosts at or under it
 * (see `MatcherOptions.provenDomains`). Under `domainRules.proof: "required"` a domain
 * rule links nobody until it is proven.
 *
 * A DNS check never runs inside a transaction: the rule and its challenge are read first,
 * the resolver is asked with no transaction open, then a short transaction re-reads the
 * state, re-checks what the answer was about (the same rule, the same token), and writes.
 *
 * @module
 */
import { OrgKitError, notFound } from "../errors.js";
import { identityLookupKeys } from "../domain/matching/lookup-keys.js";
import type { PhoneRegion } from "../domain/matching/phone.js";
import { DOMAIN_PROOF_PREFIX, domainProofRecordName, domainProofRecordValue, domainsNest, isWithinDomain } from "../domain/matching/proven-domains.js";
import { registrableDomainOfHost } from "../domain/matching/public-suffix.js";
import { assertAssignable } from "../domain/organization/commands.js";
import type { Organization } from "../domain/organization/schema.js";
import type { DomainChallengeRecord, DomainProofFailureReason, DomainProofMethod, MemberRuleProof, MemberRuleRecord } from "../domain/membership/model.js";
import type { StorageSession } from "../storage/ports.js";
import type { Authorization } from "./authorization.js";
import type { OrgKitConfig } from "./config.js";
import { linkUsersMatchingRule, matchableIdentity, ruleLinks } from "./linking.js";
import { canRead } from "./organizations.js";
import { loadOrganization, type CommandScope, type Runtime } from "./runtime.js";
import type { ActorRef } from "../storage/ports.js";
import { checkTxtRecord, type TxtCheck, type TxtResolver } from "./txt-lookup.js";
import { defineUseCase, type Need } from "./use-case.js";

/** What an organization publishes to prove a domain rule: a TXT record `name` holding `value`. */
export interface DomainChallenge {
  /** The domain rule the challenge proves. */
  readonly ruleId: string;
  /** The rule's domain, as stored (lower-case ASCII: `xn--bcher-kva.example` for `Bücher.example`). */
  readonly domain: string;
  /** The TXT record's name: `_orgkit.<domain>`. */
  readonly name: string;
  /** The TXT record's text: `orgkit-verification=<token>`. */
  readonly value: string;
  /** When the token was issued (ISO 8601); it stays the same for the rule's lifetime. */
  readonly issuedAt: string;
}

/** `kit.rules.proveDomain` found the proof: the rule is proven (now, or it already was). */
export interface DomainProven {
  /** Discriminant: the domain is proven. */
  readonly proven: true;
  /** The domain rule, with its `proof`. */
  readonly rule: MemberRuleRecord;
  /** How and when the domain was proven, and by whom (the same as `rule.proof`). */
  readonly proof: MemberRuleProof;
  /** `false` when the rule was already proven (nothing was checked or written). */
  readonly changed: boolean;
  /** How many users had their rule memberships re-evaluated. */
  readonly usersRelinked: number;
}

/** `kit.rules.proveDomain` did not find the proof; the failed check is recorded (event and `lastFailure`). */
export interface DomainProofFailed {
  /** Discriminant: the check failed. */
  readonly proven: false;
  /** The domain rule, still unproven. */
  readonly rule: MemberRuleRecord;
  /** Why the check failed (`no_record`, `token_mismatch`, `timeout`…): see {@link DomainProofFailureReason}. */
  readonly reason: DomainProofFailureReason;
  /** A sentence a person can read. */
  readonly message: string;
  /** The resolver's error code (`ESERVFAIL`…), when it gave one. */
  readonly code?: string;
  /** What to publish (issued now if the rule had no challenge yet). */
  readonly challenge: DomainChallenge;
}

/** What `kit.rules.proveDomain` returns: a failed check is a result, not an error (so that its record commits). */
export type DomainProofResult = DomainProven | DomainProofFailed;

/** Options of `kit.rules.proveDomain`. */
export interface ProveDomainOptions {
  /** Try only this method. Default: affiliation first (no network), then DNS. */
  readonly method?: DomainProofMethod;
}

/** What the read before a DNS lookup found. */
interface ProofFacts {
  readonly organization: Organization;
  readonly rule: MemberRuleRecord;
  readonly challenge: DomainChallengeRecord | null;
  /** An admin of the organization holds a verified address at the domain. */
  readonly affiliated: boolean;
}

/** The outcome of the checks, decided before the writing transaction. */
type Attempt =
  | { readonly kind: "dns"; readonly check: TxtCheck; readonly token: string | null }
  | { readonly kind: "affiliation" }
  | { readonly kind: "none"; readonly reason: DomainProofFailureReason };

const HEX = "0123456789abcdef";

/** A new challenge token: 160 random bits as hex (Web Crypto, which Node 20 and every other target has). */
function newToken(): string {
  const bytes = new Uint8Array(20);
  globalThis.crypto.getRandomValues(bytes);
  let token = "";
  for (const byte of bytes) token += HEX[byte >> 4]! + HEX[byte & 15]!;
  return token;
}

/** The public form of a stored challenge. */
export function toChallenge(record: DomainChallengeRecord): DomainChallenge {
  return { ruleId: record.ruleId, domain: record.domain, name: domainProofRecordName(record.domain), value: domainProofRecordValue(record.token), issuedAt: record.issuedAt };
}

const MESSAGES: Readonly<Record<DomainProofFailureReason, (domain: string) => string>> = {
  no_challenge: (d) => `No challenge had been issued for '${d}': publish the TXT record now returned, then prove again`,
  no_record: (d) => `No TXT record found at ${domainProofRecordName(d)}`,
  token_mismatch: (d) => `No TXT record at ${domainProofRecordName(d)} holds this rule's ${DOMAIN_PROOF_PREFIX}… value`,
  timeout: (d) => `The DNS lookup of ${domainProofRecordName(d)} timed out`,
  resolver_error: (d) => `The DNS lookup of ${domainProofRecordName(d)} failed`,
  invalid_response: (d) => `The DNS answer for ${domainProofRecordName(d)} was not a list of TXT records`,
  name_too_long: (d) => `${domainProofRecordName(d)} is longer than a domain name may be: prove '${d}' by affiliation`,
  no_affiliated_admin: (d) => `No admin of the organization holds a verified address at ${d}`,
};

/**
 * Loads the organization and its rule `ruleId`: `null` for a rule that does not exist or
 * is another organization's, reported (`NOT_FOUND`) only after authorization, so that an
 * actor without rights learns nothing of which rule ids exist.
 */
async function loadRule(session: StorageSession, organizationId: string, ruleId: string): Promise<{ organization: Organization; rule: MemberRuleRecord | null }> {
  const organization = await loadOrganization(session, organizationId);
  const rule = await session.rules.get(ruleId);
  return { organization, rule: rule && rule.organizationId === organizationId ? rule : null };
}

/** The rule, which must exist (`NOT_FOUND`) and be a domain rule (`VALIDATION_FAILED` at `ruleId`): only domain rules can be proven. */
function requireDomainRule(rule: MemberRuleRecord | null, ruleId: string): MemberRuleRecord {
  if (rule === null) throw notFound("member rule", ruleId);
  if (rule.kind === "domain") return rule;
  const message = `is a ${rule.kind} rule; only domain rules can be proven`;
  throw new OrgKitError("VALIDATION_FAILED", `Invalid rule id: rule ${rule.id} ${message}`, { details: { issues: [{ path: "ruleId", message, code: "not_a_domain_rule" }] } });
}

/** The domain lookup keys of `domain`: itself and each parent down to its registrable domain. */
function domainKeys(config: OrgKitConfig, domain: string) {
  return identityLookupKeys({ emails: [`x@${domain}`] }, { defaultRegion: config.defaultPhoneRegion as PhoneRegion, lowerCaseLocalPart: config.lowercaseEmailLocalPart }).keys.filter(
    (key) => key.kind === "domain",
  );
}

/**
 * Another organization's proven domain rule whose domain contains `domain` (at or above
 * it, within its registrable domain): a domain rule at `domain` would match no host there.
 */
export async function provenClaimOver(session: StorageSession, config: OrgKitConfig, domain: string, organizationId: string): Promise<MemberRuleRecord | null> {
  const found = await session.rules.findByKeys(domainKeys(config, domain));
  return found.find((r) => r.kind === "domain" && r.proof && r.organizationId !== organizationId) ?? null;
}

/**
 * `RULE_CONFLICT` (reason `domain_proven`) for a domain another organization proved. The
 * details name that organization only when the actor may read it.
 */
export function provenDomainConflict(auth: Authorization, rule: Pick<MemberRuleRecord, "kind" | "value">, other: MemberRuleRecord, owner: Organization | null, cause?: unknown): OrgKitError {
  const visible = owner !== null && canRead(auth, owner);
  return new OrgKitError(
    "RULE_CONFLICT",
    `The domain '${other.value}' has been proven by ${visible ? `organization ${other.organizationId}` : "another organization"}: no other organization may claim '${rule.value}'`,
    { details: { reason: "domain_proven", kind: rule.kind, value: rule.value, provenDomain: other.value, ...(visible ? { organizationId: other.organizationId } : {}) }, cause },
  );
}

/** Another organization's proven domain rule nesting with `domain` (at, above or under it), if any. */
async function nestedProofOfAnother(session: StorageSession, domain: string, organizationId: string): Promise<MemberRuleRecord | null> {
  const above = await session.rules.findByKeys(ancestorsAtLabels(domain).map((value) => ({ kind: "domain" as const, value })));
  const over = above.find((r) => r.kind === "domain" && r.proof && r.organizationId !== organizationId);
  if (over) return over;
  for (let after: string | null = null; ; ) {
    const page: MemberRuleRecord[] = await session.rules.findWithinDomain(domain, { after, limit: 500, provenOnly: true });
    const under = page.find((r) => r.organizationId !== organizationId && domainsNest(r.value, domain));
    if (under) return under;
    if (page.length < 500) return null;
    after = page[page.length - 1]!.id;
  }
}

/** `domain` and each of its parents at a label boundary (as storage compares proofs). */
function ancestorsAtLabels(domain: string): string[] {
  const out: string[] = [];
  for (let start = 0; ; ) {
    out.push(start === 0 ? domain : domain.slice(start));
    const dot = domain.indexOf(".", start);
    if (dot < 0) return out;
    start = dot + 1;
  }
}

/** True when `host` lies in the proven zone of `domain`: at or under it, within the host's registrable domain. */
function inZone(host: string, domain: string): boolean {
  if (!isWithinDomain(host, domain)) return false;
  const registrable = registrableDomainOfHost(host);
  return registrable !== null && registrable.length <= domain.length;
}

/**
 * The active organizations (other than `organizationId`) with a domain rule that links and
 * that a proof of `domain` would shadow: a rule at or under the domain, or one above it
 * that includes subdomains. Proving the domain ends the memberships such rules made for
 * hosts in the domain, so it needs the right to edit each (as adding an overlapping rule does).
 */
export async function shadowedOrganizations(session: StorageSession, config: OrgKitConfig, domain: string, organizationId: string): Promise<Organization[]> {
  const owners = new Set<string>();
  const consider = (r: MemberRuleRecord, under: boolean) => {
    if (r.organizationId === organizationId || r.kind !== "domain" || !ruleLinks(config, r)) return;
    if (under ? inZone(r.value, domain) : r.includeSubdomains && r.value !== domain && inZone(domain, r.value)) owners.add(r.organizationId);
  };
  for (const r of await session.rules.findByKeys(domainKeys(config, domain))) consider(r, false);
  for (let after: string | null = null; ; ) {
    const page: MemberRuleRecord[] = await session.rules.findWithinDomain(domain, { after, limit: 500 });
    for (const r of page) consider(r, true);
    if (page.length < 500) break;
    after = page[page.length - 1]!.id;
  }
  const organizations = await session.organizations.getMany([...owners]);
  return organizations.filter((o) => o.status === "active");
}

/** An admin of the organization whose verified address is at `domain` itself (the first by user id), or null. */
async function affiliatedAdmin(scope: CommandScope, organizationId: string, domain: string): Promise<{ userId: string; email: string } | null> {
  for (let after: string | null = null; ; ) {
    const admins = await scope.session.memberships.listAdmins(organizationId, { after, limit: 100 });
    const users = await scope.session.users.getMany(admins.map((m) => m.userId));
    for (const user of users.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
      const email = matchableIdentity(user, scope.config).emails.find((e) => e.slice(e.lastIndexOf("@") + 1) === domain);
      if (email !== undefined) return { userId: user.id, email };
    }
    if (admins.length < 100) return null;
    after = admins[admins.length - 1]!.userId;
  }
}

/** The use cases behind `kit.rules.domainChallenge` and `kit.rules.proveDomain`. */
export function createDomainProof(options: { readonly runtime: Runtime; readonly resolver: TxtResolver; readonly editRules: (organization: Organization) => Need }) {
  const { runtime, resolver, editRules } = options;
  const config = runtime.config;

  /** The rule's challenge, issued (stored, `member_rule.domain_challenged`) when it has none. */
  async function ensureChallenge(scope: CommandScope, rule: MemberRuleRecord): Promise<DomainChallengeRecord> {
    const existing = await scope.session.rules.getChallenge(rule.id);
    if (existing) return existing;
    const challenge: DomainChallengeRecord = { ruleId: rule.id, organizationId: rule.organizationId, domain: rule.value, token: newToken(), issuedAt: scope.now.toISOString(), lastFailure: null };
    if (!(await scope.session.rules.putChallenge(challenge))) throw notFound("member rule", rule.id);
    // The token stays out of the audit trail: it is for the organization's admins, through the challenge.
    scope.record({ type: "member_rule.domain_challenged", organizationId: rule.organizationId, data: { ruleId: rule.id, domain: rule.value, recordName: domainProofRecordName(rule.value) } });
    return challenge;
  }

  const challengeUseCase = defineUseCase({
    kind: "write",
    load: (scope, input: { readonly orgId: string; readonly ruleId: string }) => loadRule(scope.session, input.orgId, input.ruleId),
    requests: (_input, { organization }) => [editRules(organization)],
    async command(scope, input, facts) {
      const rule = requireDomainRule(facts.rule, input.ruleId);
      assertAssignable(facts.organization);
      return toChallenge(await ensureChallenge(scope, rule));
    },
  });

  /** The read before any lookup: the rule, its challenge, and the right to prove it. */
  const inspectUseCase = defineUseCase({
    kind: "read",
    load: (scope, input: { readonly orgId: string; readonly ruleId: string; readonly method: DomainProofMethod | undefined }) => loadRule(scope.session, input.orgId, input.ruleId),
    requests: (_input, { organization }) => [editRules(organization)],
    async command(scope, input, facts): Promise<ProofFacts> {
      const { organization } = facts;
      const rule = requireDomainRule(facts.rule, input.ruleId);
      assertAssignable(organization);
      // Affiliation needs no network: when it holds, the DNS lookup is skipped (the writing transaction checks it again).
      const affiliated = !rule.proof && input.method !== "dns" && (await affiliatedAdmin(scope, organization.id, rule.value)) !== null;
      return { organization, rule, challenge: await scope.session.rules.getChallenge(rule.id), affiliated };
    },
  });

  type ProveInput = { readonly orgId: string; readonly ruleId: string; readonly attempt: Attempt; readonly method: DomainProofMethod | undefined };

  /** The short writing transaction: re-read, re-check, then record the proof (and link) or the failure. */
  const proveUseCase = defineUseCase({
    kind: "write",
    async load(scope, input: ProveInput) {
      const { organization, rule: found } = await loadRule(scope.session, input.orgId, input.ruleId);
      // Reported by the command, after authorization.
      if (found === null || found.kind !== "domain") return { organization, rule: found, challenge: null, success: null, failure: null, already: false, shadowed: [] as Organization[] };
      const rule = found;
      const challenge = await scope.session.rules.getChallenge(rule.id);
      let success: { proof: MemberRuleProof } | null = null;
      let failure: { reason: DomainProofFailureReason; code?: string; method: DomainProofMethod } | null = null;
      const by = { type: scope.actor.type, id: scope.actor.id } as const;
      const at = scope.now.toISOString();
      if (rule.proof) return { organization, rule, challenge, success: { proof: rule.proof }, failure, already: true, shadowed: [] as Organization[] };
      const affiliation = input.method !== "dns" ? await affiliatedAdmin(scope, organization.id, rule.value) : null;
      if (affiliation) success = { proof: { method: "affiliation", provenAt: at, provenBy: by, userId: affiliation.userId, email: affiliation.email } };
      else if (input.attempt.kind === "dns" && input.attempt.check.found) {
        // The answer was about the token read before the lookup: it must still be the rule's.
        if (challenge !== null && challenge.token === input.attempt.token) success = { proof: { method: "dns", provenAt: at, provenBy: by, recordName: domainProofRecordName(rule.value) } };
        else failure = { reason: "token_mismatch", method: "dns" };
      } else if (input.attempt.kind === "dns" && !input.attempt.check.found) {
        failure = { reason: input.attempt.check.reason, method: "dns", ...(input.attempt.check.code !== undefined ? { code: input.attempt.check.code } : {}) };
      } else if (input.attempt.kind === "none") {
        failure = { reason: input.attempt.reason, method: input.attempt.reason === "no_affiliated_admin" ? "affiliation" : "dns" };
      } else failure = { reason: "no_affiliated_admin", method: "affiliation" };
      const shadowed = success ? await shadowedOrganizations(scope.session, config, rule.value, organization.id) : [];
      return { organization, rule, challenge, success, failure, already: false, shadowed };
    },
    requests: (_input, { organization, rule, success, already, shadowed }): Need[] => [
      editRules(organization),
      // A proof that takes hosts from other organizations' rules needs the right to edit each (the refusal names them only to those who may read them).
      ...(success && !already
        ? shadowed.map((other) => ({
            request: { check: "canOnOrganization", action: "edit", organization: other } as const,
            action: `prove the domain '${rule!.value}', which another organization's domain rule covers (proving it needs the right to edit that organization too)`,
          }))
        : []),
    ],
    async command(scope, input, facts): Promise<DomainProofResult> {
      const { organization, success, failure, already, shadowed } = facts;
      const rule = requireDomainRule(facts.rule, input.ruleId);
      if (success && already) return { proven: true, rule, proof: success.proof, changed: false, usersRelinked: 0 };
      assertAssignable(organization);
      if (success) {
        const other = await nestedProofOfAnother(scope.session, rule.value, organization.id);
        if (other) throw provenDomainConflict(scope.auth, rule, other, await scope.session.organizations.get(other.organizationId));
        try {
          await scope.session.rules.setProof(rule.id, success.proof);
        } catch (error) {
          // A concurrent proof of a nesting domain won the race. On PostgreSQL the failed
          // statement ended the transaction, so the winner cannot be read: it is not named.
          if (error instanceof OrgKitError && error.code === "CONFLICT" && error.details["reason"] === "unique") {
            throw new OrgKitError("RULE_CONFLICT", `Another organization has proven '${rule.value}', or a domain above or under it`, {
              details: { reason: "domain_proven", kind: rule.kind, value: rule.value },
              cause: error,
            });
          }
          throw error;
        }
        const proven: MemberRuleRecord = { ...rule, proof: success.proof };
        const { provenAt: _at, provenBy: _by, ...evidence } = success.proof;
        scope.record({ type: "member_rule.domain_proven", organizationId: organization.id, data: { ruleId: rule.id, domain: rule.value, ...evidence } });
        // Users the proof changes: under "required" those the rule now links; where it shadows
        // other organizations' rules, every user in the domain (they leave those organizations).
        let usersRelinked = 0;
        if (shadowed.length > 0) usersRelinked = await linkUsersMatchingRule(scope, { kind: "domain", value: rule.value, includeSubdomains: true });
        else if (config.domainRules.proof === "required") usersRelinked = await linkUsersMatchingRule(scope, rule);
        return { proven: true, rule: proven, proof: success.proof, changed: true, usersRelinked };
      }
      const failed = failure!;
      const challenge = await ensureChallenge(scope, rule);
      const lastFailure = { at: scope.now.toISOString(), method: failed.method, reason: failed.reason };
      await scope.session.rules.putChallenge({ ...challenge, lastFailure });
      scope.record({
        type: "member_rule.domain_proof_failed",
        organizationId: organization.id,
        data: { ruleId: rule.id, domain: rule.value, method: failed.method, reason: failed.reason, ...(failed.code !== undefined ? { code: failed.code } : {}) },
      });
      return {
        proven: false,
        rule,
        reason: failed.reason,
        message: MESSAGES[failed.reason](rule.value),
        ...(failed.code !== undefined ? { code: failed.code } : {}),
        challenge: toChallenge(challenge),
      };
    },
  });

  return {
    challenge: (actor: ActorRef, orgId: string, ruleId: string) => runtime.execute(challengeUseCase, actor, { orgId, ruleId }),
    async prove(actor: ActorRef, orgId: string, ruleId: string, method: DomainProofMethod | undefined): Promise<DomainProofResult> {
      const facts = await runtime.execute(inspectUseCase, actor, { orgId, ruleId, method });
      let attempt: Attempt;
      if (facts.rule.proof || method === "affiliation") attempt = { kind: "affiliation" };
      else if (facts.affiliated) attempt = { kind: "affiliation" };
      else if (facts.challenge === null) attempt = { kind: "none", reason: "no_challenge" };
      else {
        // Outside any transaction: the resolver may take seconds.
        const check = await checkTxtRecord(resolver, domainProofRecordName(facts.rule.value), domainProofRecordValue(facts.challenge.token), config.domainRules.dnsTimeoutMs);
        attempt = { kind: "dns", check, token: facts.challenge.token };
      }
      return runtime.execute(proveUseCase, actor, { orgId, ruleId, attempt, method });
    },
  };
}
