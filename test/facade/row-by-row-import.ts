/**
 * The reference for the import's differential test: `kit.organizations.import` as it was
 * before it worked in sets (commit f6347b6, src/service/import.ts), one use case per row,
 * kept verbatim but for its import paths and its errors, which follow the typed details
 * of src/errors.ts (a row's message is its public one). Not used by the library.
 */
import { z } from "zod";
import { importFailure, OrgKitError, isOrgKitError, publicRenderingOf, type OrgKitErrorCode, type ValidationIssue } from "../../src/errors.js";
import {
  createOrganization,
  renameOrganization,
  setOrganizationParent,
  updateOrganization,
  type CommandResult,
} from "../../src/domain/organization/commands.js";
import { createOrganizationInputSchema, idSchema, type CreateOrganizationInput, type Organization } from "../../src/domain/organization/schema.js";
import { parseInput, toValidationIssues } from "../../src/domain/validation.js";
import { parseActor, type Actor } from "../../src/service/actor.js";
import { assertMayHold, assertNameFree, assertPlatformFieldsAllowed, canRead, checkMove } from "../../src/service/organizations.js";
import { defineUseCase, runUseCase, type Need } from "../../src/service/use-case.js";
import type { CommandScope, Runtime } from "../../src/service/runtime.js";

/**
 * One row of a bulk import: an organization keyed by `externalId` (the host's customer
 * id). `parentExternalId` names its parent by external id, in the same batch (any
 * order) or already stored; `null` makes it a root; omitted leaves the parent as is.
 */
export type ImportOrganizationRow = Omit<CreateOrganizationInput, "externalId" | "parentId"> & {
  readonly externalId: string;
  readonly parentExternalId?: string | null;
};

/** Options of `kit.organizations.import`. */
export interface ImportOptions {
  /** `"all-or-nothing"` (default): any failing row fails the batch and nothing is written. `"per-row"`: good rows are written, bad rows reported. */
  readonly mode?: "all-or-nothing" | "per-row";
  /** Work out and return what would change, writing nothing. */
  readonly dryRun?: boolean;
}

/** What happened to one row. `row` is the row's index in the batch (0-based). */
export interface ImportRowResult {
  readonly row: number;
  readonly externalId: string | null;
  readonly status: "created" | "updated" | "unchanged" | "failed";
  /** The organization's id (for `failed`: `null`). */
  readonly id: string | null;
  /** For `failed`: the error code and the issues, with paths like `rows.3.address.country`. */
  readonly error: { readonly code: string; readonly message: string; readonly issues: readonly ValidationIssue[] } | null;
}

/** The outcome of an import (or, with `dryRun`, what it would be). */
export interface ImportResult {
  readonly dryRun: boolean;
  readonly created: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly failed: number;
  readonly rows: readonly ImportRowResult[];
}

const rowShape = z
  .object({ externalId: idSchema, parentExternalId: idSchema.nullable().optional() })
  .passthrough();
const optionsSchema = z.object({ mode: z.enum(["all-or-nothing", "per-row"]).default("all-or-nothing"), dryRun: z.boolean().default(false) }).strict();
const MAX_ROWS = 100_000;
const rowsSchema = z.array(z.unknown()).max(MAX_ROWS);

class DryRunRollback extends Error {}

interface PreparedRow {
  readonly index: number;
  readonly externalId: string;
  readonly parentExternalId: string | null | undefined;
  readonly fields: CreateOrganizationInput;
}

function rowError(index: number, error: unknown): ImportRowResult["error"] {
  if (!isOrgKitError(error)) throw error;
  const { message } = publicRenderingOf(error);
  const issues: readonly ValidationIssue[] = error.details.issues ?? [{ path: "", message, code: error.code }];
  return { code: error.code, message, issues: issues.map((i) => ({ ...i, path: ["rows", index, i.path].filter((p) => p !== "").join(".") })) };
}

