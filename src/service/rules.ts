import { z } from "zod";
import { isOrgKitError, notFound, OrgKitError, uniqueConflict } from "../errors.js";
import { createFreeMailDomains } from "../domain/matching/free-mail.js";
import { identityLookupKeys } from "../domain/matching/lookup-keys.js";
import { compileMatcher } from "../domain/matching/matcher.js";
import type { PhoneRegion } from "../domain/matching/phone.js";
import { createMemberRule, type MemberRule } from "../domain/matching/rule.js";
import { addOrganizationMemberRule, assertAssignable, removeOrganizationMemberRule } from "../domain/organization/commands.js";
import { MEMBER_RULE_KINDS, idSchema, type Organization } from "../domain/organization/schema.js";
import type { MemberRuleRecord, User } from "../domain/membership/model.js";
import { parseInput } from "../domain/validation.js";
import { keysetPages } from "../storage/pages.js";
import type { RuleLookupKey, StorageSession } from "../storage/ports.js";
import { administers } from "./authorization.js";
import { defineUseCase, type Need } from "./use-case.js";
import { parseActor, type Actor } from "./actor.js";
import type { OrgKitConfig } from "./config.js";
import { forEachUserMatchingRule, linkUsersMatchingRule, matchableIdentity, provenDomainsOf, relinkUser, ruleLinks, settleDormantRuleMembership } from "./linking.js";
import { loadOrganization, type CommandScope, type Runtime } from "./runtime.js";
import { createDomainProof, provenClaimOver, provenDomainConflict, shadowedOrganizations, type DomainChallenge, type DomainProofResult, type ProveDomainOptions } from "./domain-proof.js";
import { nodeTxtResolver, type TxtResolver } from "./txt-lookup.js";

/** Schema of {@link AddMemberRuleInput}. */
export const addMemberRuleInputSchema = z
  .object({
    /** The rule's id (1–128 characters, unique across all rules). Default: a generated id. */
    id: idSchema.optional(),
    /** What the rule matches: an exact `email`, an email `domain`, a `username` or a `phone` number. */
    kind: z.enum(MEMBER_RULE_KINDS),
    /** The address, domain, username or number, in any accepted spelling (normalized before it is stored; at most 1,000 characters). */
    value: z.string().max(1000),
    /** Domain rules only: also match hosts under the domain (`mail.acme.com` for `acme.com`). Default `false`. */
    includeSubdomains: z.boolean().optional(),
  })
  .strict();
/** Input of `kit.rules.add`: a member rule as typed by an admin (`(623) 434-8050`, `Bücher.example`). */
export type AddMemberRuleInput = z.input<typeof addMemberRuleInputSchema>;

/** What adding or removing a rule did. */
export interface RuleChangeResult {
  /** The rule added (as stored: normalized value) or removed. */
  readonly rule: MemberRuleRecord;
  /** The rule's organization after the change (its member rules updated, its version bumped). */
  readonly organization: Organization;
  /** How many users had their rule memberships re-evaluated. */
  readonly usersRelinked: number;
}

/** Who a rule change would affect (see `kit.rules.previewAdd` / `previewRemove`). */
export interface MemberRulePreview {
  /** The rule previewed: for an add, as it would be stored (normalized value); for a remove, the stored rule. */
  readonly rule: MemberRule;
  /** Another organization already claims the value (under `"reject"` the add would fail with `RULE_CONFLICT`). */
  readonly conflicts: readonly MemberRule[];
  /** `kit.rules.add` would refuse the rule (`RULE_CONFLICT`): another organization claims the value exclusively, or proved the domain or one above it. Always `false` for a remove. */
  readonly rejected: boolean;
  /** Users who would join an organization (`"multiple"` policy: every new match). */
  readonly joining: readonly {
    /** The user's id. */
    readonly userId: string;
    /** The organization the user would join. */
    readonly organizationId: string;
  }[];
  /** Users whose rule-created membership would end. */
  readonly leaving: readonly {
    /** The user's id. */
    readonly userId: string;
    /** The organization the user would leave. */
    readonly organizationId: string;
  }[];
  /** Users whose best organization would change (`"single"` policy: they move). */
  readonly moving: readonly {
    /** The user's id. */
    readonly userId: string;
    /** The organization the user's rules rank first now; `null` when none matches. */
    readonly from: string | null;
    /** The organization they would rank first after the change; `null` when none would match. */
    readonly to: string | null;
  }[];
  /** More users were affected than `limit`; the lists cover the first ones by id. */
  readonly truncated: boolean;
}

