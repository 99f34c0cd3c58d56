/**
 * Databases for the PostgreSQL adapter tests: one PGlite instance per test file (it
 * takes seconds to start), and, when ORGKIT_PG_URL is set, a pool on the server with a
 * schema of the file's own (dropped afterwards) so parallel files never collide.
 */
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { migrate, postgresStorage, type PostgresClient, type PostgresStorage, type PostgresStorageOptions } from "../../src/adapters/postgres/index.js";

/** The server URL, when a server is available. */
export const SERVER_URL = process.env["ORGKIT_PG_URL"];

/** A fresh, unique schema name (`orgkit_test_<random>`). */
export function randomSchema(prefix = "orgkit_test"): string {
  return `${prefix}_${Math.random().toString(36).slice(2, 10)}`;
}

/** A database to test against: the client, and a way to make migrated storages in fresh schemas. */
export interface TestTarget {
  readonly name: "pglite" | "server";
  readonly client: PostgresClient;
  /** Migrates a new schema and returns a storage on it. */
  storage(options?: Omit<PostgresStorageOptions, "client" | "schema">, schema?: string): Promise<PostgresStorage>;
  /** Drops the schemas made and closes the client. */
  close(): Promise<void>;
}

async function target(name: TestTarget["name"], client: PostgresClient, closeClient: () => Promise<void>): Promise<TestTarget> {
  const schemas: string[] = [];
  return {
    name,
    client,
    async storage(options = {}, schema = randomSchema()) {
      schemas.push(schema);
      await migrate(client, { schema });
      return postgresStorage({ client, schema, ...options });
    },
    async close() {
      for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
      await closeClient();
    },
  };
}

/** An in-process PGlite database. */
export async function pgliteTarget(): Promise<TestTarget> {
  const db = await PGlite.create();
  return target("pglite", db, () => db.close());
}

/** A pool on the server at ORGKIT_PG_URL (call only when it is set). */
export async function serverTarget(max = 10): Promise<TestTarget> {
  const pool = new pg.Pool({ connectionString: SERVER_URL, max });
  return target("server", pool, () => pool.end());
}
