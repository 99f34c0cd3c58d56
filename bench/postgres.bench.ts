/**
 * PostgreSQL storage on 100,000 organizations: bulk import (`organizations.insertMany`,
 * batched multi-row inserts), the facade's import of the same data side by side with it
 * (`kit.organizations.import`: validated, authorized, audited; see postgres-import.ts),
 * the descendants of a node with a realistic subtree, and a search page (text + status
 * filter, sorted by name, with its total). Runs on PGlite always and on the server when
 * ORGKIT_PG_URL is set; prints one JSON line per target, the server's last.
 *
 *   npx tsx bench/postgres.bench.ts
 *   ORGKIT_PG_URL=postgres://postgres@127.0.0.1:5432/test npx tsx bench/postgres.bench.ts
 *
 * Environment: ORGKIT_BENCH_ORGS (default 100000), ORGKIT_BENCH_IMPORT_RUNS (default 3;
 * also the runs of each side of the facade comparison), ORGKIT_BENCH_SKIP_PGLITE=1 (server
 * only, e.g. for the million-organization run), ORGKIT_BENCH_FACADE_IMPORT=0 (skip the
 * facade comparison; it is skipped anyway above 100,000 organizations, the import's limit).
 */
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { migrate, postgresStorage, type PostgresClient } from "../src/adapters/postgres/index.js";
import { isPool } from "../src/adapters/postgres/client.js";
import type { Organization } from "../src/domain/organization/schema.js";
import { median, report, rng, timeMsAsync } from "./harness.js";
import { measureHierarchy, type HierarchyFigures } from "./postgres-hierarchy.js";
import { measureFacadeImport, type FacadeImportFigures } from "./postgres-import.js";
import { measurePostgresSearch, type PostgresSearchBenchResult } from "./postgres-search.js";

const TOTAL = Number(process.env["ORGKIT_BENCH_ORGS"] ?? 100_000);
const IMPORT_RUNS = Number(process.env["ORGKIT_BENCH_IMPORT_RUNS"] ?? 3);
const SERVER_URL = process.env["ORGKIT_PG_URL"];
const FACADE_IMPORT = process.env["ORGKIT_BENCH_FACADE_IMPORT"] !== "0" && TOTAL <= 100_000;

const WORDS = [
  "Acme",
  "Globex",
  "Initech",
  "Umbrella",
  "Stark",
  "Wayne",
  "Tyrell",
  "Cyberdyne",
  "Soylent",
  "Hooli",
  "Vandelay",
  "Wonka",
  "Aperture",
  "Massive",
  "Dynamic",
];
const SUFFIXES = ["Technologies", "Manufacturing", "Logistics", "Services", "Holdings", "Labs", "Systems", "Partners"];
const TYPES = ["customer", "oem", "distributor", "sales"];
const TAGS = ["key", "eu", "us", "apac", "gold", "silver", "trial", "partner"];
const STATES = ["service", "outreach", "opportunities"];

/**
 * The data set: trees of 1 root → 10 → 100 → 2,400 organizations (2,511 each), so a
 * root has 2,510 descendants on three levels; the last tree is cut at TOTAL.
 */
function dataset(): { organizations: Organization[]; subtreeRoot: string } {
  const random = rng(7);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const organizations: Organization[] = [];
  const base = Date.parse("2020-01-01T00:00:00.000Z");
  const make = (parentId: string | null): string => {
    const n = organizations.length;
    const id = `org_${String(n).padStart(6, "0")}`;
    const at = new Date(base + n * 60_000).toISOString();
    organizations.push({
      id,
      externalId: `CUST-${n}`,
      name: `${pick(WORDS)} ${pick(SUFFIXES)} ${n}`,
      type: pick(TYPES),
      description: "",
      summary: "",
      industry: "",
      address: { line1: `${n} Main Street`, line2: "", city: "Springfield", region: "", country: "US", postalCode: "12345" },
      contact: { emails: [`info${n}@example.com`], phones: [], website: "", social: {} },
      tags: [pick(TAGS), pick(TAGS)].filter((t, i, all) => all.indexOf(t) === i),
      parentId,
      states: STATES.filter(() => random() < 0.4),
      memberRules: [],
      usergroupIds: [],
      allowedRoles: [],
      allowedApps: [],
      customFields: {},
      status: random() < 0.05 ? "discontinued" : "active",
      createdAt: at,
      updatedAt: at,
      version: 1,
    });
    return id;
  };
  outer: for (;;) {
    const root = make(null);
    for (let a = 0; a < 10; a++) {
      const level1 = make(root);
      for (let b = 0; b < 10; b++) {
        const level2 = make(level1);
        for (let c = 0; c < 24; c++) {
          if (organizations.length >= TOTAL) break outer;
          make(level2);
        }
      }
    }
  }
  // A root in the middle of the data set, so its rows are not the first ones inserted.
  const middle = organizations.filter((o) => o.parentId === null)[Math.floor(TOTAL / 2511 / 2)]!;
  return { organizations, subtreeRoot: middle.id };
}