/** Member rule use cases (see {@link OrgKit.rules}). */
export interface RulesApi {
  /**
   * Adds a member rule to an organization (needs `edit` on it) and links every existing
   * user it matches. Refuses public suffixes (`DOMAIN_PUBLIC_SUFFIX`), free-mail domains
   * unless allowed (`DOMAIN_FREE_MAIL`), and, under the `"reject"` policy, a value another
   * organization already claims (`RULE_CONFLICT`).
   *
   * @example
   * ```ts
   * await kit.rules.add(admin, smarterTools.id, { kind: "domain", value: "smartertools.com" });
   * await kit.rules.add(admin, smarterTools.id, { kind: "phone", value: "(623) 434-8050" });
   * ```
   */
  add(actor: Actor, organizationId: string, input: AddMemberRuleInput): Promise<RuleChangeResult>;
  /**
   * Removes a rule; only the memberships it created end (a user another rule of the
   * organization still matches stays, re-sourced). This holds for a discontinued
   * organization's dormant memberships too: removing its rule is an explicit change.
   */
  remove(actor: Actor, organizationId: string, ruleId: string): Promise<RuleChangeResult>;
  /** The organization's rules (for platform admins, its org admins and staff with `edit` on it; others get `[]`). */
  list(actor: Actor, organizationId: string): Promise<MemberRuleRecord[]>;
  /** Who would join, leave or move if the rule were added; changes nothing. */
  previewAdd(actor: Actor, organizationId: string, input: AddMemberRuleInput, options?: { readonly limit?: number }): Promise<MemberRulePreview>;
  /** Who would leave or move if the rule were removed; changes nothing. */
  previewRemove(actor: Actor, organizationId: string, ruleId: string, options?: { readonly limit?: number }): Promise<MemberRulePreview>;
  /**
   * The TXT record that proves a domain rule (needs `edit` on the organization, as adding
   * rules does): `{ name: "_orgkit.<domain>", value: "orgkit-verification=<token>" }`. The
   * token is issued on the first call (`member_rule.domain_challenged`) and stays the
   * same afterwards; it is stored per rule and goes with the rule. `VALIDATION_FAILED` for
   * a rule that is not a domain rule, `NOT_FOUND` for a rule of another organization.
   *
   * @example
   * ```ts
   * const { name, value } = await kit.rules.domainChallenge(admin, acme.id, rule.id);
   * // publish: name TXT "value", then:
   * await kit.rules.proveDomain(admin, acme.id, rule.id);
   * ```
   */
  domainChallenge(actor: Actor, organizationId: string, ruleId: string): Promise<DomainChallenge>;
  /**
   * Proves a domain rule: by affiliation (an admin of the organization holds a verified
   * address at the domain itself), or by DNS (a TXT record at the challenge's name holds
   * its value), affiliation first unless `options.method` says which. Needs what adding
   * the rule needs: `edit` on the organization, and on every active organization whose
   * linking domain rule the proof would shadow. A proven domain is the organization's
   * alone in the tenant: adding a domain rule at or under it elsewhere is refused
   * (`RULE_CONFLICT`, reason `domain_proven`), other organizations' rules stop matching
   * hosts there, and two organizations never hold proofs of nesting domains (the second
   * is `RULE_CONFLICT`, also when both prove at once).
   *
   * A failed check is a result (`proven: false` with the reason), not an error: it is
   * recorded (`member_rule.domain_proof_failed`) and shown by `memberships.explain`. The
   * DNS lookup runs with no transaction open.
   *
   * @example
   * ```ts
   * const result = await kit.rules.proveDomain(admin, acme.id, rule.id);
   * if (!result.proven) console.log(result.reason, result.challenge.name, result.challenge.value);
   * ```
   */
  proveDomain(actor: Actor, organizationId: string, ruleId: string, options?: ProveDomainOptions): Promise<DomainProofResult>;
}

