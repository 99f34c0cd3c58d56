/**
 * Indexed organization search on PostgreSQL, side by side: the same search page with its
 * total, once as the planner runs it with the `pg_trgm` indexes of migration 4 and once
 * with those indexes unusable, alternating query by query in one run so both sides see
 * the same machine noise, cache and statistics. `bench/postgres-search.run.ts` seeds
 * 100,000 organizations on the server and calls {@link measurePostgresSearch}.
 *
 * @module
 */
import { buildOrganization } from "../src/testing/builders.js";
import type { Organization } from "../src/domain/organization/schema.js";
import { postgresStorage, type PostgresPool, type PostgresPoolConnection } from "../src/adapters/postgres/index.js";
import { quoteSchema } from "../src/adapters/postgres/sql.js";
import { median, rng } from "./harness.js";

/** Family names, places and made-up brands: the first word of a company name. */
const PREFIXES = [
  "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Hoffmann", "Schulz",
  "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
  "Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Lee", "Thompson", "White",
  "Harris", "Clark", "Lewis", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Green",
  "Dubois", "Lefebvre", "Moreau", "Laurent", "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano",
  "Jansen", "de Vries", "van Dijk", "Bakker", "Visser", "Nielsen", "Hansen", "Andersson", "Johansson", "Virtanen",
  "Nowak", "Kowalski", "Novák", "Horváth", "Popescu", "Ivanov", "Petrov", "Yilmaz", "Kaya", "Sato",
  "Suzuki", "Tanaka", "Kim", "Park", "Chen", "Wang", "Li", "Zhang", "Singh", "Patel",
  "Northwind", "Contoso", "Fabrikam", "Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Wonka",
  "Berlin", "Hamburg", "München", "Köln", "Frankfurt", "Zürich", "Wien", "London", "Paris", "Lyon",
  "Madrid", "Milano", "Torino", "Amsterdam", "Rotterdam", "Antwerpen", "Oslo", "Stockholm", "Helsinki", "Praha",
  "Alpine", "Atlantic", "Baltic", "Nordic", "Pacific", "Summit", "Harbor", "Silver", "Blue River", "Red Oak",
];
/** What the company does. */
const TRADES = [
  "Logistik", "Logistics", "Consulting", "Software", "Systems", "Technologies", "Engineering", "Bau", "Construction", "Transport",
  "Spedition", "Immobilien", "Properties", "Elektro", "Electric", "Medical", "Pharma", "Dental", "Foods", "Bäckerei",
  "Handel", "Trading", "Retail", "Automotive", "Maschinenbau", "Energy", "Solar", "Versicherung", "Insurance", "Finance",
  "Capital", "Media", "Design", "Print", "Textil", "Packaging", "Chemicals", "Metals", "Hotels", "Travel",
];
/** Legal forms. */
const FORMS = ["GmbH", "AG", "GmbH & Co. KG", "Ltd", "Inc.", "LLC", "plc", "S.A.", "SAS", "S.r.l.", "B.V.", "AB", "Oy", "s.r.o."];

/**
 * What people type into an organization search box: parts of company names (a person or
 * place, a trade, two words, a legal form), customer numbers and pasted ids — lower- or
 * mixed-case, all of at least 3 characters (shorter texts are not served by the trigram
 * index; see docs/postgres.md). Some match a handful of rows, some thousands.
 */
export const SEARCH_BENCH_TEXTS: readonly string[] = [
  "müller",
  "schmidt log",
  "johansson",
  "van dijk",
  "kowalski",
  "northwind",
  "wonka",
  "tanaka",
  "zürich",
  "blue river",
  "amsterdam",
  "logistik",
  "consulting",
  "pharma",
  "maschinenbau",
  "dental",
  "co. kg",
  "acme solar",
  "hotels",
  "Garcia Trading",
  "CUST-10",
  "cust-158213",
  "cust-1073",
  "org_7k",
];

/**
 * `count` organizations named like real companies ("Weber Spedition GmbH", "Chen & Park
 * Trading Ltd"), unique among them; about three in four have an external id `CUST-<n>`.
 * Deterministic (seeded).
 */
export function searchBenchOrganizations(count: number, seed = 13): Organization[] {
  const random = rng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const names = new Set<string>();
  const organizations: Organization[] = [];
  const base = Date.parse("2021-03-01T00:00:00.000Z");
  for (let n = 0; n < count; n++) {
    let name: string;
    do {
      const shape = random();
      const first = shape < 0.2 ? `${pick(PREFIXES)} & ${pick(PREFIXES)}` : pick(PREFIXES);
      name = `${first} ${pick(TRADES)} ${pick(FORMS)}`;
      // A branch when the plain name is taken, as real registries have them.
      if (names.has(name)) name = `${name} (${pick(PREFIXES)})`;
    } while (names.has(name));
    names.add(name);
    const at = new Date(base + n * 37_000).toISOString();
    organizations.push(
      buildOrganization({
        // Opaque ids of the shape hosts generate (a prefix and base-36 digits).
        id: `org_${Math.floor(random() * 36 ** 8).toString(36).padStart(8, "0")}${n.toString(36)}`,
        externalId: random() < 0.75 ? `CUST-${100_000 + n}` : null,
        name,
        tags: random() < 0.3 ? ["key"] : [],
        createdAt: at,
        updatedAt: at,
        status: random() < 0.1 ? "discontinued" : "active",
      }),
    );
  }
  return organizations;
}

