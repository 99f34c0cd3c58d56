import { OrgKitError, validationError } from "../../errors.js";
import { describeValue, invalidArgument, readFields } from "../argument-guards.js";
import { readPlainInput } from "../plain-input.js";
import type { HierarchyStatus } from "./types.js";

/**
 * What {@link assertCanSetParent} needs to decide a move, all of it loadable with a
 * few small queries (no whole tree): the parent row, the parent's ancestor chain, and
 * the height of the subtree being moved.
 */
export interface SetParentCheckInput {
  /** The organization being moved (its whole subtree moves with it). */
  readonly childId: string;
  /** The proposed parent as loaded from storage, or `null` when no such organization exists. */
  readonly parent: {
    /** The parent's id; must equal `parentId`. */
    readonly id: string;
    /** The parent's status: a `discontinued` parent takes no new children. */
    readonly status: HierarchyStatus;
  } | null;
  /** The proposed parent's id (as requested; used for the message when `parent` is `null`). */
  readonly parentId: string;
  /** The proposed parent's ancestors, nearest first (its parent, grandparent, …, root). Empty when the parent is a root. */
  readonly parentAncestorIds: readonly string[];
  /** How many levels hang below the child: 0 for a leaf, 1 when it has children but no grandchildren, … */
  readonly childSubtreeHeight: number;
  /** The configured maximum depth (a root has depth 0); unlimited when absent. */
  readonly maxDepth?: number | undefined;
}

/**
 * Decides whether `childId` may be placed under `parentId`, and throws the refusal if
 * not. This is the one place the hierarchy rules live: the in-memory
 * `HierarchyIndex.setParent` calls it, and a storage-backed service (which cannot
 * hold a whole index) calls it with rows it loaded. Checks run in this order and the
 * first failure is thrown:
 *
 * 1. `PARENT_NOT_FOUND` — `parent` is `null`. `details: { childId, parentId }`.
 * 2. `HIERARCHY_CYCLE` — the parent is the child itself, or one of its descendants
 *    (the child appears in `parentAncestorIds`). `details.path` is the loop the move
 *    would close, each organization the parent of the next, starting and ending with
 *    the child: moving East Region under Boston Office gives
 *    `["east", "boston", "east"]`; moving Acme under itself gives `["acme", "acme"]`.
 * 3. `ORGANIZATION_DISCONTINUED` — the parent is discontinued and accepts no new
 *    children. `details: { id, childId, parentId }` (`id` is the discontinued parent).
 * 4. `MAX_DEPTH_EXCEEDED` — with `maxDepth` set, the deepest organization of the moved
 *    subtree would end up deeper than `maxDepth`. The child's new depth is
 *    `parentAncestorIds.length + 1`; its deepest descendant's is that plus
 *    `childSubtreeHeight`. `details: { childId, parentId, maxDepth, depth, childDepth, childSubtreeHeight }`.
 *
 * Malformed input (a negative height, a `parent.id` that is not `parentId`, a bad
 * `maxDepth`, an id that is not a string, a `parent.status` that is neither `"active"`
 * nor `"discontinued"`, input that is not an object or cannot be read) throws
 * `VALIDATION_FAILED` with the path of the bad field. The function is pure and never
 * mutates anything, so a refusal leaves every caller's state as it was.
 *
 * Concurrency note for storage-backed callers: the inputs must be read in the same
 * transaction that writes the move (and that transaction must serialize against other
 * moves), or two concurrent moves can each pass and together close a loop.
 *
 * @example
 * ```ts
 * // Move "boston" under "west": load the parent and its ancestors, then check.
 * assertCanSetParent({
 *   childId: "boston",
 *   parent: { id: "west", status: "active" },
 *   parentId: "west",
 *   parentAncestorIds: ["acme"],
 *   childSubtreeHeight: 0,
 *   maxDepth: 2,
 * }); // ok: boston would have depth 2
 *
 * assertCanSetParent({
 *   childId: "east",
 *   parent: { id: "boston", status: "active" },
 *   parentId: "boston",
 *   parentAncestorIds: ["east", "acme"],
 *   childSubtreeHeight: 1,
 * }); // throws HIERARCHY_CYCLE, details.path = ["east", "boston", "east"]
 * ```
 */
export function assertCanSetParent(input: SetParentCheckInput): void {
  checkSetParent(readSetParentCheckInput(input));
}

const WHAT = "set-parent check";
const INPUT_KEYS = ["childId", "parent", "parentId", "parentAncestorIds", "childSubtreeHeight", "maxDepth"] as const;
const PARENT_KEYS = ["id", "status"] as const;

function requireString(value: unknown, path: string): string {
  if (typeof value !== "string") throw invalidArgument(WHAT, path, `must be an organization id (a string), not ${describeValue(value)}`, "invalid_type");
  return value;
}

