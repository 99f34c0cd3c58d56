import type { Membership } from "../../domain/membership/model.js";
import type { KeysetOptions, MembershipReassignment, MembershipReassignOptions, MembershipRepository } from "../../storage/ports.js";
import { checkRecord, checkString, pairKey, readKeyset, readReassignment, readSourceRules } from "./arguments.js";
import { freezeCopy } from "./detach.js";
import { IndexedTable } from "./indexed-table.js";
import { MultiIndex } from "./multi-index.js";
import { SortedKeys } from "./sorted-keys.js";
import type { SyncRepository } from "./sync-repository.js";

/**
 * Memberships keyed by `userId ␀ organizationId`, indexed by user (organization ids),
 * by organization (user ids) and by source rule (`organizationId ␀ userId`).
 *
 * @internal
 */
export class MembershipStore extends IndexedTable<Membership> implements SyncRepository<MembershipRepository> {
  private readonly keys = new SortedKeys();
  private readonly byUser = new MultiIndex();
  private readonly byOrganization = new MultiIndex();
  private readonly bySourceRule = new MultiIndex();
  private readonly adminsByOrganization = new MultiIndex();

  protected index(key: string, membership: Membership): void {
    this.keys.add(key);
    this.byUser.add(membership.userId, membership.organizationId);
    this.byOrganization.add(membership.organizationId, membership.userId);
    if (membership.source.type === "rule") this.bySourceRule.add(membership.source.ruleId, pairKey(membership.organizationId, membership.userId));
    if (membership.admin === true) this.adminsByOrganization.add(membership.organizationId, membership.userId);
  }

  protected unindex(key: string, membership: Membership): void {
    this.keys.delete(key);
    this.byUser.remove(membership.userId, membership.organizationId);
    this.byOrganization.remove(membership.organizationId, membership.userId);
    if (membership.source.type === "rule") this.bySourceRule.remove(membership.source.ruleId, pairKey(membership.organizationId, membership.userId));
    if (membership.admin === true) this.adminsByOrganization.remove(membership.organizationId, membership.userId);
  }

  private at(userId: string, organizationId: string): Membership {
    return this.rows.get(pairKey(userId, organizationId))!;
  }

  get(userId: string, organizationId: string): Membership | null {
    return this.rows.get(pairKey(checkString(userId, "userId"), checkString(organizationId, "organizationId"))) ?? null;
  }

  listByUser(userId: string): Membership[] {
    const organizationIds = this.byUser.get(checkString(userId, "userId"));
    return organizationIds === undefined ? [] : organizationIds.toArray().map((organizationId) => this.at(userId, organizationId));
  }

  listByOrganization(organizationId: string, options: KeysetOptions): Membership[] {
    checkString(organizationId, "organizationId");
    const { after, limit } = readKeyset(options);
    const userIds = this.byOrganization.get(organizationId);
    return userIds === undefined ? [] : userIds.take(after, limit).map((userId) => this.at(userId, organizationId));
  }

  countByOrganization(organizationId: string): number {
    return this.byOrganization.count(checkString(organizationId, "organizationId"));
  }

  listBySourceRule(ruleId: string, options: KeysetOptions): Membership[] {
    checkString(ruleId, "ruleId");
    const { after, limit } = readKeyset(options);
    const keys = this.bySourceRule.get(ruleId);
    if (keys === undefined) return [];
    return keys.take(after, limit).map((key) => {
      const [organizationId, userId] = key.split("\u0000") as [string, string];
      return this.at(userId, organizationId);
    });
  }

  put(membership: Membership): void {
    const stored = freezeCopy(checkRecord(membership, "membership", ["userId", "organizationId"]));
    this.write(pairKey(stored.userId, stored.organizationId), stored);
  }

  delete(userId: string, organizationId: string): boolean {
    const key = pairKey(checkString(userId, "userId"), checkString(organizationId, "organizationId"));
    if (!this.rows.has(key)) return false;
    this.write(key, undefined);
    return true;
  }

  scan(options: KeysetOptions): Membership[] {
    const { after, limit } = readKeyset(options);
    return this.keys.take(after, limit).map((key) => this.rows.get(key)!);
  }

  listAdmins(organizationId: string, options: KeysetOptions): Membership[] {
    checkString(organizationId, "organizationId");
    const { after, limit } = readKeyset(options);
    const userIds = this.adminsByOrganization.get(organizationId);
    return userIds === undefined ? [] : userIds.take(after, limit).map((userId) => this.at(userId, organizationId));
  }

  /** Checks every argument first, then moves: the call is all or nothing (and the storage runs it atomically). */
  reassignOrganization(from: string, to: string, options: MembershipReassignOptions): MembershipReassignment[] {
    const { after, limit, stamp: updatedAt } = readReassignment(from, to, options, "updatedAt");
    const sourceRules = readSourceRules(options.sourceRules);
    const out: MembershipReassignment[] = [];
    for (const userId of this.byOrganization.get(from)?.take(after, limit) ?? []) {
      const previous = this.at(userId, from);
      const existing = this.rows.get(pairKey(userId, to));
      this.write(pairKey(userId, from), undefined);
      if (existing !== undefined) {
        out.push({ previous, current: existing, kept: true });
        continue;
      }
      const replacement = previous.source.type === "rule" && Object.hasOwn(sourceRules, previous.source.ruleId) ? sourceRules[previous.source.ruleId] : undefined;
      const current = freezeCopy({ ...previous, organizationId: to, updatedAt, ...(replacement !== undefined ? { source: { type: "rule", ruleId: replacement } as const } : {}) });
      this.write(pairKey(userId, to), current);
      out.push({ previous, current, kept: false });
    }
    return out;
  }
}
