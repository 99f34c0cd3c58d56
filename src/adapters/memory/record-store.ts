import type { StaffProfileRecord, StaffProfileRepository, UsergroupRecord, UsergroupRepository } from "../../storage/ports.js";
import { uniqueConflict } from "../../errors.js";
import { checkRecord, checkString, checkVersion, notFound } from "./arguments.js";
import { freezeCopy } from "./detach.js";
import { IndexedTable } from "./indexed-table.js";
import type { Journal } from "./journal.js";
import type { SyncRepository } from "./sync-repository.js";

/** What usergroups and staff profiles have in common: an id and a version. */
interface VersionedRecord {
  readonly id: string;
  readonly version: number;
}

/**
 * A small table of versioned records listed whole (usergroups, staff profiles): an
 * installation has a handful, so `list()` sorts the ids on demand.
 *
 * @internal
 */
export class RecordStore<T extends VersionedRecord> extends IndexedTable<T> {
  constructor(
    journal: Journal,
    private readonly entity: string,
  ) {
    super(journal);
  }

  protected index(): void {}
  protected unindex(): void {}

  get(id: string): T | null {
    return this.rows.get(checkString(id, "id")) ?? null;
  }

  list(): T[] {
    return [...this.rows.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map((id) => this.rows.get(id)!);
  }

  insert(record: T): void {
    const stored = freezeCopy(checkRecord(record, this.entity));
    if (this.rows.has(stored.id)) throw uniqueConflict(`The ${this.entity} ${stored.id} already exists`, { entity: this.entity, field: "id", id: stored.id });
    this.write(stored.id, stored);
  }

  update(record: T, expectedVersion: number): void {
    const stored = freezeCopy(checkRecord(record, this.entity));
    const current = this.rows.get(stored.id);
    if (current === undefined) throw notFound(this.entity, stored.id);
    checkVersion(this.entity, stored.id, current.version, expectedVersion);
    this.write(stored.id, stored);
  }

  delete(id: string): boolean {
    if (!this.rows.has(checkString(id, "id"))) return false;
    this.write(id, undefined);
    return true;
  }
}

/** Compile-time check that the generic store fits both ports. */
export type UsergroupStore = RecordStore<UsergroupRecord> & SyncRepository<UsergroupRepository>;
/** Compile-time check that the generic store fits both ports. */
export type StaffProfileStore = RecordStore<StaffProfileRecord> & SyncRepository<StaffProfileRepository>;
