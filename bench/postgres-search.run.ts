/**
 * Runs {@link measurePostgresSearch} on the server: seeds 100,000 organizations in a fresh
 * schema (migrated, so with the trigram indexes when the server has `pg_trgm`), prints the
 * figures as JSON and drops the schema.
 *
 *   ORGKIT_PG_URL=postgres://postgres@127.0.0.1:5432/test node --import tsx bench/postgres-search.run.ts
 *
 * Environment: ORGKIT_BENCH_ORGS (default 100000), ORGKIT_BENCH_SAMPLES (default 120).
 */
import pg from "pg";
import { migrate, postgresStorage } from "../src/adapters/postgres/index.js";
import { measurePostgresSearch, searchBenchOrganizations } from "./postgres-search.js";

const url = process.env["ORGKIT_PG_URL"];
if (url === undefined) throw new Error("Set ORGKIT_PG_URL, e.g. postgres://postgres@127.0.0.1:5432/test");
const count = Number(process.env["ORGKIT_BENCH_ORGS"] ?? 100_000);
const samples = Number(process.env["ORGKIT_BENCH_SAMPLES"] ?? 120);

const pool = new pg.Pool({ connectionString: url, max: 2 });
pool.on("error", (error) => console.warn("idle PostgreSQL connection lost", error));
const schema = `orgkit_bench_search_${Math.random().toString(36).slice(2, 8)}`;
try {
  await migrate(pool, { schema });
  const indexes = await pool.query(`SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND indexname LIKE '%trgm%' ORDER BY 1`, [schema]);
  console.error(`[search] ${schema}: trigram indexes ${indexes.rows.map((row: { indexname: string }) => row.indexname).join(", ") || "none"}`);
  const start = performance.now();
  await postgresStorage({ client: pool, schema }).organizations.insertMany(searchBenchOrganizations(count), { chunkSize: 2000 });
  // The state autovacuum leaves: the rows just inserted merged out of the GIN pending lists.
  await pool.query(`VACUUM ANALYZE "${schema}".organizations`);
  console.error(`[search] ${count} organizations seeded in ${((performance.now() - start) / 1000).toFixed(1)} s`);
  const figures = await measurePostgresSearch(pool, { schema, samples });
  console.log(JSON.stringify({ organizations: count, samples, ...figures }));
} finally {
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
  await pool.end();
}