/** Orders rows so that a parent in the batch comes before its children; rows on a loop come last (they will fail the cycle check). */
function parentsFirst(rows: readonly PreparedRow[]): PreparedRow[] {
  const byExternalId = new Map(rows.map((r) => [r.externalId, r]));
  const ordered: PreparedRow[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (row: PreparedRow) => {
    if (state.get(row.externalId) === "done" || state.get(row.externalId) === "visiting") return;
    state.set(row.externalId, "visiting");
    const parent = row.parentExternalId ? byExternalId.get(row.parentExternalId) : undefined;
    if (parent) visit(parent);
    state.set(row.externalId, "done");
    ordered.push(row);
  };
  for (const row of rows) visit(row);
  return ordered;
}

const COMPARED: readonly (keyof Organization)[] = [
  "name", "type", "description", "summary", "industry", "address", "contact", "tags", "parentId", "states", "usergroupIds", "allowedRoles", "allowedApps", "customFields",
];

function sameContent(a: Organization, b: Organization): boolean {
  return COMPARED.every((key) => JSON.stringify(a[key]) === JSON.stringify(b[key]));
}

/**
 * Bulk import of organizations (the asset platform's Ingestion): upsert by external id,
 * parents by external id in any order, all-or-nothing or per-row, dry run, per-row
 * errors. Re-running the same batch changes nothing (`unchanged` rows write nothing).
 */
export function createRowByRowImport(runtime: Runtime) {
  const config = runtime.config;
  const inputSchema = createOrganizationInputSchema(config.organization);

  /**
   * Applies one row. `createdDepths` holds the depth of every organization this
   * transaction created: a new organization under one of them cannot close a loop (it
   * has no descendants) and its parent is active, so only the depth needs checking —
   * which saves two queries per row on a database. Pass it only within one transaction.
   */
  async function applyRow(scope: CommandScope, row: PreparedRow, idsByExternalId: Map<string, string>, createdDepths: Map<string, number>): Promise<ImportRowResult> {
    return runUseCase(scope, importRow, { row, idsByExternalId, createdDepths });
  }

  type RowInput = { readonly row: PreparedRow; readonly idsByExternalId: Map<string, string>; readonly createdDepths: Map<string, number> };
  interface RowFacts {
    /** The row's parent: `undefined` to keep it, `null` for a root. */
    readonly parentId: string | null | undefined;
    /** The organization with the row's external id, if any. */
    readonly existing: Organization | null;
    /** `existing` is one the actor may not read: the row is refused as a new row would be, so the answer does not reveal that it exists. */
    readonly hidden: boolean;
  }

  /**
   * One import row as a use case: a new row needs `add`; an existing organization needs
   * `edit`, asked before anything is compared, so an "unchanged" answer never tells an
   * actor what an organization it may not see holds. What the change itself needs (the
   * new organization's states, platform-only fields, `edit` on the result) the command asks.
   */
  const importRow = defineUseCase<RowInput, RowFacts, ImportRowResult>({
    kind: "write",
    async load(scope, { row, idsByExternalId }) {
      const { session } = scope;
      let parentId: string | null | undefined = undefined;
      if (row.parentExternalId === null) parentId = null;
      else if (row.parentExternalId !== undefined) {
        parentId = idsByExternalId.get(row.parentExternalId) ?? (await session.organizations.getByExternalId(row.parentExternalId))?.id;
        if (parentId === undefined) {
          throw new OrgKitError("PARENT_NOT_FOUND", `No organization with external id '${row.parentExternalId}' in the batch or in storage`, {
            details: { issues: [{ path: "parentExternalId", message: "no such organization", code: "parent_not_found" }], parentExternalId: row.parentExternalId },
          });
        }
      }
      const existing = await session.organizations.getByExternalId(row.externalId);
      return { parentId, existing, hidden: existing !== null && !canRead(scope.auth, existing) };
    },
    requests({ row }, { existing, hidden }): Need[] {
      const add: Need = { request: { check: "canAddOrganization" }, action: "create organizations" };
      if (existing === null) return [add];
      // An actor who could create the row learns only that the external id is taken (as any unique key tells).
      if (hidden) return [add, { request: { check: "canOnOrganization", action: "read", organization: existing }, action: `import external id ${row.externalId} (taken by an organization it may not read)` }];
      return [{ request: { check: "canOnOrganization", action: "edit", organization: existing }, action: `edit organization ${existing.id}` }];
    },
    async command(scope, { row, idsByExternalId, createdDepths }, { parentId, existing }) {
      const { session, auth } = scope;
      const context = { now: scope.now, config: config.organization };
      if (!existing) {
        const id = scope.ids("organization");
        const { organization, events } = createOrganization({ ...row.fields, externalId: row.externalId, parentId: parentId ?? null }, { id, ...context });
        assertMayHold(scope, organization);
        await assertPlatformFieldsAllowed(scope, null, organization);
        const parentDepth = organization.parentId === null ? -1 : createdDepths.get(organization.parentId);
        let depth: number;
        if (parentDepth !== undefined) {
          depth = parentDepth + 1;
          if (config.maxDepth !== undefined && depth > config.maxDepth) await checkMove(scope, id, organization.parentId!, true);
        } else {
          depth = await checkMove(scope, id, organization.parentId!, true);
        }
        await assertNameFree(scope, organization.name, null);
        // The external id is free: `existing` above was looked up by it in this transaction.
        await session.organizations.insert(organization);
        createdDepths.set(id, depth);
        scope.recordDomain(events);
        idsByExternalId.set(row.externalId, id);
        return { row: row.index, externalId: row.externalId, status: "created", id, error: null };
      }
      idsByExternalId.set(row.externalId, existing.id);
      // Build the target state with the pure commands, then write once if anything differs.
      const { name, ...patch } = row.fields;
      const steps: CommandResult[] = [];
      let current = existing;
      const step = (result: CommandResult) => {
        steps.push(result);
        current = result.organization;
      };
      step(updateOrganization(current, patch as Parameters<typeof updateOrganization>[1], context));
      if (name.trim() !== current.name) step(renameOrganization(current, name, context));
      if (parentId !== undefined && parentId !== current.parentId) step(setOrganizationParent(current, parentId, context));
      if (sameContent(existing, current)) return { row: row.index, externalId: row.externalId, status: "unchanged", id: existing.id, error: null };
      auth.require({ check: "canOnOrganization", action: "edit", organization: current }, `edit organization ${existing.id}`);
      await assertPlatformFieldsAllowed(scope, existing, current);
      if (current.name !== existing.name && existing.status === "active") await assertNameFree(scope, current.name, existing.id);
      if (parentId && parentId !== existing.parentId) await checkMove(scope, existing.id, parentId, false);
      // One stored version per row: collapse the steps' version bumps into one.
      const final: Organization = { ...current, version: existing.version + 1 };
      await session.organizations.update(final, existing.version);
      scope.recordDomain(steps.flatMap((s) => s.events).map((e) => ({ ...e, version: final.version })));
      return { row: row.index, externalId: row.externalId, status: "updated", id: existing.id, error: null };
    },
  });

  return async function importOrganizations(actor: Actor, rows: readonly ImportOrganizationRow[], options?: ImportOptions): Promise<ImportResult> {
    const ref = parseActor(actor);
    const opts = parseInput(optionsSchema, options ?? {}, "import options", ["options"]);
    const list = parseInput(rowsSchema, rows, "import rows", ["rows"]);

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
      if (!parsed.success || duplicate !== undefined) {
        const issues = parsed.success ? [] : toValidationIssues(parsed.error.issues, ["rows", index]);
        if (duplicate !== undefined) issues.push({ path: `rows.${index}.externalId`, message: `repeats row ${duplicate}`, code: "duplicate" });
        results.set(index, { row: index, externalId, status: "failed", id: null, error: { code: "VALIDATION_FAILED", message: `Invalid row ${index}`, issues } });
        return;
      }
      seen.set(externalId, index);
      prepared.push({ index, externalId, parentExternalId, fields: fields as CreateOrganizationInput });
    });
    const ordered = parentsFirst(prepared);

    const summarize = (dryRun: boolean): ImportResult => {
      const all = [...results.values()].sort((a, b) => a.row - b.row);
      const count = (status: ImportRowResult["status"]) => all.filter((r) => r.status === status).length;
      return { dryRun, created: count("created"), updated: count("updated"), unchanged: count("unchanged"), failed: count("failed"), rows: all };
    };

    if (opts.mode === "all-or-nothing") {
      if (results.size > 0) return failBatch(summarize(opts.dryRun));
      const idsByExternalId = new Map<string, string>();
      const createdDepths = new Map<string, number>();
      try {
        await runtime.run(ref, async (scope) => {
          for (const row of ordered) {
            try {
              results.set(row.index, await applyRow(scope, row, idsByExternalId, createdDepths));
            } catch (error) {
              results.set(row.index, { row: row.index, externalId: row.externalId, status: "failed", id: null, error: rowError(row.index, error) });
              throw new DryRunRollback();
            }
          }
          if (opts.dryRun) throw new DryRunRollback();
        });
      } catch (error) {
        if (!(error instanceof DryRunRollback)) throw error;
      }
      const summary = summarize(opts.dryRun);
      return summary.failed > 0 ? failBatch(summary) : summary;
    }

    // per-row: each row in its own transaction (a dry run shares one, rolled back at the end).
    const idsByExternalId = new Map<string, string>();
    const failedExternalIds = new Set<string>();
    const attempt = async (scope: CommandScope, row: PreparedRow, createdDepths: Map<string, number>) => {
      if (row.parentExternalId && failedExternalIds.has(row.parentExternalId)) {
        throw new OrgKitError("PARENT_NOT_FOUND", `Parent '${row.parentExternalId}' failed to import`, {
          details: { issues: [{ path: "parentExternalId", message: "the parent row failed", code: "parent_failed" }] },
        });
      }
      return applyRow(scope, row, idsByExternalId, createdDepths);
    };
    const fail = (row: PreparedRow, error: unknown) => {
      failedExternalIds.add(row.externalId);
      results.set(row.index, { row: row.index, externalId: row.externalId, status: "failed", id: null, error: rowError(row.index, error) });
    };
    if (opts.dryRun) {
      try {
        await runtime.run(ref, async (scope) => {
          const createdDepths = new Map<string, number>();
          for (const row of ordered) {
            try {
              results.set(row.index, await attempt(scope, row, createdDepths));
            } catch (error) {
              fail(row, error);
            }
          }
          throw new DryRunRollback();
        });
      } catch (error) {
        if (!(error instanceof DryRunRollback)) throw error;
      }
      return summarize(true);
    }
    for (const row of ordered) {
      try {
        // Its own transaction: what earlier rows created is re-checked against storage.
        results.set(row.index, await runtime.run(ref, (scope) => attempt(scope, row, new Map())));
      } catch (error) {
        // A storage fault is not the row's fault, and after a lost COMMIT the row may even
        // have been written: stop, and say which rows were committed before it.
        if (isOrgKitError(error) && (error.code === "STORAGE_FAILURE" || error.code === "STORAGE_TIMEOUT")) {
          throw stoppedByStorage(error, row, [...results.values()].filter((r) => r.status !== "failed"));
        }
        fail(row, error);
      }
    }
    return summarize(false);
  };
}