/** Options of {@link measurePostgresSearch}. */
export interface PostgresSearchBenchOptions {
  /** The schema holding the migrated, populated tables (run `VACUUM ANALYZE` after populating). */
  readonly schema: string;
  /** Searches timed on each side, each with a random text of `texts`. Default 120. */
  readonly samples?: number;
  /** The texts searched. Default {@link SEARCH_BENCH_TEXTS}. */
  readonly texts?: readonly string[];
  /** Seed of the random choice of texts. Default 1. */
  readonly seed?: number;
}

/** What {@link measurePostgresSearch} measured: medians over the samples, in ms. */
export interface PostgresSearchBenchResult {
  /** A search page (text + `status: "active"`, sorted by name, 50 rows) with its total, the trigram indexes usable. */
  readonly searchPageMs: number;
  /** The same search with the trigram indexes unusable. */
  readonly unindexedSearchPageMs: number;
  /** `unindexedSearchPageMs / searchPageMs`. */
  readonly searchVsUnindexed: number;
}

/** One connection, lent to `postgresStorage` as a pool, recording the statements it runs. */
function singleConnectionPool(connection: PostgresPoolConnection, statements: { text: string; params: unknown[] }[]): PostgresPool {
  const query = (text: string, params: unknown[] = []) => {
    statements.push({ text, params });
    return connection.query(text, params);
  };
  return { query, connect: async () => ({ query, release: () => undefined }) };
}

/** The index and scan nodes of a plan (`EXPLAIN (FORMAT JSON)`), as "Node Type:Index Name". */
function scans(plan: { "Node Type": string; "Index Name"?: string; Plans?: unknown[] }): string[] {
  const own = plan["Node Type"].includes("Scan") ? [`${plan["Node Type"]}:${plan["Index Name"] ?? ""}`] : [];
  return [...own, ...(plan.Plans ?? []).flatMap((child) => scans(child as typeof plan))];
}

/**
 * Times a search page with its total through the adapter (`organizations.search`), on
 * one connection, with and without the `pg_trgm` indexes usable: the same statements,
 * alternating in one run (each side first in every other pair), and returns the medians.
 *
 * "Without" is `SET enable_bitmapscan = off` on that connection: GIN indexes answer only
 * bitmap scans, and no other index can serve a `LIKE '%…%'` or `status`, so this leaves
 * the planner the plans it would have if migration 4 had found no `pg_trgm` (a sequential
 * scan), with the same statistics and cache — unlike dropping the indexes, it can
 * alternate query by query. Before timing, each text's statements are explained on both
 * sides to check that the first uses a trigram index and the second does not (this also
 * warms the cache). Populate with `VACUUM ANALYZE` afterwards: until (auto)vacuum merges
 * the GIN pending lists, the planner may rightly prefer a sequential scan.
 *
 * @example
 * ```ts
 * const figures = await measurePostgresSearch(pool, { schema: "orgkit_bench" });
 * console.log(figures.searchVsUnindexed);
 * ```
 */
export async function measurePostgresSearch(pool: PostgresPool, options: PostgresSearchBenchOptions): Promise<PostgresSearchBenchResult> {
  const texts = options.texts ?? SEARCH_BENCH_TEXTS;
  const samples = options.samples ?? 120;
  const random = rng(options.seed ?? 1);
  const connection = await pool.connect();
  const statements: { text: string; params: unknown[] }[] = [];
  const storage = postgresStorage({ client: singleConnectionPool(connection, statements), schema: options.schema });
  const search = (text: string) => storage.organizations.search({ text, status: "active", limit: 50 });
  const unindexed = async <T>(fn: () => Promise<T>): Promise<T> => {
    await connection.query("SET enable_bitmapscan = off");
    try {
      return await fn();
    } finally {
      await connection.query("RESET enable_bitmapscan");
    }
  };
  const timed = async (fn: () => Promise<unknown>): Promise<number> => {
    const start = performance.now();
    await fn();
    return performance.now() - start;
  };
  try {
    const table = `${quoteSchema(options.schema)}.organizations`;
    for (const text of texts) {
      for (const side of ["indexed", "unindexed"] as const) {
        statements.length = 0;
        const page = side === "indexed" ? await search(text) : await unindexed(() => search(text));
        const used: string[] = [];
        for (const statement of statements.filter((s) => s.text.includes(table))) {
          const explain = (text: string) => connection.query(`EXPLAIN (FORMAT JSON) ${text}`, statement.params);
          const result = side === "indexed" ? await explain(statement.text) : await unindexed(() => explain(statement.text));
          const rows = result.rows as { "QUERY PLAN": [{ Plan: Parameters<typeof scans>[0] }] }[];
          used.push(...scans(rows[0]!["QUERY PLAN"][0].Plan));
        }
        const trigram = used.some((scan) => scan.includes("_trgm_idx"));
        if (trigram !== (side === "indexed")) {
          throw new Error(`"${text}" (${side}, ${page.total} matches): the plan scans ${used.join(", ")}`);
        }
      }
    }
    const indexedMs: number[] = [];
    const unindexedMs: number[] = [];
    for (let i = 0; i < samples; i++) {
      const text = texts[Math.floor(random() * texts.length)]!;
      // ABBA: each side runs first in half the pairs, so neither gains from the other's cache.
      const indexedSide = async () => indexedMs.push(await timed(() => search(text)));
      // The SET and RESET around the unindexed search are not timed.
      const unindexedSide = async () => unindexedMs.push(await unindexed(() => timed(() => search(text))));
      if (i % 2 === 0) {
        await indexedSide();
        await unindexedSide();
      } else {
        await unindexedSide();
        await indexedSide();
      }
    }
    const searchPageMs = median(indexedMs);
    const unindexedSearchPageMs = median(unindexedMs);
    return { searchPageMs, unindexedSearchPageMs, searchVsUnindexed: unindexedSearchPageMs / searchPageMs };
  } finally {
    connection.release();
  }
}
