import type { DomainChallengeRecord, MemberRuleProof, MemberRuleRecord } from "../../domain/membership/model.js";
import type { KeysetOptions, MemberRuleRepository, RuleLookupKey } from "../../storage/ports.js";
import type { Journal } from "./journal.js";
import { uniqueConflict } from "../../errors.js";
import { checkRecord, checkString, invalidArgument, pairKey, readKeyset } from "./arguments.js";
import { freezeCopy } from "./detach.js";
import { IndexedTable } from "./indexed-table.js";
import { MultiIndex } from "./multi-index.js";
import { SortedKeys } from "./sorted-keys.js";
import type { SyncRepository } from "./sync-repository.js";

/** A domain's labels reversed (`eu.acme.com` → `com.acme.eu`): names under a domain share its prefix. */
function reverseLabels(domain: string): string {
  return domain.split(".").reverse().join(".");
}

/** The challenges of domain rules, by rule id: a table of its own, so reading a rule never shows a token. @internal */
class ChallengeTable extends IndexedTable<DomainChallengeRecord> {
  protected index(): void {}
  protected unindex(): void {}
  get(ruleId: string): DomainChallengeRecord | null {
    return this.rows.get(ruleId) ?? null;
  }
  put(challenge: DomainChallengeRecord): void {
    this.write(challenge.ruleId, freezeCopy(challenge));
  }
  remove(ruleId: string): void {
    this.write(ruleId, undefined);
  }
}

/**
 * Member rules, indexed by id (sorted), by `kind ␀ value` (for matching), by owning
 * organization, the exclusive claim on each `kind ␀ value`, domain rules by reversed
 * labels (for `findWithinDomain`), and proven domains. Challenges live in a table beside.
 *
 * @internal
 */
export class RuleStore extends IndexedTable<MemberRuleRecord> implements SyncRepository<MemberRuleRepository> {
  private readonly ids = new SortedKeys();
  private readonly byKey = new MultiIndex();
  private readonly byOrganization = new MultiIndex();
  private readonly exclusiveOwner = new Map<string, string>();
  /** `reversed labels ␀ id` of every domain rule. */
  private readonly byZone = new SortedKeys();
  /** Proven domain → the id of the proven rule (one organization per domain; one rule per value in an organization). */
  private readonly provenByDomain = new MultiIndex();
  private readonly challenges: ChallengeTable;

  constructor(journal: Journal) {
    super(journal);
    this.challenges = new ChallengeTable(journal);
  }

  protected index(id: string, rule: MemberRuleRecord): void {
    const key = pairKey(rule.kind, rule.value);
    this.ids.add(id);
    this.byKey.add(key, id);
    this.byOrganization.add(rule.organizationId, id);
    if (rule.exclusive) this.exclusiveOwner.set(key, id);
    if (rule.kind === "domain") {
      this.byZone.add(pairKey(reverseLabels(rule.value), id));
      if (rule.proof) this.provenByDomain.add(rule.value, id);
    }
  }

  protected unindex(id: string, rule: MemberRuleRecord): void {
    const key = pairKey(rule.kind, rule.value);
    this.ids.delete(id);
    this.byKey.remove(key, id);
    this.byOrganization.remove(rule.organizationId, id);
    if (rule.exclusive && this.exclusiveOwner.get(key) === id) this.exclusiveOwner.delete(key);
    if (rule.kind === "domain") {
      this.byZone.delete(pairKey(reverseLabels(rule.value), id));
      if (rule.proof) this.provenByDomain.remove(rule.value, id);
    }
  }

  /** The challenges' rows, for the raw inspector. */
  rawChallenges(): ReadonlyMap<string, DomainChallengeRecord> {
    return this.challenges.rawRows();
  }

  get(id: string): MemberRuleRecord | null {
    return this.rows.get(checkString(id, "id")) ?? null;
  }

  insert(rule: MemberRuleRecord): void {
    const stored = freezeCopy(checkRecord(rule, "rule", ["id", "organizationId", "kind", "value"]));
    if (this.rows.has(stored.id)) throw uniqueConflict(`Member rule ${stored.id} already exists`, { entity: "rule", field: "id", id: stored.id });
    if (stored.exclusive) {
      const owner = this.exclusiveOwner.get(pairKey(stored.kind, stored.value));
      if (owner !== undefined) {
        const existing = this.rows.get(owner)!;
        throw uniqueConflict(`The ${stored.kind} '${stored.value}' is already claimed exclusively by another rule`, {
          entity: "rule",
          field: "value",
          id: stored.id,
          kind: stored.kind,
          value: stored.value,
          existingId: owner,
          existingOrganizationId: existing.organizationId,
        });
      }
    }
    this.write(stored.id, stored);
  }