/**
 * A per-row import stopped by a storage fault at `row`: the fault's code and details,
 * plus the row it stopped at and the rows committed before it (`details.committed`).
 * The stopped row itself is committed only if `details.commitUnknown` is true and the
 * commit in fact went through; re-running the import (it is idempotent) settles it.
 */
function stoppedByStorage(error: OrgKitError, row: PreparedRow, committed: readonly ImportRowResult[]): OrgKitError {
  const message = `Import stopped at row ${row.index} (${row.externalId}) by a storage fault: ${error.message}`;
  const stop = { row: row.index, externalId: row.externalId, committed };
  if (isOrgKitError(error, "STORAGE_FAILURE")) return new OrgKitError(error.code, message, { details: { ...error.details, ...stop }, cause: error });
  if (isOrgKitError(error, "STORAGE_TIMEOUT")) return new OrgKitError(error.code, message, { details: { ...error.details, ...stop }, cause: error });
  return error;
}

/** All-or-nothing failure: the first failing row's code (VALIDATION_FAILED, FORBIDDEN, HIERARCHY_CYCLE…), with every row in `details.result`. */
function failBatch(summary: ImportResult): never {
  const issues = summary.rows.flatMap((r) => r.error?.issues ?? []);
  const first = summary.rows.find((r) => r.error !== null)!;
  // Typed details: the first row's error stands for the batch (as in src/service/import.ts).
  const standIn = new OrgKitError("VALIDATION_FAILED", first.error!.message, { details: { issues: first.error!.issues } });
  const failure = importFailure(standIn, `Import failed: ${summary.failed} of ${summary.rows.length} rows failed (first: row ${first.row}, ${first.error!.message}); nothing was written`, issues, summary);
  throw Object.assign(failure, { code: first.error!.code as OrgKitErrorCode });
}
