import { z } from "zod";
import { importFailure, OrgKitError, validationError, type OrgKitErrorOf } from "../errors.js";
import type { ImportResult, ImportRowResult } from "../import-result.js";
import { createOrganizationInputSchema, idSchema, type CreateOrganizationInput } from "../domain/organization/schema.js";
import { parseInput, toValidationIssues } from "../domain/validation.js";
import type { OrganizationVocabulary } from "../domain/organization/vocabulary.js";
import { parseActor, type Actor } from "./actor.js";
import { applyBatch, errorOfRow, isStorageFault, rowError, type BatchOptions, type PreparedRow, type ProgressCounter } from "./import-batch.js";
import { INSERT_CHUNK } from "./organization-sets.js";
import type { Runtime } from "./runtime.js";
import { undeclaredRoleIssues } from "./vocabulary.js";

/**
 * One row of a bulk import: an organization keyed by `externalId` (the host's customer
 * id). `parentExternalId` names its parent by external id, in the same batch (any
 * order) or already stored; `null` makes it a root; omitted leaves the parent as is.
 */
export type ImportOrganizationRow<V extends OrganizationVocabulary = OrganizationVocabulary> = Omit<CreateOrganizationInput<V>, "externalId" | "parentId"> & {
  /** The host's id of the organization: the key the row is upserted by (the same id finds the same organization on every run). */
  readonly externalId: string;
  /** The parent's external id, in this batch (any order) or already stored; `null` makes the organization a root; omitted leaves its parent as it is. */
  readonly parentExternalId?: string | null;
};

/** How far an import has got: `done` of `total` rows processed (see {@link ImportOptions.onProgress}). */
export interface ImportProgress {
  /** Rows processed so far (written, found unchanged or failed); only grows. */
  readonly done: number;
  /** Rows in the batch. */
  readonly total: number;
}

/** Options of `kit.organizations.import`. */
export interface ImportOptions {
  /** `"all-or-nothing"` (default): any failing row fails the batch and nothing is written. `"per-row"`: good rows are written, bad rows reported. */
  readonly mode?: "all-or-nothing" | "per-row";
  /** Work out and return what would change, writing nothing. */
  readonly dryRun?: boolean;
  /**
   * Called as rows are processed — written in the import's transaction, or found
   * unchanged or failing — about every 1 % of the rows (new rows are written in chunks of
   * 1 %, at least 100 and at most 1,000 rows), and always once at the end with
   * `done === total` (also when an all-or-nothing import fails; not when a storage fault
   * stops it). `done` only grows. Called synchronously (a returned promise is not
   * awaited); if it throws, the import stops with that error and, as for any failed
   * transaction, writes nothing more (all-or-nothing: nothing at all).
   *
   * @example
   * ```ts
   * await kit.organizations.import(admin, rows, {
   *   onProgress: ({ done, total }) => process.stdout.write(`\r${Math.round((100 * done) / total)} %`),
   * });
   * ```
   */
  readonly onProgress?: (progress: ImportProgress) => void;
}

export type { ImportResult, ImportRowResult } from "../import-result.js";

const rowShape = z
  .object({ externalId: idSchema, parentExternalId: idSchema.nullable().optional() })
  .passthrough();
const optionsSchema = z
  .object({
    mode: z.enum(["all-or-nothing", "per-row"]).default("all-or-nothing"),
    dryRun: z.boolean().default(false),
    onProgress: z.custom<(progress: ImportProgress) => void>((value) => typeof value === "function", "must be a function").optional(),
  })
  .strict();
const MAX_ROWS = 100_000;
const rowsSchema = z.array(z.unknown()).max(MAX_ROWS);

/**
 * Rows per transaction of a per-row import: each chunk commits on its own, so a storage
 * fault loses at most one chunk's work, and a large import holds no transaction for long.
 */
const PER_ROW_CHUNK = 1000;

/** Ends a transaction without writing (a dry run, or an all-or-nothing batch with a failing row), carrying the rows' results out. */
class Rollback extends Error {
  constructor(readonly results: readonly ImportRowResult[]) {
    super("import rolled back");
  }
}

/** Orders rows so that a parent in the batch comes before its children; rows on a loop come last (they will fail the cycle check). */
function parentsFirst(rows: readonly PreparedRow[]): PreparedRow[] {
  const byExternalId = new Map(rows.map((r) => [r.externalId, r]));
  const ordered: PreparedRow[] = [];
  const state = new Map<string, "visiting" | "done">();
  // Iterative (a chain of 100,000 rows would overflow the stack when walked recursively).
  for (const start of rows) {
    const stack: PreparedRow[] = [];
    let at: PreparedRow | undefined = start;
    while (at !== undefined && !state.has(at.externalId)) {
      state.set(at.externalId, "visiting");
      stack.push(at);
      at = at.parentExternalId ? byExternalId.get(at.parentExternalId) : undefined;
    }
    for (let i = stack.length - 1; i >= 0; i--) {
      state.set(stack[i]!.externalId, "done");
      ordered.push(stack[i]!);
    }
  }
  return ordered;
}

