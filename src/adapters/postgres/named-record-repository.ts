/**
 * Usergroups and staff profiles in PostgreSQL: small tables of named, versioned
 * records, listed whole. One implementation serves both.
 *
 * @module
 */
import { notFound, versionConflict } from "../../errors.js";
import type { StaffProfileRepository, UsergroupRepository } from "../../storage/ports.js";
import type { RepositoryContext } from "./context.js";
import { checkString, invalidArgument, readDocument } from "./sql.js";

/** What the shared implementation needs of a record. */
interface NamedRecord {
  readonly id: string;
  readonly name: string;
  readonly version: number;
}

/** The repository shape usergroups and staff profiles share. */
interface NamedRecordRepository<T extends NamedRecord> {
  get(id: string): Promise<T | null>;
  list(): Promise<T[]>;
  insert(record: T): Promise<void>;
  update(record: T, expectedVersion: number): Promise<void>;
  delete(id: string): Promise<boolean>;
}

type DocRow = { doc: unknown };

function createNamedRecordRepository<T extends NamedRecord>(
  context: RepositoryContext,
  table: string,
  entity: string,
  prefix: string
): NamedRecordRepository<T> {
  const { executor, tenant: T } = context;
  const check = (record: T): T => {
    if (typeof record !== "object" || record === null) throw invalidArgument(entity, `must be a ${entity}`);
    checkString(record.id, `${entity}.id`);
    checkString(record.name, `${entity}.name`);
    return record;
  };
  return {
    async get(id) {
      checkString(id, "id");
      const rows = await executor.rows<DocRow>(`${prefix}.get`, `SELECT doc FROM ${table} WHERE tenant_id = ${T} AND id = $1`, [id]);
      return rows[0] === undefined ? null : readDocument<T>(rows[0].doc);
    },
    async list() {
      const rows = await executor.rows<DocRow>(`${prefix}.list`, `SELECT doc FROM ${table} WHERE tenant_id = ${T} ORDER BY id`);
      return rows.map((row) => readDocument<T>(row.doc));
    },
    async insert(record) {
      check(record);
      await executor.rows(`${prefix}.insert`, `INSERT INTO ${table} (tenant_id, id, name, version, doc) VALUES (${T}, $1, $2, $3, $4::json)`, [
        record.id,
        record.name,
        record.version,
        JSON.stringify(record),
      ]);
    },
    async update(record, expectedVersion) {
      check(record);
      if (!Number.isInteger(expectedVersion)) throw invalidArgument("expectedVersion", "must be an integer");
      const updated = await executor.rows(
        `${prefix}.update`,
        `UPDATE ${table} SET name = $2, version = $3, doc = $4::json WHERE tenant_id = ${T} AND id = $1 AND version = $5 RETURNING id`,
        [record.id, record.name, record.version, JSON.stringify(record), expectedVersion]
      );
      if (updated.length > 0) return;
      const current = await executor.rows<{ version: number }>(`${prefix}.update`, `SELECT version FROM ${table} WHERE tenant_id = ${T} AND id = $1`, [record.id]);
      const stored = current[0];
      if (stored === undefined) throw notFound(entity, record.id);
      throw versionConflict(entity, record.id, expectedVersion, Number(stored.version));
    },
    async delete(id) {
      checkString(id, "id");
      const rows = await executor.rows(`${prefix}.delete`, `DELETE FROM ${table} WHERE tenant_id = ${T} AND id = $1 RETURNING id`, [id]);
      return rows.length > 0;
    },
  };
}

/** Builds the usergroup repository over a context. */
export function createUsergroupRepository(context: RepositoryContext): UsergroupRepository {
  return createNamedRecordRepository(context, context.tables.usergroups, "usergroup", "usergroups");
}

/** Builds the staff profile repository over a context. */
export function createStaffProfileRepository(context: RepositoryContext): StaffProfileRepository {
  return createNamedRecordRepository(context, context.tables.staffProfiles, "staff profile", "profiles");
}
