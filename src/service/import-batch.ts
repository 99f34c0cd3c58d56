/**
 * The set-wise core of `kit.organizations.import`: one batch of rows applied inside one
 * transaction, with the guarantees of the row-by-row use case and the costs of a bulk
 * load.
 *
 * 1. **Load in sets**: the organizations the rows and their parents name by external id
 *    (one query per chunk), the active organizations holding the rows' names, and —
 *    only when a depth limit or a move makes it matter — the stored ancestry involved.
 * 2. **Ask the evaluator once per distinct request**: every organization the rows are
 *    about is added to the actor's compiled slice in one step (`allowsEach`); requests
 *    whose answer cannot differ between rows (`add`, platform administration) are asked
 *    once per batch.
 * 3. **Decide in memory, in order**: each row is checked exactly as the row-by-row use case
 *    checked it (same requests, same rules, same errors) against the state the rows before
 *    it left — names, tree and versions are tracked in memory — so parents may come in any
 *    order and a loop through stored data is still refused.
 * 4. **Write in sets**: new organizations in multi-row inserts, in the rows' order (each
 *    statement prepared while the database runs the one before), the events recorded for
 *    the runtime to append as one batch. The writes run under a savepoint; when a
 *    database-level failure (a name taken by a concurrent writer) hits them, the failing
 *    row is found by writing the rows one by one, and reported — all or nothing, the batch
 *    fails on it; per row, the rows after it are decided again against what was really
 *    written.
 *
 * (Deciding the rows in waves whose writes go out while the next wave is decided was tried:
 * on the 2-core benchmark machine it was slower — 16.3 against 14.5 s for 100,000 rows,
 * alternating — since the database and the deciding then compete for the same cores.)
 *
 * @module
 */
import { isOrgKitError, OrgKitError, publicRenderingOf, type OrgKitErrorOf, type ValidationIssue } from "../errors.js";
import {
  renameOrganization,
  setOrganizationParent,
  updateOrganization,
  type CommandResult,
} from "../domain/organization/commands.js";
import type { OrganizationEvent } from "../domain/organization/events.js";
import { newOrganization, type ParsedCreateOrganizationInput } from "../domain/organization/new-organization.js";
import { idSchema, type CreateOrganizationInput, type Organization } from "../domain/organization/schema.js";
import { parseInput } from "../domain/validation.js";
import type { AccessRequest } from "./authorization.js";
import { BatchHierarchy, type PlacementParent } from "./batch-hierarchy.js";
import type { ImportRowResult } from "./import.js";
import { followMergesOfMany } from "./follow-merges.js";
import { activeOrganizationsNamed, insertOrganizations, organizationsByExternalId } from "./organization-sets.js";
import { assertPlatformFieldsAllowed, nameTaken, type PlatformFieldLookups } from "./organizations.js";
import type { CommandScope } from "./runtime.js";

/** One validated import row, ready to apply. `index` is its position in the caller's list. */
export interface PreparedRow {
  readonly index: number;
  readonly externalId: string;
  readonly parentExternalId: string | null | undefined;
  /** The row's fields as given (an existing organization's patch is built from them). */
  readonly fields: CreateOrganizationInput;
  /** The same fields parsed by `createOrganizationInputSchema` (a new organization is built from them, without parsing again). */
  readonly parsed: ParsedCreateOrganizationInput;
}

/** Counts processed rows for `onProgress`. */
export interface ProgressCounter {
  /** `rows` more were processed (a negative count takes back rows that are processed again after a rollback). */
  add(rows: number): void;
}

/** How a batch is applied. */
export interface BatchOptions {
  /**
   * `"per-row"`: a row that fails — also at the database, when it is written — fails alone
   * (its children in the batch fail with `parent_failed`). `"all-or-nothing"`: the batch
   * stops at the first failing row (in the rows' order) and nothing is written; the caller
   * rolls back.
   */
  readonly mode: "all-or-nothing" | "per-row";
  /** External ids of rows that failed in an earlier batch of the same import: their children fail with `parent_failed`. */
  readonly failedBefore: ReadonlySet<string>;
  readonly progress: ProgressCounter;
  /** New organizations per multi-row insert (at most `INSERT_CHUNK`); smaller chunks report progress more often. */
  readonly insertChunk: number;
}