interface Figures {
  readonly importMs: number;
  readonly descendantsMs: number;
  readonly descendantsCount: number;
  readonly searchPageMs: number;
  readonly searchTotal: number;
  readonly hierarchy: HierarchyFigures;
  /** Server only (it needs a pool): the search page with its total, trigram indexes usable or not, side by side. */
  readonly search: PostgresSearchBenchResult | null;
  /** The facade's import against `insertMany` on the same data (null when skipped). */
  readonly facadeImport: FacadeImportFigures | null;
}

async function run(client: PostgresClient, data: ReturnType<typeof dataset>, label: string): Promise<Figures> {
  // First, while the machine is fresh: each side in schemas of its own, dropped after each run.
  const facadeImport = FACADE_IMPORT ? await measureFacadeImport(client, data.organizations, IMPORT_RUNS, label) : null;
  const imports: number[] = [];
  const schemas: string[] = [];
  try {
    let schema = "";
    for (let r = 0; r < IMPORT_RUNS; r++) {
      schema = `orgkit_bench_${Math.random().toString(36).slice(2, 8)}`;
      schemas.push(schema);
      await migrate(client, { schema });
      const storage = postgresStorage({ client, schema });
      const t0 = performance.now();
      await storage.organizations.insertMany(data.organizations, { chunkSize: 2000 });
      imports.push(performance.now() - t0);
      console.error(`[${label}] import ${r + 1}/${IMPORT_RUNS}: ${imports.at(-1)!.toFixed(0)} ms`);
      // Keep only the last imported schema for the queries.
      if (r < IMPORT_RUNS - 1) await client.query(`DROP SCHEMA "${schema}" CASCADE`);
    }
    // As autovacuum would after a bulk load: statistics, and the visibility map that index-only
    // scans (the closure's, and the recursive CTE's over the parent index) rely on.
    await client.query(`VACUUM ANALYZE "${schema}".organizations`);
    await client.query(`VACUUM ANALYZE "${schema}".organization_closure`);
    const storage = postgresStorage({ client, schema });

    const subtree = await storage.organizations.descendants(data.subtreeRoot);
    await timeMsAsync(() => storage.organizations.descendants(data.subtreeRoot), 3);
    const descendantsMs = await timeMsAsync(() => storage.organizations.descendants(data.subtreeRoot), 15);
    const hierarchy = await measureHierarchyOn(client, storage, schema, data);
    let search: PostgresSearchBenchResult | null = null;
    if (isPool(client)) {
      // GIN pending lists are merged by vacuum: until then the planner rightly avoids the trigram indexes.
      await client.query(`VACUUM ANALYZE "${schema}".organizations`);
      const texts = ["tech", "acme", "logist", "holdings", "umbrella", "labs", "systems", "wonka", "cyberdyne 12", "partners 9", "hooli", "vandelay ind"];
      try {
        search = await measurePostgresSearch(client, { schema, texts });
      } catch (error) {
        // Its sanity check refuses a plan without the trigram index (at a million rows the planner rightly scans for common words).
        console.error(`[${label}] search not measured: ${error instanceof Error ? error.message : String(error)}`);
      }
    }

    const query = { text: "tech", status: "active", limit: 50 } as const;
    const page = await storage.organizations.search(query);
    await timeMsAsync(() => storage.organizations.search(query), 3);
    const searchPageMs = await timeMsAsync(() => storage.organizations.search(query), 15);

    return { importMs: median(imports), descendantsMs, descendantsCount: subtree.length, searchPageMs, searchTotal: page.total, hierarchy, search, facadeImport };
  } finally {
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
  }
}

/**
 * Descendants of four 2,510-node subtrees against the recursive CTE of before, and moving a
 * 1,005-node subtree (four level-1 nodes gathered under one new organization) between roots.
 */
