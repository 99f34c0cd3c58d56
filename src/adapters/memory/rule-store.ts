import type { MemberRuleRecord } from "../../domain/membership/model.js";
import type { KeysetOptions, MemberRuleRepository, RuleLookupKey } from "../../storage/ports.js";
import { uniqueConflict } from "../../errors.js";
import { checkRecord, checkString, invalidArgument, pairKey, readKeyset } from "./arguments.js";
import { freezeCopy } from "./detach.js";
import { IndexedTable } from "./indexed-table.js";
import { MultiIndex } from "./multi-index.js";
import { SortedKeys } from "./sorted-keys.js";
import type { SyncRepository } from "./sync-repository.js";

/**
 * Member rules, indexed by id (sorted), by `kind ␀ value` (for matching), by owning
 * organization, and the exclusive claim on each `kind ␀ value`.
 *
 * @internal
 */
export class RuleStore extends IndexedTable<MemberRuleRecord> implements SyncRepository<MemberRuleRepository> {
  private readonly ids = new SortedKeys();
  private readonly byKey = new MultiIndex();
  private readonly byOrganization = new MultiIndex();
  private readonly exclusiveOwner = new Map<string, string>();

  protected index(id: string, rule: MemberRuleRecord): void {
    const key = pairKey(rule.kind, rule.value);
    this.ids.add(id);
    this.byKey.add(key, id);
    this.byOrganization.add(rule.organizationId, id);
    if (rule.exclusive) this.exclusiveOwner.set(key, id);
  }

  protected unindex(id: string, rule: MemberRuleRecord): void {
    const key = pairKey(rule.kind, rule.value);
    this.ids.delete(id);
    this.byKey.remove(key, id);
    this.byOrganization.remove(rule.organizationId, id);
    if (rule.exclusive && this.exclusiveOwner.get(key) === id) this.exclusiveOwner.delete(key);
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