/**
 * The `error` of a failed row: the error's code, its public message (the rows go back to
 * the actor: nothing it may not see) and issues, with paths under `rows.<index>`.
 * Rethrows what is not an `OrgKitError` (a bug).
 */
export function rowError(index: number, error: unknown): ImportRowResult["error"] {
  if (!isOrgKitError(error)) throw error;
  const { message } = publicRenderingOf(error);
  const issues: readonly ValidationIssue[] = error.details.issues ?? [{ path: "", message, code: error.code }];
  const result = { code: error.code, message, issues: issues.map((i) => ({ ...i, path: ["rows", index, i.path].filter((p) => p !== "").join(".") })) };
  rowErrors.set(result, error);
  return result;
}

/** The error behind each row's `error` (an all-or-nothing import fails with the first one's code and details). */
const rowErrors = new WeakMap<object, OrgKitError>();

/** The error a failed row's `error` was made from, if {@link rowError} made it. */
export function errorOfRow(rowResult: NonNullable<ImportRowResult["error"]>): OrgKitError | undefined {
  return rowErrors.get(rowResult);
}

/** A storage fault: not the row's fault, so it is never reported as a failed row (the import stops). */
export function isStorageFault(error: unknown): error is OrgKitErrorOf<"STORAGE_FAILURE" | "STORAGE_TIMEOUT"> {
  return isOrgKitError(error) && (error.code === "STORAGE_FAILURE" || error.code === "STORAGE_TIMEOUT");
}

const COMPARED: readonly (keyof Organization)[] = [
  "name", "type", "description", "summary", "industry", "address", "contact", "tags", "parentId", "states", "usergroupIds", "allowedRoles", "allowedApps", "customFields",
];

function sameContent(a: Organization, b: Organization): boolean {
  return COMPARED.every((key) => JSON.stringify(a[key]) === JSON.stringify(b[key]));
}

function parentNotFound(parentExternalId: string): OrgKitError {
  return new OrgKitError("PARENT_NOT_FOUND", `No organization with external id '${parentExternalId}' in the batch or in storage`, {
    details: { issues: [{ path: "parentExternalId", message: "no such organization", code: "parent_not_found" }], parentExternalId },
  });
}

function parentFailed(parentExternalId: string): OrgKitError {
  return new OrgKitError("PARENT_NOT_FOUND", `Parent '${parentExternalId}' failed to import`, {
    details: { issues: [{ path: "parentExternalId", message: "the parent row failed", code: "parent_failed" }] },
  });
}

function sameOrganization(earlierRow: number, organizationId: string): OrgKitError {
  return new OrgKitError("VALIDATION_FAILED", `Names organization ${organizationId}, as row ${earlierRow} does (one external id belongs to an organization merged into the other's)`, {
    details: { issues: [{ path: "externalId", message: `names the same organization as row ${earlierRow} (after a merge)`, code: "duplicate" }], organizationId },
  });
}

const ADD: AccessRequest = { check: "canAddOrganization" };
const ADD_ACTION = "create organizations";

/** A parent external id that names nothing (`PARENT_NOT_FOUND`), or a row of the batch that cannot be created (it fails first). */
const MISSING = Symbol("missing parent");
const FAILING = Symbol("failing parent");