/** Reports progress: at most about 100 calls, `done` only growing, the last one with `done === total`. */
class ProgressReporter {
  private reported = -1;
  private readonly step: number;

  constructor(private readonly total: number, private readonly callback: ((progress: ImportProgress) => void) | undefined) {
    this.step = Math.max(1, Math.ceil(total / 100));
  }

  at(done: number): void {
    const value = Math.min(done, this.total);
    if (this.callback === undefined || value <= this.reported) return;
    if (value !== this.total && value - this.reported < this.step && this.reported >= 0) return;
    this.reported = value;
    this.callback({ done: value, total: this.total });
  }

  /** A counter starting at `base` (a transaction that is retried starts a new one: the reporter ignores what it already said). */
  counter(base: number): ProgressCounter {
    let done = base;
    return {
      add: (rows) => {
        done += rows;
        this.at(done);
      },
    };
  }

  finish(): void {
    this.at(this.total);
  }
}

/**
 * Bulk import of organizations (the asset platform's Ingestion): upsert by external id,
 * parents by external id in any order, all-or-nothing or per-row, dry run, per-row
 * errors. Re-running the same batch changes nothing (`unchanged` rows write nothing).
 * The rows are applied in sets (see `import-batch.ts`): a few queries per thousand rows,
 * multi-row inserts, one event batch.
 */
export function createImport(runtime: Runtime) {
  const inputSchema = createOrganizationInputSchema(runtime.config.organization);

  return async function importOrganizations(actor: Actor, rows: readonly ImportOrganizationRow[], options?: ImportOptions): Promise<ImportResult> {
    const ref = parseActor(actor);
    const opts = parseInput(optionsSchema, options ?? {}, "import options", ["options"]);
    const list = parseInput(rowsSchema, rows, "import rows", ["rows"]);
    const progress = new ProgressReporter(list.length, opts.onProgress);

    // 1. Validate every row up front (shape and fields), so errors name every bad row.
    const results = new Map<number, ImportRowResult>();
    const prepared: PreparedRow[] = [];
    const seen = new Map<string, number>();
    list.forEach((raw, index) => {
      const shape = rowShape.safeParse(raw);
      if (!shape.success) {
        const issues = toValidationIssues(shape.error.issues, ["rows", index]);
        results.set(index, { row: index, externalId: null, status: "failed", id: null, error: { code: "VALIDATION_FAILED", message: `Invalid row ${index}`, issues } });
        return;
      }
      const { externalId, parentExternalId, ...fields } = shape.data as Record<string, unknown> & { externalId: string; parentExternalId?: string | null };
      const parsed = inputSchema.safeParse(fields);
      const duplicate = seen.get(externalId);
      const undeclared = parsed.success ? undeclaredRoleIssues(runtime.config, parsed.data.allowedRoles, `rows.${index}.allowedRoles`) : [];
      if (!parsed.success || duplicate !== undefined || undeclared.length > 0) {
        const issues = parsed.success ? undeclared : toValidationIssues(parsed.error.issues, ["rows", index]);
        if (duplicate !== undefined) issues.push({ path: `rows.${index}.externalId`, message: `repeats row ${duplicate}`, code: "duplicate" });
        results.set(index, { row: index, externalId, status: "failed", id: null, error: { code: "VALIDATION_FAILED", message: `Invalid row ${index}`, issues } });
        return;
      }
      seen.set(externalId, index);
      prepared.push({ index, externalId, parentExternalId, fields: fields as CreateOrganizationInput, parsed: parsed.data });
    });
    const ordered = parentsFirst(prepared);
    const invalid = results.size;
    progress.at(invalid);

    const summarize = (dryRun: boolean): ImportResult => {
      const all = [...results.values()].sort((a, b) => a.row - b.row);
      const count = (status: ImportRowResult["status"]) => all.filter((r) => r.status === status).length;
      return { dryRun, created: count("created"), updated: count("updated"), unchanged: count("unchanged"), failed: count("failed"), rows: all };
    };
    const record = (rowResults: readonly ImportRowResult[]) => {
      for (const result of rowResults) results.set(result.row, result);
    };
    const noneFailed: ReadonlySet<string> = new Set();
    // About 1 % of the rows per multi-row insert, so progress moves; never fewer than 100 rows a statement.
    const insertChunk = Math.min(INSERT_CHUNK, Math.max(100, Math.ceil(list.length / 100)));
    const batch = (mode: BatchOptions["mode"], failedBefore: ReadonlySet<string>, done: number): BatchOptions => ({ mode, failedBefore, progress: progress.counter(done), insertChunk });

    if (opts.mode === "all-or-nothing") {
      if (invalid > 0) {
        progress.finish();
        return failBatch(summarize(opts.dryRun));
      }
      try {
        await runtime.run(ref, async (scope) => {
          const rowResults = await applyBatch(scope, ordered, batch("all-or-nothing", noneFailed, invalid));
          if (opts.dryRun || rowResults.some((r) => r.status === "failed")) throw new Rollback(rowResults);
          record(rowResults);
        });
      } catch (error) {
        if (!(error instanceof Rollback)) throw error;
        record(error.results);
      }
      progress.finish();
      const summary = summarize(opts.dryRun);
      return summary.failed > 0 ? failBatch(summary) : summary;
    }

    // per-row, dry run: one transaction, rolled back at the end; rows that need it are isolated by savepoints.
    if (opts.dryRun) {
      try {
        await runtime.run(ref, async (scope) => {
          throw new Rollback(await applyBatch(scope, ordered, batch("per-row", noneFailed, invalid)));
        });
      } catch (error) {
        if (!(error instanceof Rollback)) throw error;
        record(error.results);
      }
      progress.finish();
      return summarize(true);
    }

    // per-row: chunks of rows, each committed on its own.
    const failedExternalIds = new Set<string>();
    let done = invalid;
    for (let start = 0; start < ordered.length; start += PER_ROW_CHUNK) {
      const chunk = ordered.slice(start, start + PER_ROW_CHUNK);
      let rowResults: readonly ImportRowResult[];
      try {
        rowResults = await runtime.run(ref, (scope) => applyBatch(scope, chunk, batch("per-row", failedExternalIds, done)));
      } catch (error) {
        // A storage fault is not the rows' fault, and after a lost COMMIT the chunk may even
        // have been written: stop, and say which rows were committed before it.
        if (isStorageFault(error)) throw stoppedByStorage(error, chunk[0]!, [...results.values()].filter((r) => r.status !== "failed"));
        // The chunk did not commit (a serialization conflict that outlasted the retries…): its rows fail with that error.
        rowResults = chunk.map((row) => ({ row: row.index, externalId: row.externalId, status: "failed" as const, id: null, error: rowError(row.index, error) }));
      }
      record(rowResults);
      for (const result of rowResults) if (result.status === "failed" && result.externalId !== null) failedExternalIds.add(result.externalId);
      done += chunk.length;
      progress.at(done);
    }
    progress.finish();
    return summarize(false);
  };
}

