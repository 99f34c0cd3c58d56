/**
 * Indexed search (migration 4) on the PostgreSQL server at ORGKIT_PG_URL: the fallback
 * for a role that may not create extensions, in a database of its own, and adding the
 * indexes later; the planner's choice of the trigram indexes on 20,000 organizations;
 * keyset pages while a writer inserts on other connections.
 */
import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { migrate, postgresMigrations, postgresStorage, type PostgresStorage } from "../../src/adapters/postgres/index.js";
import { SEARCH_TRIGRAM_INDEXES } from "../../src/adapters/postgres/migration-search-index.js";
import type { Storage } from "../../src/storage/ports.js";
import { buildOrganization } from "../../src/testing/builders.js";
import { createContext, type ContextState } from "../../src/testing/conformance/context.js";
import { searchConcurrentSuite } from "../../src/testing/conformance/search-concurrent.js";
import { useTestApi } from "../../src/testing/conformance/test-api.js";
import { randomSchema, SERVER_URL, serverTarget, type TestTarget } from "./targets.js";

const TRIGRAM_INDEXES = Object.keys(SEARCH_TRIGRAM_INDEXES).sort();

/** `url` with another user and database. */
function withLogin(url: string, user: string, database: string): string {
  const parsed = new URL(url);
  parsed.username = user;
  parsed.password = "";
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** The trigram indexes of `schema`'s organizations table. */
async function trigramIndexes(client: pg.Pool, schema: string): Promise<string[]> {
  const rows = await client.query<{ indexname: string }>(
    `SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = 'organizations' AND indexdef LIKE '%gin_trgm_ops%' ORDER BY 1`,
    [schema],
  );
  return rows.rows.map((row) => row.indexname);
}

/** The text of the plan of a recorded statement. */
async function explain(client: pg.Pool | pg.PoolClient, statement: { text: string; params: unknown[] }): Promise<string> {
  const plan = await client.query<{ "QUERY PLAN": string }>(`EXPLAIN ${statement.text}`, statement.params);
  return plan.rows.map((row) => row["QUERY PLAN"]).join("\n");
}

/** A pool lent to the adapter that records the statements sent through `query`. */
function recording(pool: pg.Pool, statements: { text: string; params: unknown[] }[]) {
  return {
    query: (text: string, params: unknown[] = []) => {
      statements.push({ text, params });
      return pool.query(text, params);
    },
    connect: () => pool.connect(),
  };
}

describe.skipIf(!SERVER_URL)("indexed search on the server", () => {
  describe("a role that may not create extensions", () => {
    const suffix = Math.random().toString(36).slice(2, 8);
    const database = `orgkit_test_trgm_${suffix}`;
    const role = `orgkit_test_role_${suffix}`;
    const schema = "orgkit";
    let admin: pg.Pool;
    let adminInDatabase: pg.Pool;
    let asRole: pg.Pool;
    const notices: string[] = [];

    beforeAll(async () => {
      admin = new pg.Pool({ connectionString: SERVER_URL, max: 1 });
      await admin.query(`CREATE DATABASE ${database}`);
      await admin.query(`CREATE ROLE ${role} LOGIN`);
      adminInDatabase = new pg.Pool({ connectionString: withLogin(SERVER_URL!, new URL(SERVER_URL!).username, database), max: 1 });
      // See asRole below: a connection still closing when the database is dropped.
      adminInDatabase.on("error", () => undefined);
      // The role owns orgkit's schema but has no CREATE on the database, so it may not
      // create an extension (even a trusted one such as pg_trgm).
      await adminInDatabase.query(`CREATE SCHEMA ${schema} AUTHORIZATION ${role}`);
      asRole = new pg.Pool({ connectionString: withLogin(SERVER_URL!, role, database), max: 2 });
      asRole.on("connect", (client) => client.on("notice", (notice) => notices.push(notice.message ?? "")));
      // `DROP DATABASE … WITH (FORCE)` below terminates any idle connection still open; the
      // pool reports its FATAL as an "error" event, which with no listener ends the process.
      asRole.on("error", () => undefined);
    });
    afterAll(async () => {
      await asRole?.end();
      await adminInDatabase?.end();
      await admin?.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
      await admin?.query(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
      await admin?.end();
    });

    it("migration 4 succeeds with a warning and no index, search works unindexed, and its statements add the indexes once pg_trgm exists", async () => {
      const result = await migrate(asRole, { schema });
      expect(result.applied).toContain(4);
      expect(notices.some((notice) => notice.includes("pg_trgm could not be created") && notice.includes("42501"))).toBe(true);
      expect((await asRole.query(`SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'`)).rows).toHaveLength(0);
      expect(await trigramIndexes(asRole, schema)).toEqual([]);

      const statements: { text: string; params: unknown[] }[] = [];
      const storage = postgresStorage({ client: recording(asRole, statements), schema });
      await storage.organizations.insertMany([
        buildOrganization({ id: "org_1", name: "Müller Logistik GmbH", externalId: "CUST-1001" }),
        buildOrganization({ id: "org_2", name: "Schmidt Bau AG", externalId: "CUST-2002" }),
      ]);
      const unindexed = await storage.organizations.search({ text: "müller" });
      expect(unindexed.items.map((o) => o.id)).toEqual(["org_1"]);
      expect((await storage.organizations.search({ text: "cust-200" })).total).toBe(1);

      // The database owner installs the extension later; the host runs migration 4's statements again.
      await adminInDatabase.query("CREATE EXTENSION pg_trgm");
      const [migration] = postgresMigrations({ schema }).filter((m) => m.version === 4);
      for (const statement of migration!.statements) await asRole.query(statement);
      expect(await trigramIndexes(asRole, schema)).toEqual(TRIGRAM_INDEXES);

      statements.length = 0;
      expect((await storage.organizations.search({ text: "müller" })).items.map((o) => o.id)).toEqual(["org_1"]);
      // Whether the planner uses them is checked on 20,000 rows below: on two rows reading
      // the tenant's rows through a (tenant_id, …) b-tree is cheaper, whatever is priced out.
    });
  });

  describe("on 20,000 organizations", () => {
    let target: TestTarget;
    let storage: PostgresStorage;
    const statements: { text: string; params: unknown[] }[] = [];
    const pool = () => target.client as pg.Pool;

    beforeAll(async () => {
      target = await serverTarget(4);
      const schema = randomSchema();
      await target.storage({}, schema);
      storage = postgresStorage({ client: recording(pool(), statements), schema });
      const words = ["Müller", "Schmidt", "Acme", "Globex", "Initech", "Northwind", "Tanaka", "Dubois"];
      const organizations = Array.from({ length: 20_000 }, (_, n) =>
        buildOrganization({ id: `org_${n.toString(36).padStart(4, "0")}`, name: `${words[n % words.length]} Partner ${n}`, externalId: `CUST-${100_000 + n}` }),
      );
      organizations.push(buildOrganization({ id: "org_rare", name: "Zyxwvut Imaging" }));
      await storage.organizations.insertMany(organizations, { chunkSize: 2000 });
      // VACUUM, not only ANALYZE: rows inserted since the last vacuum sit in each GIN
      // index's pending list, which every search reads in full; the planner prices that in
      // and, on a table this small, prefers a sequential scan until (auto)vacuum merges it.
      await pool().query(`VACUUM ANALYZE "${schema}".organizations`);
    });
    afterAll(async () => {
      await target?.close();
    });

    it("the planner reads a selective 3+ character text through the trigram indexes", async () => {
      for (const [text, expected] of [
        ["zyxwvut", 1],
        ["cust-1042", 100],
      ] as const) {
        statements.length = 0;
        const page = await storage.organizations.search({ text, limit: 20 });
        expect(page.total, text).toBe(expected);
        expect(statements, text).toHaveLength(1);
        const plan = await explain(pool(), statements[0]!);
        expect(plan, text).toContain("Bitmap Index Scan on organizations_external_id_trgm_idx");
        expect(plan, text).not.toContain("Seq Scan");
      }
    });
  });

  describe("keyset pages under inserts", () => {
    let target: TestTarget | undefined;
    let ready: Promise<Storage> | undefined;
    useTestApi({ describe, it, beforeEach, expect });
    const state: ContextState = { storage: null, inspect: null, namespaces: 0 };
    describe(searchConcurrentSuite.name, () => {
      beforeEach(async () => {
        state.storage = await (ready ??= serverTarget().then((made) => {
          target = made;
          return made.storage();
        }));
      });
      searchConcurrentSuite.define(createContext(state, searchConcurrentSuite.name, new Set()));
    });
    afterAll(async () => {
      await target?.close();
    });
  });
});
