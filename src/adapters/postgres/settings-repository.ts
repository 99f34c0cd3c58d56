/**
 * Per-tenant settings in PostgreSQL: one row per (tenant, key), versioned. The kits on a
 * storage keep their configuration record here (see `SettingsRepository`).
 *
 * @module
 */
import { notFound, versionConflict } from "../../errors.js";
import { checkExpectedVersion, checkNewSetting, checkSettingKey } from "../../storage/arguments.js";
import type { SettingRecord, SettingsRepository } from "../../storage/ports.js";
import type { RepositoryContext } from "./context.js";
import type { SqlExecutor } from "./executor.js";
import { readDocument } from "./sql.js";

type SettingRow = { key: unknown; value: unknown; version: unknown; updated_at: unknown };

const COLUMNS = "key, value, version, updated_at";

function toSetting(row: SettingRow): SettingRecord {
  const at = row.updated_at instanceof Date ? row.updated_at.toISOString() : new Date(String(row.updated_at)).toISOString();
  return { key: String(row.key), value: readDocument<Record<string, unknown>>(row.value), version: Number(row.version), updatedAt: at };
}

/** Builds the settings repository over a context. */
export function createSettingsRepository(context: RepositoryContext): SettingsRepository {
  const { executor, tables, tenant: T } = context;
  const table = tables.settings;

  async function read(on: SqlExecutor, key: string, operation: string): Promise<SettingRecord | null> {
    const rows = await on.rows<SettingRow>(operation, `SELECT ${COLUMNS} FROM ${table} WHERE tenant_id = ${T} AND key = $1`, [key]);
    return rows[0] === undefined ? null : toSetting(rows[0]);
  }

  return {
    async get(key) {
      return read(executor, checkSettingKey(key), "settings.get");
    },

    async insertIfAbsent(setting) {
      const { key, value, updatedAt } = checkNewSetting(setting);
      return executor.atomic("settings.insertIfAbsent", async (tx) => {
        // Under SERIALIZABLE, a row a concurrent transaction committed after this one began
        // is a serialization failure here (retried), never a silent "nothing inserted".
        const inserted = await tx.rows<SettingRow>(
          "settings.insertIfAbsent",
          `INSERT INTO ${table} (tenant_id, key, value, version, updated_at) VALUES (${T}, $1, $2::json, 1, $3::timestamptz)
           ON CONFLICT (tenant_id, key) DO NOTHING RETURNING ${COLUMNS}`,
          [key, JSON.stringify(value), updatedAt],
        );
        if (inserted[0] !== undefined) return { inserted: true, setting: toSetting(inserted[0]) };
        // A statement of its own: under READ COMMITTED it sees the row that won.
        const existing = await read(tx, key, "settings.insertIfAbsent (existing)");
        if (existing === null) throw notFound("setting", key); // deleted in between: nothing in orgkit deletes settings
        return { inserted: false, setting: existing };
      });
    },

    async compareAndSet(setting, expectedVersion) {
      const { key, value, updatedAt } = checkNewSetting(setting);
      const expected = checkExpectedVersion(expectedVersion);
      return executor.atomic("settings.compareAndSet", async (tx) => {
        const [updated] = await tx.rows<SettingRow>(
          "settings.compareAndSet",
          `UPDATE ${table} SET value = $2::json, version = version + 1, updated_at = $3::timestamptz
            WHERE tenant_id = ${T} AND key = $1 AND version = $4 RETURNING ${COLUMNS}`,
          [key, JSON.stringify(value), updatedAt, expected],
        );
        if (updated !== undefined) return toSetting(updated);
        // On the atomic step's own connection (PGlite has one, which the step holds).
        const current = await read(tx, key, "settings.compareAndSet (current)");
        if (current === null) throw notFound("setting", key);
        throw versionConflict("setting", key, expected, current.version);
      });
    },
  };
}