const PAGE = 500;
const previewOptionsSchema = z.object({ limit: z.number().int().min(1).max(10_000).default(1000) }).strict();

/** Normalization and guard options for rules, from the kit's configuration. */
export function ruleOptions(config: OrgKitConfig) {
  const allowed = config.allowFreeMail;
  return {
    defaultRegion: config.defaultPhoneRegion as PhoneRegion,
    lowerCaseLocalPart: config.lowercaseEmailLocalPart,
    allowFreeMail: allowed === true,
    freeMailDomains: createFreeMailDomains({ add: config.extraFreeMailDomains, remove: Array.isArray(allowed) ? allowed : [] }),
  };
}

function toRecord(rule: MemberRule, exclusive: boolean): MemberRuleRecord {
  return { ...rule, exclusive };
}

function toRule({ exclusive: _, ...rule }: MemberRuleRecord): MemberRule {
  return rule;
}

/** `RULE_CONFLICT`: the message does not name the organization that holds the value (`existingRule`, for the logs): the actor may not see it. */
function ruleConflict(rule: MemberRule, existing: readonly MemberRuleRecord[], cause?: unknown): OrgKitError<"RULE_CONFLICT"> {
  const other = existing[0];
  return new OrgKitError("RULE_CONFLICT", `The ${rule.kind} value '${rule.value}' is already claimed by another organization's rule`, {
    details: { kind: rule.kind, value: rule.value, existingRule: other ?? null },
    cause,
  });
}

/**
 * Removes a member rule from its organization (`organization.member_rule_removed`) and
 * settles the memberships it created: each one's user is re-linked, so it ends unless
 * another rule of the organization still matches (a dormant membership of a discontinued
 * organization is settled the same way). `rules.remove` and user erasure both remove
 * rules this way. Returns the organization as updated and how many users were re-linked.
 */
export async function removeMemberRule(scope: CommandScope, organization: Organization, record: MemberRuleRecord): Promise<{ readonly organization: Organization; readonly usersRelinked: number }> {
  const { session, config } = scope;
  const result = removeOrganizationMemberRule(organization, record.id, { now: scope.now, config: config.organization });
  await session.organizations.update(result.organization, organization.version);
  // Rules of other organizations the proof shadowed, read before the proof goes: they link again after it.
  const shadowed = record.kind === "domain" && record.proof ? await shadowedOrganizations(session, config, record.value, organization.id) : [];
  await session.rules.delete(record.id);
  scope.recordDomain(result.events);
  if (record.kind === "domain" && record.proof) {
    scope.record({ type: "member_rule.domain_proof_removed", organizationId: organization.id, data: { ruleId: record.id, domain: record.value, method: record.proof.method, reason: "rule_removed" } });
  }
  let usersRelinked = 0;
  const pages = keysetPages((o) => session.memberships.listBySourceRule(record.id, o), (m) => `${m.organizationId}\u0000${m.userId}`, PAGE);
  for await (const page of pages) {
    for (const membership of page) {
      const user = await session.users.get(membership.userId);
      if (!user) await session.memberships.delete(membership.userId, membership.organizationId);
      // A dormant membership is out of re-linking's reach: the removal settles it here, then
      // re-links the user if it ended (under "single" the user is free to join its best match).
      else if (organization.status === "discontinued") {
        if (await settleDormantRuleMembership(scope, user, membership)) await relinkUser(scope, user);
      } else await relinkUser(scope, user);
      usersRelinked++;
    }
  }
  // The hosts the proof kept for this organization are open to the other organizations' rules again.
  if (shadowed.length > 0) usersRelinked += await linkUsersMatchingRule(scope, { kind: "domain", value: record.value, includeSubdomains: true });
  return { organization: result.organization, usersRelinked };
}

const proveOptionsSchema = z.object({ method: z.enum(["dns", "affiliation"]).optional() }).strict();

