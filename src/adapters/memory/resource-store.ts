import type { ResourceOwnership } from "../../domain/membership/model.js";
import type { KeysetOptions, ResourceReassignOptions, ResourceRepository } from "../../storage/ports.js";
import { checkRecord, checkString, pairKey, readKeyset, readReassignment } from "./arguments.js";
import { freezeCopy } from "./detach.js";
import { IndexedTable } from "./indexed-table.js";
import { MultiIndex } from "./multi-index.js";
import { SortedKeys } from "./sorted-keys.js";
import type { SyncRepository } from "./sync-repository.js";

/**
 * Resource ownership keyed by `kind ␀ id` (one owner each), indexed by owning
 * organization.
 *
 * @internal
 */
export class ResourceStore extends IndexedTable<ResourceOwnership> implements SyncRepository<ResourceRepository> {
  private readonly keys = new SortedKeys();
  private readonly byOrganization = new MultiIndex();

  protected index(key: string, resource: ResourceOwnership): void {
    this.keys.add(key);
    this.byOrganization.add(resource.organizationId, key);
  }

  protected unindex(key: string, resource: ResourceOwnership): void {
    this.keys.delete(key);
    this.byOrganization.remove(resource.organizationId, key);
  }

  get(kind: string, id: string): ResourceOwnership | null {
    return this.rows.get(pairKey(checkString(kind, "kind"), checkString(id, "id"))) ?? null;
  }

  put(resource: ResourceOwnership): void {
    const stored = freezeCopy(checkRecord(resource, "resource", ["kind", "id", "organizationId"]));
    this.write(pairKey(stored.kind, stored.id), stored);
  }

  delete(kind: string, id: string): boolean {
    const key = pairKey(checkString(kind, "kind"), checkString(id, "id"));
    if (!this.rows.has(key)) return false;
    this.write(key, undefined);
    return true;
  }

  listByOrganization(organizationId: string, options: KeysetOptions): ResourceOwnership[] {
    checkString(organizationId, "organizationId");
    const { after, limit } = readKeyset(options);
    const keys = this.byOrganization.get(organizationId);
    return keys === undefined ? [] : keys.take(after, limit).map((key) => this.rows.get(key)!);
  }

  /** `after` is `kind + "\u0000" + id`, as for {@link ResourceStore.listByOrganization}. */
  scan(options: KeysetOptions): ResourceOwnership[] {
    const { after, limit } = readKeyset(options);
    return this.keys.take(after, limit).map((key) => this.rows.get(key)!);
  }

  reassignOrganization(from: string, to: string, options: ResourceReassignOptions): ResourceOwnership[] {
    const { after, limit, stamp: assignedAt } = readReassignment(from, to, options, "assignedAt");
    const out: ResourceOwnership[] = [];
    for (const key of this.byOrganization.get(from)?.take(after, limit) ?? []) {
      const moved = freezeCopy({ ...this.rows.get(key)!, organizationId: to, assignedAt });
      this.write(key, moved);
      out.push(moved);
    }
    return out;
  }
}
