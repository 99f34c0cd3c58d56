/**
 * The facade's bulk import on PostgreSQL, side by side in one run with the adapter's raw
 * `organizations.insertMany` on the same data (issue 13): each side imports the whole data
 * set into a fresh schema, the sides alternate, and the median of each is reported. Same
 * data: the same organizations (the facade's id generator hands out the data set's ids),
 * in the same order, all active. The facade validates, authorizes (as a platform admin),
 * checks the hierarchy and names, writes with multi-row inserts (1,000 rows each, as
 * `insertMany` by default) and appends one audit event per row and the change-feed entry
 * (which holds the events again and a policy change per row); the raw side only inserts.
 * Used by `postgres.bench.ts`.
 */
import { createOrgKit, randomIds, SYSTEM_ACTOR, type IdKind, type ImportOrganizationRow } from "../src/index.js";
import { migrate, postgresStorage, type PostgresClient } from "../src/adapters/postgres/index.js";
import type { Organization } from "../src/domain/organization/schema.js";
import { median, rng } from "./harness.js";

/** What `measureFacadeImport` found. */
export interface FacadeImportFigures {
  /** Every run of each side, in milliseconds, in the order they ran. */
  readonly facadeRunsMs: readonly number[];
  readonly insertManyRunsMs: readonly number[];
  readonly facadeMs: number;
  readonly insertManyMs: number;
  /** Rows per second, from the medians. */
  readonly importRowsPerSec: number;
  readonly insertManyRowsPerSec: number;
  /** `importRowsPerSec / insertManyRowsPerSec` (issue 13's target: ≥ 0.5). */
  readonly facadeImportVsInsertMany: number;
}

/** The import rows of a data set: every organization with its parent by external id, in the data set's order or shuffled. */
export function importRows(organizations: readonly Organization[], shuffle: boolean): ImportOrganizationRow[] {
  const externalOf = new Map(organizations.map((o) => [o.id, o.externalId!]));
  const rows: ImportOrganizationRow[] = organizations.map((o) => ({
    externalId: o.externalId!,
    name: o.name,
    type: o.type,
    description: o.description,
    summary: o.summary,
    industry: o.industry,
    address: o.address,
    contact: o.contact,
    tags: [...o.tags],
    states: [...o.states],
    parentExternalId: o.parentId === null ? null : externalOf.get(o.parentId)!,
  }));
  const random = rng(13);
  for (let i = shuffle ? rows.length - 1 : 0; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [rows[i], rows[j]] = [rows[j]!, rows[i]!];
  }
  return rows;
}

/**
 * Imports `organizations` `runs` times through each side, alternating (raw first on odd
 * runs, facade first on even ones), each run into a schema of its own that is dropped
 * afterwards. The raw side stores the organizations as the facade would (all active).
 */
export async function measureFacadeImport(client: PostgresClient, organizations: readonly Organization[], runs: number, label: string): Promise<FacadeImportFigures> {
  const rows = importRows(organizations, false);
  const raw = organizations.map((o) => (o.status === "active" ? o : { ...o, status: "active" as const }));
  const facadeRunsMs: number[] = [];
  const insertManyRunsMs: number[] = [];

  async function inFreshSchema(fn: (schema: string) => Promise<number>): Promise<number> {
    const schema = `orgkit_bench_import_${Math.random().toString(36).slice(2, 8)}`;
    try {
      await migrate(client, { schema });
      return await fn(schema);
    } finally {
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    }
  }
  const rawSide = () =>
    inFreshSchema(async (schema) => {
      const storage = postgresStorage({ client, schema });
      const t0 = performance.now();
      await storage.organizations.insertMany(raw);
      return performance.now() - t0;
    });
  const facadeSide = () =>
    inFreshSchema(async (schema) => {
      // The same ids as the raw side, drawn in the same order (rows come parents first, in the data set's order).
      let next = 0;
      const ids = (kind: IdKind) => (kind === "organization" ? organizations[next++]!.id : randomIds(kind));
      const kit = createOrgKit({ storage: postgresStorage({ client, schema }), ids });
      await kit.users.upsert(SYSTEM_ACTOR, { id: "bench-admin", kind: "agent", platformRole: "admin", registered: true });
      const t0 = performance.now();
      const result = await kit.organizations.import({ type: "user", id: "bench-admin" }, rows);
      const ms = performance.now() - t0;
      if (result.created !== rows.length) throw new Error(`facade import created ${result.created} of ${rows.length}`);
      return ms;
    });

  for (let r = 0; r < runs; r++) {
    const order = r % 2 === 0 ? ([["insertMany", rawSide], ["facade", facadeSide]] as const) : ([["facade", facadeSide], ["insertMany", rawSide]] as const);
    for (const [side, run] of order) {
      const ms = await run();
      (side === "facade" ? facadeRunsMs : insertManyRunsMs).push(ms);
      console.error(`[${label}] ${side} import ${r + 1}/${runs}: ${ms.toFixed(0)} ms (${((organizations.length / ms) * 1000).toFixed(0)} rows/s)`);
    }
  }
  const facadeMs = median(facadeRunsMs);
  const insertManyMs = median(insertManyRunsMs);
  const importRowsPerSec = (organizations.length / facadeMs) * 1000;
  const insertManyRowsPerSec = (organizations.length / insertManyMs) * 1000;
  return { facadeRunsMs, insertManyRunsMs, facadeMs, insertManyMs, importRowsPerSec, insertManyRowsPerSec, facadeImportVsInsertMany: importRowsPerSec / insertManyRowsPerSec };
}