/** What the first pass worked out for a row, before anything is checked. */
interface Candidate {
  readonly row: PreparedRow;
  /** The row's parent: `undefined` keeps it, `null` makes a root. */
  readonly parentId: string | null | undefined | typeof MISSING | typeof FAILING;
  /** The organization stored under the row's external id, if any. */
  readonly existing: Organization | null;
  /** The new organization, or the existing one as the row would leave it; `null` when it was not built. */
  readonly target: Organization | null;
  /** The error building `target` raised (bad fields for the command), thrown where the use case would meet it. */
  readonly buildError: unknown;
  readonly events: readonly OrganizationEvent[];
  /** The permission requests about this row's organizations (answered together, see `allowsEach`). */
  readonly readExisting: AccessRequest | null;
  readonly editExisting: AccessRequest | null;
  readonly readTarget: AccessRequest | null;
  readonly editTarget: AccessRequest | null;
}

type Write =
  | { readonly kind: "insert"; readonly row: PreparedRow; readonly organization: Organization; readonly events: readonly OrganizationEvent[] }
  | { readonly kind: "update"; readonly row: PreparedRow; readonly organization: Organization; readonly expectedVersion: number; readonly events: readonly OrganizationEvent[] };

/**
 * The active names as the batch leaves them: the stored holders of the names the batch
 * uses, plus what its rows claim and give up, in order (the unique-name rule of
 * `assertNameFree`, without a query per row).
 */
class BatchNames {
  private readonly holders = new Map<string, Map<string, string>>();

  constructor(private readonly unique: boolean, stored: readonly Organization[]) {
    for (const organization of stored) this.claim(organization);
  }

  /** `CONFLICT` when an active organization other than `selfId` holds `name` (the one with the lowest id, as `findActiveByName` answers). */
  assertFree(name: string, selfId: string | null): void {
    if (!this.unique) return;
    const holders = this.holders.get(name.toLowerCase());
    if (holders === undefined || holders.size === 0) return;
    let first: string | undefined;
    for (const id of holders.keys()) if (first === undefined || id < first) first = id;
    if (first !== selfId) throw nameTaken({ id: first!, name: holders.get(first!)! });
  }

  claim(organization: Organization): void {
    if (organization.status !== "active") return;
    const key = organization.name.toLowerCase();
    let holders = this.holders.get(key);
    if (holders === undefined) this.holders.set(key, (holders = new Map()));
    holders.set(organization.id, organization.name);
  }

  release(organization: Organization): void {
    this.holders.get(organization.name.toLowerCase())?.delete(organization.id);
  }
}

/**
 * Applies `rows` (parents before children, as `parentsFirst` orders them) in the scope's
 * transaction and returns one result per row. Throws only what is not a row's fault: a
 * storage fault, or a bug.
 */