  delete(id: string): boolean {
    if (!this.rows.has(checkString(id, "id"))) return false;
    this.write(id, undefined);
    this.challenges.remove(id);
    return true;
  }

  /** Ids of the domain rules at or under `domain` (label boundary), unordered. */
  private idsWithin(domain: string, visit: (id: string) => void): void {
    const reversed = reverseLabels(domain);
    for (const prefix of [`${reversed}\u0000`, `${reversed}.`]) {
      this.byZone.forEachFrom(prefix, true, (key) => {
        if (!key.startsWith(prefix)) return false;
        const id = key.slice(key.lastIndexOf("\u0000") + 1);
        visit(id);
        return true;
      });
    }
  }

  findWithinDomain(domain: string, options: KeysetOptions & { readonly provenOnly?: boolean }): MemberRuleRecord[] {
    checkString(domain, "domain");
    const { after, limit } = readKeyset(options);
    const provenOnly = (options as { provenOnly?: unknown }).provenOnly;
    if (provenOnly !== undefined && typeof provenOnly !== "boolean") throw invalidArgument("options.provenOnly", "must be a boolean");
    const ids: string[] = [];
    this.idsWithin(domain, (id) => {
      if (after !== null && id <= after) return;
      if (provenOnly === true && !this.rows.get(id)!.proof) return;
      ids.push(id);
    });
    return ids.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).slice(0, limit).map((id) => this.rows.get(id)!);
  }

  setProof(id: string, proof: MemberRuleProof | null): boolean {
    const rule = this.rows.get(checkString(id, "id"));
    if (rule === undefined) return false;
    if (rule.kind !== "domain") throw invalidArgument("id", `rule ${id} is a ${rule.kind} rule; only domain rules can be proven`);
    if (proof !== null && (typeof proof !== "object" || typeof (proof as { method?: unknown }).method !== "string")) throw invalidArgument("proof", "must be a proof or null");
    if (proof !== null) {
      const other = this.nestedProofOfAnother(rule);
      if (other !== null) {
        throw uniqueConflict(`Organization ${other.organizationId} has proven the domain '${other.value}', which nests with '${rule.value}'`, {
          entity: "rule",
          field: "proof",
          id,
          value: rule.value,
          existingId: other.id,
          existingOrganizationId: other.organizationId,
        });
      }
    }
    const { proof: _, ...rest } = rule;
    this.write(id, freezeCopy(proof === null ? rest : { ...rest, proof }));
    return true;
  }

  /** Another organization's proven domain rule at, above or under `rule`'s domain, if any. */
  private nestedProofOfAnother(rule: MemberRuleRecord): MemberRuleRecord | null {
    const domain = rule.value;
    for (let start = 0; ; ) {
      for (const otherId of this.provenByDomain.get(start === 0 ? domain : domain.slice(start))?.toArray() ?? []) {
        const other = this.rows.get(otherId)!;
        if (other.organizationId !== rule.organizationId) return other;
      }
      const dot = domain.indexOf(".", start);
      if (dot < 0) break;
      start = dot + 1;
    }
    let found: MemberRuleRecord | null = null;
    this.idsWithin(domain, (otherId) => {
      const other = this.rows.get(otherId)!;
      if (found === null && other.proof && other.organizationId !== rule.organizationId) found = other;
    });
    return found;
  }

  getChallenge(ruleId: string): DomainChallengeRecord | null {
    return this.challenges.get(checkString(ruleId, "ruleId"));
  }

  putChallenge(challenge: DomainChallengeRecord): boolean {
    checkRecord(challenge, "challenge", ["ruleId", "organizationId", "domain", "token", "issuedAt"]);
    if (this.rows.get(challenge.ruleId)?.organizationId !== challenge.organizationId) return false;
    this.challenges.put(challenge);
    return true;
  }

  findByKeys(keys: readonly RuleLookupKey[]): MemberRuleRecord[] {
    if (!Array.isArray(keys)) throw invalidArgument("keys", "must be an array of { kind, value }");
    const ids = new Set<string>();
    for (const key of keys) {
      checkRecord(key, "keys", ["kind", "value"]);
      this.byKey.get(pairKey(key.kind, key.value))?.forEachFrom(null, true, (id) => {
        ids.add(id);
        return true;
      });
    }
    return [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map((id) => this.rows.get(id)!);
  }

  /** Ordered by id (the port leaves the order open; id order is the stable choice). */
  listByOrganization(organizationId: string): MemberRuleRecord[] {
    const ids = this.byOrganization.get(checkString(organizationId, "organizationId"));
    return ids === undefined ? [] : ids.toArray().map((id) => this.rows.get(id)!);
  }

  scan(options: KeysetOptions): MemberRuleRecord[] {
    const { after, limit } = readKeyset(options);
    return this.ids.take(after, limit).map((id) => this.rows.get(id)!);
  }
}