export function createRulesApi(runtime: Runtime, resolver: TxtResolver = nodeTxtResolver): RulesApi {
  const config = runtime.config;
  const options = ruleOptions(config);
  const matcherOptions = { defaultRegion: options.defaultRegion, lowerCaseLocalPart: options.lowerCaseLocalPart, conflictPolicy: "allow" as const };
  const orgIdOf = (id: unknown) => parseInput(idSchema, id, "organization id", ["organizationId"]);
  const limitOf = (value: unknown) =>
    parseInput(previewOptionsSchema, value ?? {}, "options", ["options"]).limit;

  async function buildPreview(session: StorageSession, rule: MemberRule, people: User[], action: "add" | "remove", truncated: boolean): Promise<MemberRulePreview> {
    const keys = new Map<string, RuleLookupKey>();
    for (const person of people) {
      for (const key of identityLookupKeys(matchableIdentity(person, config), matcherOptions).keys) keys.set(`${key.kind}\u0000${key.value}`, key);
    }
    // The rule itself, also when it links nobody yet (adding) or any more (removing): the matcher must hold it.
    keys.set(`${rule.kind}\u0000${rule.value}`, { kind: rule.kind, value: rule.value });
    const records = keys.size > 0 ? await session.rules.findByKeys([...keys.values()]) : [];
    const owners = await session.organizations.getMany([...new Set(records.map((r) => r.organizationId))]);
    const active = new Set(owners.filter((o) => o.status === "active").map((o) => o.id));
    // The rule's own organization counts even when discontinued: removing one of its rules re-sources its dormant memberships too.
    const matcher = compileMatcher(
      records.filter((r) => (active.has(r.organizationId) || r.organizationId === rule.organizationId) && ruleLinks(config, r)).map(toRule),
      { ...matcherOptions, provenDomains: provenDomainsOf(records) },
    );
    // A domain rule that does not link yet (unproven under "required") changes nobody's matches.
    const linking = ruleLinks(config, records.find((r) => r.id === rule.id) ?? rule);
    const preview = linking
      ? matcher.preview(rule, people.map((p) => ({ ...matchableIdentity(p, config), id: p.id })), action)
      : { rule, joining: [], leaving: [], primaryChanges: [] };
    const sameValue = records.filter((r) => r.kind === rule.kind && r.value === rule.value && r.organizationId !== rule.organizationId);
    return {
      rule: preview.rule,
      conflicts: sameValue.map(toRule),
      rejected:
        action === "add" &&
        ((exclusiveClaim(rule) && sameValue.length > 0) || (rule.kind === "domain" && (await provenClaimOver(session, config, rule.value, rule.organizationId)) !== null)),
      joining: preview.joining.map((c) => ({ userId: c.person.id, organizationId: c.organizationId })),
      leaving: preview.leaving.map((c) => ({ userId: c.person.id, organizationId: c.organizationId })),
      moving: preview.primaryChanges.map((c) => ({ userId: c.person.id, from: c.from?.organizationId ?? null, to: c.to?.organizationId ?? null })),
      truncated,
    };
  }

  /**
   * Other organizations' rules the new rule overlaps: a user they match could match it
   * too, and being more specific (an address inside their domain, a subdomain of it) or
   * equal (under `"allow"`) it would win or share that user. A broader claim (their
   * subdomain's parent) is out-ranked by theirs, so it is not an overlap here.
   */
  async function overlappingClaims(session: StorageSession, rule: MemberRule): Promise<MemberRuleRecord[]> {
    // A rule that links nobody yet (a domain rule under "required" proof) takes no one from anyone.
    if (!ruleLinks(config, rule)) return [];
    let keys: readonly RuleLookupKey[];
    let host: string | null = null;
    if (rule.kind === "email" || rule.kind === "domain") {
      const address = rule.kind === "email" ? rule.value : `x@${rule.value}`;
      host = address.slice(address.lastIndexOf("@") + 1);
      keys = identityLookupKeys({ emails: [address] }, matcherOptions).keys.filter((key) => rule.kind === "email" || key.kind === "domain");
    } else keys = [{ kind: rule.kind, value: rule.value }];
    if (keys.length === 0) return [];
    const found = await session.rules.findByKeys(keys);
    return found.filter((other) => {
      if (other.organizationId === rule.organizationId || !ruleLinks(config, other)) return false;
      if (other.kind !== "domain" || host === null) return other.kind === rule.kind && other.value === rule.value;
      return other.value === host || (other.includeSubdomains && host.endsWith(`.${other.value}`));
    });
  }

  /** The other organizations whose claims the rule overlaps: claiming it needs the right to edit each of them too. */
  async function overlappedOwners(session: StorageSession, rule: MemberRule): Promise<Organization[]> {
    const owners = [...new Set((await overlappingClaims(session, rule)).map((r) => r.organizationId))];
    return session.organizations.getMany(owners);
  }

  /** `rules.add`: `edit` on the organization, and on every organization whose claim the rule overlaps. */
  const addRule = defineUseCase({
    kind: "write",
    async load(scope, { orgId, data }: { readonly orgId: string; readonly data: z.output<typeof addMemberRuleInputSchema> }) {
      const organization = await loadOrganization(scope.session, orgId);
      const rule = createMemberRule(
        { id: data.id ?? scope.ids("rule"), organizationId: orgId, kind: data.kind, value: data.value, ...(data.includeSubdomains !== undefined ? { includeSubdomains: data.includeSubdomains } : {}) },
        options,
      );
      return { organization, rule, overlapped: await overlappedOwners(scope.session, rule) };
    },
    requests: (_input, { organization, rule, overlapped }): Need[] => [
      editRules(organization),
      // The refusal names the other organization only if the actor may read it (the evaluator's explanation is cut the same way).
      ...overlapped.map((other) => ({
        request: { check: "canOnOrganization", action: "edit", organization: other } as const,
        action: `add the ${rule.kind} rule '${rule.value}', which overlaps another organization's claim (claiming it needs the right to edit that organization too)`,
      })),
    ],
    async command(scope, { orgId }, { organization, rule }) {
      const { session } = scope;
      assertAssignable(organization);
      // A domain another organization proved is its alone: no rule at or under it, whoever adds it.
      if (rule.kind === "domain") {
        const proven = await provenClaimOver(session, config, rule.value, orgId);
        if (proven) throw provenDomainConflict(scope.auth, rule, proven, await session.organizations.get(proven.organizationId));
      }
      const exclusive = exclusiveClaim(rule);
      if (exclusive) {
        const existing = (await session.rules.findByKeys([{ kind: rule.kind, value: rule.value }])).filter((r) => r.organizationId !== orgId);
        if (existing.length > 0) throw ruleConflict(rule, existing);
      }
      if (await session.rules.get(rule.id)) {
        throw uniqueConflict(`A member rule with id '${rule.id}' already exists`, { entity: "rule", field: "id", id: rule.id });
      }
      const result = addOrganizationMemberRule(organization, { id: rule.id, kind: rule.kind, value: rule.value, includeSubdomains: rule.includeSubdomains }, { now: scope.now, config: config.organization });
      await session.organizations.update(result.organization, organization.version);
      const record = toRecord(rule, exclusive);
      try {
        await session.rules.insert(record);
      } catch (error) {
        // A concurrent claim of the same value won the race: report it as the conflict it is.
        if (isOrgKitError(error, "CONFLICT") && error.details.reason === "unique") throw ruleConflict(rule, [], error);
        throw error;
      }
      scope.recordDomain(result.events);
      const usersRelinked = await linkUsersMatchingRule(scope, rule);
      return { rule: record, organization: result.organization, usersRelinked };
    },
  });

  /** `rules.remove`: `edit` on the organization; only the memberships the rule created end. */
  const removeRule = defineUseCase({
    kind: "write",
    load: (scope, { orgId }: { readonly orgId: string; readonly id: string }) => loadOrganization(scope.session, orgId),
    requests: (_input, organization) => [editRules(organization)],
    async command(scope, { orgId, id }, organization) {
      const record = await scope.session.rules.get(id);
      if (!record || record.organizationId !== orgId) throw notFound("member rule", id);
      const removed = await removeMemberRule(scope, organization, record);
      return { rule: record, ...removed };
    },
  });

  const editRules = (organization: Organization): Need => ({
    request: { check: "canOnOrganization", action: "edit", organization },
    action: `edit member rules of organization ${organization.id}`,
  });

  /**
   * Whether storage holds the rule as an exclusive claim: under `"reject"`, except a domain
   * rule under `"required"` proof, whose claim is its proof (an unproven one links nobody,
   * so it must not keep the domain's owner from adding and proving the same domain).
   */
  function exclusiveClaim(rule: Pick<MemberRule, "kind">): boolean {
    return config.ruleConflict === "reject" && !(rule.kind === "domain" && config.domainRules.proof === "required");
  }

  const domainProof = createDomainProof({ runtime, resolver, editRules });



  return {
    async domainChallenge(actor, organizationId, ruleId) {
      const ref = parseActor(actor);
      const orgId = orgIdOf(organizationId);
      return domainProof.challenge(ref, orgId, parseInput(idSchema, ruleId, "rule id", ["ruleId"]));
    },

    async proveDomain(actor, organizationId, ruleId, proveOptions) {
      const ref = parseActor(actor);
      const orgId = orgIdOf(organizationId);
      const id = parseInput(idSchema, ruleId, "rule id", ["ruleId"]);
      const { method } = parseInput(proveOptionsSchema, proveOptions ?? {}, "options", ["options"]);
      return domainProof.prove(ref, orgId, id, method);
    },

    async add(actor, organizationId, input) {
      const ref = parseActor(actor);
      const orgId = orgIdOf(organizationId);
      return runtime.execute(addRule, ref, { orgId, data: parseInput(addMemberRuleInputSchema, input, "member rule") });
    },

    async remove(actor, organizationId, ruleId) {
      const ref = parseActor(actor);
      const orgId = orgIdOf(organizationId);
      return runtime.execute(removeRule, ref, { orgId, id: parseInput(idSchema, ruleId, "rule id", ["ruleId"]) });
    },

    async list(actor, organizationId) {
      const ref = parseActor(actor);
      const orgId = orgIdOf(organizationId);
      return runtime.read(ref, async ({ session, auth }) => {
        const organization = await session.organizations.get(orgId);
        // Rules name addresses (an email rule is someone's): for those who administer the organization.
        if (!organization || !administers(auth, organization)) return [];
        return session.rules.listByOrganization(orgId);
      });
    },

    async previewAdd(actor, organizationId, input, previewOptions) {
      const ref = parseActor(actor);
      const orgId = orgIdOf(organizationId);
      const data = parseInput(addMemberRuleInputSchema, input, "member rule");
      const limit = limitOf(previewOptions);
      const previewAddUseCase = defineUseCase({
        kind: "read",
        load: (scope) => loadOrganization(scope.session, orgId),
        requests: (_input: null, organization: Organization) => [editRules(organization)],
        command: async (scope) => {
          const rule = createMemberRule(
            { id: data.id ?? "preview", organizationId: orgId, kind: data.kind, value: data.value, ...(data.includeSubdomains !== undefined ? { includeSubdomains: data.includeSubdomains } : {}) },
            options,
          );
          const people: User[] = [];
          let truncated = false;
          await forEachUserMatchingRule(scope.session, rule, async (user) => {
            if (people.length >= limit) {
              truncated = true;
              return false;
            }
            people.push(user);
          });
          return buildPreview(scope.session, rule, people, "add", truncated);
        },
      });
      return runtime.execute(previewAddUseCase, ref, null);
    },

    async previewRemove(actor, organizationId, ruleId, previewOptions) {
      const ref = parseActor(actor);
      const orgId = orgIdOf(organizationId);
      const id = parseInput(idSchema, ruleId, "rule id", ["ruleId"]);
      const limit = limitOf(previewOptions);
      const previewRemoveUseCase = defineUseCase({
        kind: "read",
        load: (scope) => loadOrganization(scope.session, orgId),
        requests: (_input: null, organization: Organization) => [editRules(organization)],
        command: async (scope) => {
          const record = await scope.session.rules.get(id);
          if (!record || record.organizationId !== orgId) throw notFound("member rule", id);
          const memberships = await scope.session.memberships.listBySourceRule(id, { after: null, limit: Math.min(limit + 1, 1000) });
          const truncated = memberships.length > limit;
          const people = await scope.session.users.getMany(memberships.slice(0, limit).map((m) => m.userId));
          return buildPreview(scope.session, toRule(record), people, "remove", truncated);
        },
      });
      return runtime.execute(previewRemoveUseCase, ref, null);
    },
  };
}