export async function applyBatch(scope: CommandScope, rows: readonly PreparedRow[], options: BatchOptions): Promise<ImportRowResult[]> {
  const { session, auth, config } = scope;
  const context = { now: scope.now, config: config.organization };

  // 1. Load: every organization the rows name, as row or as parent.
  const keys: string[] = [];
  for (const row of rows) {
    keys.push(row.externalId);
    if (typeof row.parentExternalId === "string") keys.push(row.parentExternalId);
  }
  // An external id of an organization merged into another leads to its survivor (the end of
  // the chain): the row updates the survivor, and a child named under it lands there.
  const stored = await followMergesOfMany(session, await organizationsByExternalId(session, keys));
  const storedById = new Map<string, Organization>();
  for (const organization of stored.values()) storedById.set(organization.id, organization);

  // 2. First pass: resolve parents, build each row's organization with the pure commands,
  //    and collect the permission requests about them. Ids are drawn in row order, where
  //    the row-by-row use case drew them (after `add`).
  const mayAdd = auth.allows(ADD);
  // Rows were parsed by the same schema up front: built without parsing them again (ids, the host's, are checked).
  const at = scope.now.toISOString();
  const create = (data: ParsedCreateOrganizationInput, id: string): CommandResult =>
    newOrganization(data, { id: parseInput(idSchema, id, "organization id", ["id"]), at, config: config.organization });
  const planned = new Map<string, string | null>();
  const candidates: Candidate[] = [];
  const requests: AccessRequest[] = [];
  const ask = (request: AccessRequest): AccessRequest => {
    requests.push(request);
    return request;
  };
  // A stored parent is read as it stands when its child is decided: stored, or as its own row left it.
  const parentReads = new Map<string, AccessRequest>();
  const readAs = (organization: Organization): void => {
    const key = `${organization.id}\u0000${organization.version}`;
    if (!parentReads.has(key)) parentReads.set(key, ask({ check: "canOnOrganization", action: "read", organization }));
  };
  const targets = new Map<string, Organization>();
  /** The row that updates each existing organization. */
  const rowOf = new Map<string, number>();
  for (const row of rows) {
    let parentId: Candidate["parentId"] = row.parentExternalId === null ? null : undefined;
    if (typeof row.parentExternalId === "string") {
      // The rows before this one first (their ids are drawn already), then storage.
      parentId = planned.has(row.parentExternalId) ? (planned.get(row.parentExternalId) ?? FAILING) : (stored.get(row.parentExternalId)?.id ?? MISSING);
      const parent = typeof parentId === "string" ? storedById.get(parentId) : undefined;
      if (parent !== undefined) {
        readAs(parent);
        const changed = targets.get(parent.id);
        if (changed !== undefined) readAs(changed);
      }
    }
    const existing = stored.get(row.externalId) ?? null;
    const resolved = typeof parentId !== "symbol";
    let target: Organization | null = null;
    let buildError: unknown = null;
    let events: readonly OrganizationEvent[] = [];
    if (existing === null) {
      if (mayAdd && resolved) {
        const id = scope.ids("organization");
        try {
          const created = create({ ...row.parsed, externalId: row.externalId, parentId: (parentId as string | null | undefined) ?? null }, id);
          target = created.organization;
          events = created.events;
        } catch (error) {
          buildError = error;
        }
      }
      planned.set(row.externalId, target?.id ?? null);
      candidates.push({ row, parentId, existing, target, buildError, events, readExisting: null, editExisting: null, readTarget: target === null ? null : ask({ check: "canOnOrganization", action: "read", organization: target }), editTarget: null });
      continue;
    }
    planned.set(row.externalId, existing.id);
    const readExisting = ask({ check: "canOnOrganization", action: "read", organization: existing });
    const editExisting = ask({ check: "canOnOrganization", action: "edit", organization: existing });
    let editTarget: AccessRequest | null = null;
    // Two rows may name one organization only through a merge (a duplicate's external id and its survivor's): the later row fails.
    const earlier = rowOf.get(existing.id);
    if (earlier !== undefined) buildError = sameOrganization(earlier, existing.id);
    else rowOf.set(existing.id, row.index);
    if (resolved && buildError === null) {
      // The target state by the pure commands, as the use case builds it; written once if anything differs.
      const { name, ...patch } = row.fields;
      const steps: CommandResult[] = [];
      let current = existing;
      try {
        const step = (result: CommandResult) => {
          steps.push(result);
          current = result.organization;
        };
        step(updateOrganization(current, patch as Parameters<typeof updateOrganization>[1], context));
        if (name.trim() !== current.name) step(renameOrganization(current, name, context));
        if (parentId !== undefined && parentId !== current.parentId) step(setOrganizationParent(current, parentId as string | null, context));
        target = current;
        events = steps.flatMap((s) => s.events);
        if (!sameContent(existing, target)) {
          targets.set(existing.id, { ...target, version: existing.version + 1 });
          editTarget = ask({ check: "canOnOrganization", action: "edit", organization: target });
        }
      } catch (error) {
        buildError = error;
      }
    }
    candidates.push({ row, parentId, existing, target, buildError, events, readExisting, editExisting, readTarget: null, editTarget });
  }
  const answers = new Map<AccessRequest, boolean>();
  auth.allowsEach(requests).forEach((allowed, i) => answers.set(requests[i]!, allowed));

  // Only a refusal asks again: `require` builds the evaluator's explanation.
  const need = (request: AccessRequest | null, action: string): void => {
    if (request !== null && answers.get(request) === true) return;
    if (request !== null) auth.require(request, action);
  };
  // Requests about no organization answer the same for every row: asked once per batch.
  const asked = new Map<string, unknown>();
  const requireOnce: NonNullable<PlatformFieldLookups["require"]> = (request, action) => {
    const key = `${request.check}\u0000${action}`;
    if (!asked.has(key)) {
      try {
        auth.require(request, action);
        asked.set(key, null);
      } catch (error) {
        asked.set(key, error);
      }
    }
    const refusal = asked.get(key);
    if (refusal !== null) throw refusal;
  };
  const usergroups = new Map<string, Promise<boolean>>();
  const lookups: PlatformFieldLookups = {
    require: requireOnce,
    usergroupExists: (id) => {
      let known = usergroups.get(id);
      if (known === undefined) usergroups.set(id, (known = session.usergroups.get(id).then((group) => group !== null)));
      return known;
    },
  };

  // What the checks read: the holders of every name the batch uses, and the tree it changes.
  const names = new BatchNames(
    config.uniqueNames,
    config.uniqueNames ? await activeOrganizationsNamed(session, candidates.flatMap((c) => (c.target !== null ? [c.target.name] : []))) : [],
  );
  const placedStored: string[] = [];
  const moved: string[] = [];
  let moves = false;
  for (const c of candidates) {
    if (typeof c.parentId === "string" && storedById.has(c.parentId)) placedStored.push(c.parentId);
    if (c.existing !== null && c.target !== null && c.target.parentId !== c.existing.parentId) {
      moved.push(c.existing.id);
      if (c.target.parentId !== null) moves = true;
    }
  }
  const hierarchy = await BatchHierarchy.load(session, {
    maxDepth: config.maxDepth,
    storedIds: [...placedStored, ...moved],
    movedIds: moved,
    moves,
    statusOf: (id) => storedById.get(id)?.status,
  });

  // 3. Second pass: decide each row in order, as the use case would against the state the rows before it left.
  const results = new Map<number, ImportRowResult>();
  const failedNow = new Set<string>();
  const createdNow = new Set<string>();
  const currentById = new Map<string, Organization>();
  const writes: Write[] = [];
  const parentAsSeen = (parentId: string): PlacementParent => {
    if (createdNow.has(parentId)) return { id: parentId, status: "active" };
    const parent = currentById.get(parentId) ?? storedById.get(parentId);
    if (parent === undefined) return null;
    // Nobody nests under an organization it may not read: such a parent is reported as missing.
    const readable = answers.get(parentReads.get(`${parent.id}\u0000${parent.version}`)!) ?? auth.allows({ check: "canOnOrganization", action: "read", organization: parent });
    return readable ? { id: parent.id, status: parent.status } : null;
  };
  const fail = (row: PreparedRow, error: unknown) => {
    failedNow.add(row.externalId);
    results.set(row.index, { row: row.index, externalId: row.externalId, status: "failed", id: null, error: rowError(row.index, error) });
  };

  for (const c of candidates) {
    const { row } = c;
    try {
      const parentExternalId = row.parentExternalId;
      if (typeof parentExternalId === "string" && (options.failedBefore.has(parentExternalId) || failedNow.has(parentExternalId))) throw parentFailed(parentExternalId);
      if (c.parentId === MISSING || c.parentId === FAILING) throw parentNotFound(parentExternalId as string);
      const existing = c.existing;
      if (existing === null) {
        requireOnce(ADD, ADD_ACTION);
        if (c.buildError !== null) throw c.buildError;
        const organization = c.target!;
        need(c.readTarget, `create organizations in states [${organization.states.join(", ")}]`);
        await assertPlatformFieldsAllowed(scope, null, organization, lookups);
        const parentId = organization.parentId;
        if (parentId !== null) {
          // A parent this batch created is readable (the actor could create it), active, and
          // cannot sit below its new child: only the depth can refuse.
          if (!createdNow.has(parentId) || hierarchy.tooDeepUnderNew(parentId)) hierarchy.check(organization.id, parentId, parentAsSeen(parentId), true);
        }
        names.assertFree(organization.name, null);
        createdNow.add(organization.id);
        hierarchy.add(organization.id, parentId);
        names.claim(organization);
        writes.push({ kind: "insert", row, organization, events: c.events });
        results.set(row.index, { row: row.index, externalId: row.externalId, status: "created", id: organization.id, error: null });
        continue;
      }
      // An actor who could create the row learns only that the external id is taken (as any unique key tells).
      if (answers.get(c.readExisting!) !== true) {
        requireOnce(ADD, ADD_ACTION);
        need(c.readExisting, `import external id ${row.externalId} (taken by an organization it may not read)`);
      }
      need(c.editExisting, `edit organization ${existing.id}`);
      if (c.buildError !== null) throw c.buildError;
      const target = c.target!;
      if (sameContent(existing, target)) {
        results.set(row.index, { row: row.index, externalId: row.externalId, status: "unchanged", id: existing.id, error: null });
        continue;
      }
      need(c.editTarget, `edit organization ${existing.id}`);
      await assertPlatformFieldsAllowed(scope, existing, target, lookups);
      if (target.name !== existing.name && existing.status === "active") names.assertFree(target.name, existing.id);
      const parentId = c.parentId;
      if (typeof parentId === "string" && parentId !== existing.parentId) hierarchy.check(existing.id, parentId, parentAsSeen(parentId), false);
      // One stored version per row: the steps' version bumps collapse into one.
      const final: Organization = { ...target, version: existing.version + 1 };
      currentById.set(existing.id, final);
      names.release(existing);
      names.claim(final);
      if (final.parentId !== existing.parentId) hierarchy.move(existing.id, final.parentId);
      writes.push({ kind: "update", row, organization: final, expectedVersion: existing.version, events: c.events.map((e) => ({ ...e, version: final.version })) });
      results.set(row.index, { row: row.index, externalId: row.externalId, status: "updated", id: existing.id, error: null });
    } catch (error) {
      if (isStorageFault(error)) throw error;
      fail(row, error);
      // All or nothing stops at the first failing row, as the row-by-row use case did: the
      // report holds the rows up to it, and its code is the batch's.
      if (options.mode === "all-or-nothing") break;
    }
  }
  options.progress.add(rows.length - writes.length);

  // 4. Write. All or nothing: only when every row passed (the caller rolls back otherwise).
  if (writes.length === 0 || (options.mode === "all-or-nothing" && failedNow.size > 0)) return [...results.values()];
  const culprit = await writeIsolated(scope, writes, options);
  if (culprit === null) return [...results.values()];

  // A row failed at the database. It is reported; per row, the rows after it are decided
  // again against what was really written (they may have counted on it).
  const { index, error } = culprit;
  fail(writes[index]!.row, error);
  options.progress.add(1);
  if (options.mode === "all-or-nothing") {
    // As if the rows had been written one by one: the report ends at the failing row.
    const position = new Map(rows.map((row, i) => [row.index, i]));
    const last = position.get(writes[index]!.row.index)!;
    return [...results.values()].filter((result) => position.get(result.row)! <= last);
  }
  const rest = writes.slice(index + 1).map((w) => w.row);
  for (const row of rest) results.delete(row.index);
  const again = await applyBatch(scope, rest, { ...options, failedBefore: new Set([...options.failedBefore, ...failedNow]) });
  for (const result of again) results.set(result.row, result);
  return [...results.values()];
}

