/**
 * PostgreSQL storage: `postgresStorage({ client })` over an injected `pg.Pool` or PGlite
 * instance, and `migrate(client)` to create the tables. The adapter never imports a
 * driver at runtime; `pg` and `@electric-sql/pglite` are optional peer dependencies.
 *
 * @example
 * ```ts
 * import pg from "pg";
 * import { migrate, postgresStorage } from "orgkit/postgres";
 *
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * await migrate(pool);
 * const storage = postgresStorage({ client: pool });
 * ```
 *
 * @module orgkit/postgres
 */
export type {
  PostgresClient,
  PostgresConnectionErrorListener,
  PostgresPool,
  PostgresPoolConnection,
  PostgresQueryable,
  PostgresQueryResult,
  PostgresTransactional,
} from "./client.js";
export { migrate, postgresMigrations, type MigrateOptions, type MigrateResult, type PostgresMigration } from "./migrations.js";
export type { PostgresOrganizationRepository } from "./organization-repository.js";
export { postgresStorage, type PostgresStorage, type PostgresStorageOptions, type PostgresStorageSession } from "./postgres-storage.js";
export { postgresInspector } from "./raw-inspector.js";