/**
 * A per-row import stopped by a storage fault: the fault's code and details, plus
 * `details.row` / `details.externalId`, the first row of the chunk it stopped in (a
 * per-row import commits chunks of 1,000 rows, parents first), and the rows committed
 * before it (`details.committed`). That chunk is committed only if
 * `details.commitUnknown` is true and the commit in fact went through; re-running the
 * import (it is idempotent) settles it.
 */
function stoppedByStorage(error: OrgKitErrorOf<"STORAGE_FAILURE" | "STORAGE_TIMEOUT">, row: PreparedRow, committed: readonly ImportRowResult[]): OrgKitError {
  const message = `Import stopped at row ${row.index} (${row.externalId}) by a storage fault: ${error.message}`;
  const stop = { row: row.index, externalId: row.externalId, committed };
  return error.code === "STORAGE_FAILURE"
    ? new OrgKitError(error.code, message, { details: { ...error.details, ...stop }, cause: error })
    : new OrgKitError(error.code, message, { details: { ...error.details, ...stop }, cause: error });
}

/**
 * All-or-nothing failure: the first failing row's code (VALIDATION_FAILED, FORBIDDEN,
 * HIERARCHY_CYCLE…) and details, with every row's issues in `details.issues` and every
 * row in `details.result`.
 */
function failBatch(summary: ImportResult): never {
  const issues = summary.rows.flatMap((r) => r.error?.issues ?? []);
  const first = summary.rows.find((r) => r.error !== null)!;
  const failure = first.error!;
  // A row refused before anything ran (its shape) has no error of its own: it is the validation of its issues.
  const original = errorOfRow(failure) ?? validationError(failure.message, failure.issues);
  throw importFailure(original, `Import failed: ${summary.failed} of ${summary.rows.length} rows failed (first: row ${first.row}, ${failure.message}); nothing was written`, issues, summary);
}