/**
 * Writes in order: runs of new organizations as multi-row inserts, updates one by one;
 * each row's events once it is written. `cursor.at` is the first write of the step that
 * failed, if one did.
 *
 * Statements are pipelined: the next one is prepared (copied, serialized) while the
 * database runs the one before — a session runs its statements one at a time, in the
 * order they were started, so the writes still happen in order. At most
 * {@link PIPELINE_DEPTH} are in flight; every one has settled when this returns or throws.
 */
async function writeAll(scope: CommandScope, writes: readonly Write[], chunk: number, progress: ProgressCounter, cursor = { at: 0 }): Promise<void> {
  // Settled oldest first, so events are recorded in the rows' order whatever order the promises settle in.
  const inFlight: { readonly written: Promise<void>; readonly start: number; readonly step: readonly Write[] }[] = [];
  let failure: { error: unknown } | null = null;
  const settleOldest = async () => {
    const { written, start, step } = inFlight.shift()!;
    try {
      await written;
      if (failure !== null) return;
      for (const w of step) scope.recordDomain(w.events);
      // A throwing `onProgress` lands below too: the batch stops with it (it is no OrgKitError, so it is rethrown).
      progress.add(step.length);
    } catch (error) {
      // Statements fail in order; on PostgreSQL the ones after a failure fail too (the transaction is aborted).
      if (failure === null) {
        failure = { error };
        cursor.at = start;
      }
    }
  };
  // Without a set-wise insert every row is a statement of its own (and a failure is pinned on it).
  const rowsPerInsert = scope.session.organizations.insertMany ? chunk : 1;
  let i = 0;
  while (i < writes.length && failure === null) {
    const start = i;
    const first = writes[i]!;
    let end = i + 1;
    if (first.kind === "insert") while (end < writes.length && end - i < rowsPerInsert && writes[end]!.kind === "insert") end++;
    const step = writes.slice(start, end);
    const written =
      first.kind === "update" ? scope.session.organizations.update(first.organization, first.expectedVersion) : insertOrganizations(scope.session, step.map((w) => w.organization));
    // Handled when settled (below); until then a rejection must not count as unhandled.
    written.catch(() => undefined);
    inFlight.push({ written, start, step });
    i = end;
    if (inFlight.length >= PIPELINE_DEPTH) await settleOldest();
  }
  while (inFlight.length > 0) await settleOldest();
  if (failure !== null) throw (failure as { error: unknown }).error;
}

