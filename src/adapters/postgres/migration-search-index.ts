/**
 * Migration 4, indexed search: `pg_trgm` GIN indexes that serve the text filter of
 * `organizations.search` (a `LIKE '%…%'` on `name_lower`, `id_lower` and
 * `external_id_lower`) and its total, when the database has the extension.
 *
 * @module
 */
import type { TableNames } from "./sql.js";

/**
 * The trigram indexes, by name: one per searched column, so the search's text condition
 * (three `LIKE`s joined by `OR`, as before migration 4) is answered by a `BitmapOr` of
 * the three, and each index also serves its column alone.
 *
 * One index over the three columns concatenated was measured too (100,000 organizations):
 * no faster for search (3.9 ms against 3.5 ms median), slower to maintain (a bulk insert
 * of 100,000 rows 10.5–11.4 s against 9.6–10.0 s), and it would need the search to
 * compare that same expression, with a separator a text cannot contain.
 */
export const SEARCH_TRIGRAM_INDEXES = {
  organizations_name_trgm_idx: "name_lower",
  organizations_id_trgm_idx: "id_lower",
  organizations_external_id_trgm_idx: "external_id_lower",
} as const;

/**
 * The statements of migration 4. Both are `DO` blocks that succeed whatever the host
 * allows, and both are idempotent, so a host that installs `pg_trgm` later gets the
 * indexes by running them again (see "Indexed search" in docs/postgres.md):
 *
 * 1. `CREATE EXTENSION IF NOT EXISTS pg_trgm`, in the schema `search_path` names first
 *    (`public` usually; never orgkit's own schema, which `DROP SCHEMA … CASCADE` would
 *    take the extension away with, and other schemas' indexes with it). Where it cannot
 *    be created (no privilege, not installed on the server, not allowed by the provider,
 *    PGlite without the extension loaded: SQLSTATE 42501, 58P01, 0A000…) a warning is
 *    raised and the migration goes on: search then works as before, unindexed. A lock
 *    timeout, deadlock or serialization failure is not swallowed: it fails the
 *    migration, which can be run again.
 * 2. The three indexes, created only when `pg_trgm`'s `gin_trgm_ops` operator class
 *    exists, qualified with the schema the extension lives in (which need not be on the
 *    search path).
 *
 * @example
 * ```ts
 * // After `CREATE EXTENSION pg_trgm` on a database migrated without it:
 * const [indexedSearch] = postgresMigrations({ schema: "orgkit" }).filter((m) => m.version === 4);
 * for (const statement of indexedSearch!.statements) await pool.query(statement);
 * ```
 */
export function searchIndexStatements(t: TableNames): string[] {
  return [
    `DO $orgkit$
    BEGIN
      CREATE EXTENSION IF NOT EXISTS pg_trgm;
    EXCEPTION
      WHEN lock_not_available OR deadlock_detected OR serialization_failure THEN RAISE;
      WHEN OTHERS THEN
        RAISE WARNING 'orgkit: pg_trgm could not be created (%: %); organization text search stays unindexed', SQLSTATE, SQLERRM
          USING HINT = 'Create the extension and run the statements of migration 4 again (see "Indexed search" in orgkit''s docs/postgres.md).';
    END
    $orgkit$`,
    searchIndexCreation(t),
  ];
}

/**
 * The `DO` block that creates the trigram indexes when `pg_trgm` is there (a no-op
 * otherwise). Migration 6 runs it again after it rebuilt the organizations table.
 */
export function searchIndexCreation(t: TableNames): string {
  const creates = Object.entries(SEARCH_TRIGRAM_INDEXES).map(
    ([index, column]) => `EXECUTE format('CREATE INDEX IF NOT EXISTS ${index} ON ${t.organizations} USING gin (${column} %s)', ops);`,
  );
  return `DO $orgkit$
    DECLARE
      ops text;
    BEGIN
      SELECT format('%I.%I', n.nspname, c.opcname) INTO ops
        FROM pg_extension e
        JOIN pg_opclass c ON c.opcnamespace = e.extnamespace AND c.opcname = 'gin_trgm_ops'
        JOIN pg_am a ON a.oid = c.opcmethod AND a.amname = 'gin'
        JOIN pg_namespace n ON n.oid = c.opcnamespace
        WHERE e.extname = 'pg_trgm';
      IF ops IS NULL THEN
        RETURN;
      END IF;
      ${creates.join("\n      ")}
    END
    $orgkit$`;
}