/** Reads the (untrusted) input of {@link assertCanSetParent} into a checked copy; `VALIDATION_FAILED` with the field's path otherwise. */
function readSetParentCheckInput(input: unknown): SetParentCheckInput {
  const fields = readFields(input, INPUT_KEYS, WHAT, "input", false);
  const childId = requireString(fields.childId, "childId");
  const parentId = requireString(fields.parentId, "parentId");
  let parent: SetParentCheckInput["parent"] = null;
  if (fields.parent !== null) {
    const row = readFields(fields.parent, PARENT_KEYS, WHAT, "parent", false);
    if (row.status !== "active" && row.status !== "discontinued") {
      throw invalidArgument(WHAT, "parent.status", `must be "active" or "discontinued", not ${describeValue(row.status)}`, "invalid_status");
    }
    parent = { id: requireString(row.id, "parent.id"), status: row.status };
  }
  // A copy: the loop check below reads the list more than once.
  const ancestors = readPlainInput<unknown>(fields.parentAncestorIds, WHAT, { path: ["parentAncestorIds"], checkText: false });
  if (!Array.isArray(ancestors) || !ancestors.every((id) => typeof id === "string")) {
    throw invalidArgument(WHAT, "parentAncestorIds", "must be an array of organization ids (strings)", "invalid_type");
  }
  return {
    childId,
    parent,
    parentId,
    parentAncestorIds: ancestors as string[],
    childSubtreeHeight: fields.childSubtreeHeight as number,
    maxDepth: fields.maxDepth as number | undefined,
  };
}

/**
 * {@link assertCanSetParent} on input already known to be well typed (the hierarchy
 * index's own facts): no reading of untrusted input.
 */
export function checkSetParent(input: SetParentCheckInput): void {
  const { childId, parent, parentId, parentAncestorIds, childSubtreeHeight, maxDepth } = input;
  assertValidMaxDepth(maxDepth);
  if (typeof childSubtreeHeight !== "number" || !Number.isInteger(childSubtreeHeight) || childSubtreeHeight < 0) {
    throw validationError("Invalid subtree height: must be a non-negative integer", [
      { path: "childSubtreeHeight", message: "must be a non-negative integer", code: "invalid_height" },
    ]);
  }
  if (parent === null) {
    throw new OrgKitError("PARENT_NOT_FOUND", `Cannot move ${childId} under ${parentId}: no organization ${parentId} exists`, {
      details: { childId, parentId },
    });
  }
  if (parent.id !== parentId) {
    throw validationError(`Parent row ${parent.id} does not match the requested parent ${parentId}`, [
      { path: "parent.id", message: `must equal parentId (${parentId})`, code: "parent_mismatch" },
    ]);
  }
  if (parentId === childId) {
    throw new OrgKitError("HIERARCHY_CYCLE", `Cannot move ${childId} under itself`, {
      details: { childId, parentId, path: [childId, childId] },
    });
  }
  const loopAt = parentAncestorIds.indexOf(childId);
  if (loopAt !== -1) {
    // The ancestors between the parent and the child, read top-down, are the chain the
    // child already heads; adding the edge parent → child closes it.
    const path = [childId];
    for (let i = loopAt - 1; i >= 0; i--) path.push(parentAncestorIds[i]!);
    path.push(parentId, childId);
    throw new OrgKitError("HIERARCHY_CYCLE", `Cannot move ${childId} under ${parentId}: ${parentId} is one of its descendants (${path.join(" → ")})`, {
      details: { childId, parentId, path },
    });
  }
  if (parent.status === "discontinued") {
    throw new OrgKitError("ORGANIZATION_DISCONTINUED", `Cannot move ${childId} under ${parentId}: ${parentId} is discontinued and accepts no new children`, {
      details: { id: parentId, childId, parentId },
    });
  }
  if (maxDepth !== undefined) {
    const childDepth = parentAncestorIds.length + 1;
    const depth = childDepth + childSubtreeHeight;
    if (depth > maxDepth) {
      throw new OrgKitError(
        "MAX_DEPTH_EXCEEDED",
        `Cannot move ${childId} under ${parentId}: its subtree would reach depth ${depth}, beyond the maximum ${maxDepth}`,
        { details: { childId, parentId, maxDepth, depth, childDepth, childSubtreeHeight } },
      );
    }
  }
}

/** Throws `VALIDATION_FAILED` unless `maxDepth` is absent or a non-negative integer. */
export function assertValidMaxDepth(maxDepth: unknown): asserts maxDepth is number | undefined {
  if (maxDepth !== undefined && (typeof maxDepth !== "number" || !Number.isInteger(maxDepth) || maxDepth < 0)) {
    throw validationError("Invalid maxDepth: must be a non-negative integer", [
      { path: "maxDepth", message: "must be a non-negative integer", code: "invalid_max_depth" },
    ]);
  }
}