/** Write statements a batch keeps in flight at once (see `writeAll`). */
const PIPELINE_DEPTH = 2;

/**
 * Writes the batch so that a database-level failure of one row is pinned on that row: the
 * whole set under a savepoint, and after a failure each row under its own until one fails
 * alone (it is returned; what was written before it stays). Without savepoints, rows are
 * written one by one. Storage faults are rethrown.
 */
async function writeIsolated(scope: CommandScope, writes: readonly Write[], options: BatchOptions): Promise<{ index: number; error: unknown } | null> {
  const savepoint = scope.savepoint;
  if (savepoint === null && options.mode === "all-or-nothing") {
    // Nothing to isolate (the caller rolls everything back): the failure is pinned on the first row of the failing statement.
    const cursor = { at: 0 };
    try {
      await writeAll(scope, writes, options.insertChunk, options.progress, cursor);
      return null;
    } catch (error) {
      if (isStorageFault(error) || !isOrgKitError(error)) throw error;
      return { index: cursor.at, error };
    }
  }
  if (savepoint !== null) {
    let counted = 0;
    const counting: ProgressCounter = {
      add: (n) => {
        counted += n;
        options.progress.add(n);
      },
    };
    try {
      await savepoint(() => writeAll(scope, writes, options.insertChunk, counting));
      return null;
    } catch (error) {
      if (isStorageFault(error) || !isOrgKitError(error)) throw error;
      // Those rows are written again below (the reporter never reports a lower count).
      options.progress.add(-counted);
    }
  }
  const attempt = savepoint ?? ((fn: () => Promise<void>) => fn());
  for (let index = 0; index < writes.length; index++) {
    try {
      await attempt(() => writeAll(scope, [writes[index]!], 1, options.progress));
    } catch (error) {
      if (isStorageFault(error) || !isOrgKitError(error)) throw error;
      return { index, error };
    }
  }
  return null;
}
