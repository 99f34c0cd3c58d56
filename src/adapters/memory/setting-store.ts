import type { NewSetting, SettingInsertion, SettingRecord, SettingsRepository } from "../../storage/ports.js";
import { checkExpectedVersion, checkNewSetting, checkSettingKey } from "../../storage/arguments.js";
import { checkVersion, notFound } from "./arguments.js";
import { freezeCopy } from "./detach.js";
import { IndexedTable } from "./indexed-table.js";
import type { SyncRepository } from "./sync-repository.js";

/**
 * The tenant's settings: a few records by key. One per tenant storage, so every kit made
 * on the same `memoryStorage()` (and tenant) reads the same settings.
 *
 * @internal
 */
export class SettingStore extends IndexedTable<SettingRecord> implements SyncRepository<SettingsRepository> {
  protected index(): void {}
  protected unindex(): void {}

  get(key: string): SettingRecord | null {
    return this.rows.get(checkSettingKey(key)) ?? null;
  }

  insertIfAbsent(setting: NewSetting): SettingInsertion {
    const { key, value, updatedAt } = checkNewSetting(setting);
    const existing = this.rows.get(key);
    if (existing !== undefined) return { inserted: false, setting: existing };
    const stored = freezeCopy({ key, value, version: 1, updatedAt });
    this.write(key, stored);
    return { inserted: true, setting: stored };
  }

  compareAndSet(setting: NewSetting, expectedVersion: number): SettingRecord {
    const { key, value, updatedAt } = checkNewSetting(setting);
    const expected = checkExpectedVersion(expectedVersion);
    const current = this.rows.get(key);
    if (current === undefined) throw notFound("setting", key);
    checkVersion("setting", key, current.version, expected);
    const stored = freezeCopy({ key, value, version: current.version + 1, updatedAt });
    this.write(key, stored);
    return stored;
  }
}