async function measureHierarchyOn(client: PostgresClient, storage: ReturnType<typeof postgresStorage>, schema: string, data: ReturnType<typeof dataset>): Promise<HierarchyFigures> {
  const roots = data.organizations.filter((o) => o.parentId === null).map((o) => o.id);
  const fullRoots = roots.slice(0, -1); // the last tree may be cut short
  const picked = [0.2, 0.4, 0.6, 0.8].map((f) => fullRoots[Math.floor(fullRoots.length * f)]!);
  const holder = { ...data.organizations[0]!, id: "bench_holder", externalId: "BENCH-HOLDER", name: "Bench holder", parentId: fullRoots[1]!, status: "active" as const };
  await storage.organizations.insert(holder);
  for (const level1 of data.organizations.filter((o) => o.parentId === fullRoots[2]).slice(0, 4)) {
    const current = (await storage.organizations.get(level1.id))!;
    await storage.organizations.update({ ...current, parentId: holder.id, version: current.version + 1 }, current.version);
  }
  return measureHierarchy(client, storage, schema, picked, { subtreeRoot: holder.id, newParents: fullRoots.slice(3, 10) });
}

function print(figures: Figures, server: boolean): void {
  const facade = figures.facadeImport;
  report(
    "postgres",
    {
      importRows: (TOTAL / figures.importMs) * 1000,
      descendants: 1000 / figures.descendantsMs,
      searchPage: 1000 / figures.searchPageMs,
    },
    {
      descendantsVsRecursiveCte: figures.hierarchy.descendantsVsRecursiveCte,
      descendantIdsVsRecursiveCte: figures.hierarchy.descendantIdsVsRecursiveCte,
      ...(figures.search ? { searchVsUnindexed: figures.search.searchVsUnindexed } : {}),
      // Issue 13's target: >= 0.5 (medians of alternating runs, same data, fresh schemas).
      ...(facade ? { facadeImportVsInsertMany: facade.facadeImportVsInsertMany } : {}),
    },
    {
      server,
      organizations: TOTAL,
      recursiveDescendantsMs: Number(figures.hierarchy.recursiveDescendantsMs.toFixed(2)),
      descendantIdsMs: Number(figures.hierarchy.descendantIdsMs.toFixed(2)),
      recursiveDescendantIdsMs: Number(figures.hierarchy.recursiveDescendantIdsMs.toFixed(2)),
      ...(figures.search
        ? { indexedSearchPageMs: Number(figures.search.searchPageMs.toFixed(2)), unindexedSearchPageMs: Number(figures.search.unindexedSearchPageMs.toFixed(2)) }
        : {}),
      moveSubtreeMs: Number(figures.hierarchy.moveSubtreeMs.toFixed(2)),
      moveSubtreeSize: figures.hierarchy.moveSubtreeSize,
      descendantsCount: figures.descendantsCount,
      searchTotal: figures.searchTotal,
      importMs: Number(figures.importMs.toFixed(1)),
      descendantsMs: Number(figures.descendantsMs.toFixed(2)),
      // Run with ORGKIT_BENCH_ORGS=1000000 (and ORGKIT_BENCH_IMPORT_RUNS=1) for the million-organization figure.
      ...(TOTAL >= 1_000_000 ? { descendants1MMs: Number(figures.hierarchy.descendantsMs.toFixed(2)) } : {}),
      searchPageMs: Number(figures.searchPageMs.toFixed(2)),
      ...(facade
        ? {
            importRowsPerSec: Math.round(facade.importRowsPerSec),
            insertManyRowsPerSec: Math.round(facade.insertManyRowsPerSec),
            facadeImportRunsMs: facade.facadeRunsMs.map((ms) => Math.round(ms)),
            insertManyRunsMs: facade.insertManyRunsMs.map((ms) => Math.round(ms)),
          }
        : {}),
    }
  );
}

const data = dataset();
console.log(`postgres bench: ${TOTAL} organizations, subtree of ${data.subtreeRoot}, ${IMPORT_RUNS} import run(s) per target`);

if (process.env["ORGKIT_BENCH_SKIP_PGLITE"] !== "1") {
  const db = await PGlite.create();
  try {
    print(await run(db, data, "pglite"), false);
  } finally {
    await db.close();
  }
}

if (SERVER_URL !== undefined && SERVER_URL !== "") {
  const pool = new pg.Pool({ connectionString: SERVER_URL, max: 4 });
  try {
    print(await run(pool, data, "server"), true);
  } finally {
    await pool.end();
  }
}
