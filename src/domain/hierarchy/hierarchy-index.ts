import { OrgKitError, validationError } from "../../errors.js";
import { describeValue, invalidArgument, readFields, unreadable } from "../argument-guards.js";
import { assertValidMaxDepth, checkSetParent, type assertCanSetParent } from "./assert-can-set-parent.js";
import type { DescendantsOptions, DiscontinuedFilter, HierarchyEntry, HierarchyIndexOptions, HierarchyMove, HierarchyStatus } from "./types.js";

/**
 * An in-memory index of an organization forest. Build it with
 * {@link createHierarchyIndex}; it answers tree questions without touching storage and
 * applies moves (`setParent`, `detach`, `add`) under the rules of
 * {@link assertCanSetParent}.
 *
 * **Ids and handles.** Every method takes and returns organization ids (strings). Each
 * organization also has a *handle*, a dense integer (0, 1, 2, … in the order the
 * organizations were added) that stays the same for the life of the index; hot loops
 * resolve ids once with {@link HierarchyIndex.handleOf} and then call
 * {@link HierarchyIndex.isAncestorByHandle}. Unknown ids throw `NOT_FOUND`; an id that is
 * not a string at all (a number, an object) throws `VALIDATION_FAILED`, and so does any
 * other argument outside its type: no method throws a `TypeError`.
 *
 * **Order.** Children, roots and descendants are listed in handle order (the order the
 * organizations were given to the index), whatever moves happened since: an index
 * changed by moves lists exactly what a fresh build from its {@link HierarchyIndex.entries}
 * lists. Sort the input (by name, say) to get a sorted tree.
 *
 * **Costs** (n organizations, d the depth involved, s the size of a subtree), with the
 * numbering current:
 * - build: O(n) (id interning, linking, one depth-first numbering);
 * - `isAncestor`, `subtreeSize`, `depth`: O(1) from the depth-first enter/exit numbering;
 * - `parentOf`, `statusOf`, `has`, `handleOf`: O(1); `children`: O(number of children);
 * - `ancestors`, `pathFromRoot`, `lowestCommonAncestor`: O(d) parent-pointer walks;
 * - `descendants`: O(s) (a slice of the depth-first order); `roots`: O(number of roots);
 * - `setParent`: O(d) for the cycle check + O(number of the new parent's children) to
 *   keep the children in handle order (O(1) when the child has the highest handle, the
 *   usual case for new organizations) + O(s) for the subtree height when a `maxDepth`
 *   is configured; `detach`: O(1); `add`: like `setParent`; `setStatus`: O(1).
 *
 * **Incremental vs rebuilt.** Parent pointers, child lists and statuses update
 * incrementally, at the costs above. The depth-first enter/exit numbering cannot be
 * patched cheaply (moving a subtree shifts the numbers of everything between its old
 * and new place), so it is rebuilt lazily: a move only marks it stale. While it is
 * stale, `isAncestor`, `depth`, `subtreeSize` and `descendants` answer by walking
 * pointers instead (O(d), O(d), O(s), O(s)), and once the walking done since the move
 * adds up to about 2n visited organizations the index renumbers the whole forest, O(n)
 * (1–3 ms for 100,000 organizations), and is O(1) again. `roots` renumbers at once (it
 * is O(n) either way). So a batch of moves costs at most one renumbering, and
 * alternating single moves with a few queries never pays O(n) per move.
 *
 * The index is not safe to share between concurrent writers (it is a plain mutable
 * object); a refused operation leaves it exactly as it was.
 */
export interface HierarchyIndex {
  /** Number of organizations in the index. */
  readonly size: number;
  /** The configured maximum depth (root = 0), or `undefined` for unlimited. */
  readonly maxDepth: number | undefined;

  /** True when the index holds an organization with this id. */
  has(id: string): boolean;
  /** The dense handle of an organization (stable for the life of the index). Throws `NOT_FOUND`. */
  handleOf(id: string): number;
  /** The id behind a handle. Throws `NOT_FOUND` for a number that is not a handle of this index, `VALIDATION_FAILED` for a value that is not a number. */
  idOf(handle: number): string;
  /** The organization's status in the index. Throws `NOT_FOUND`. */
  statusOf(id: string): HierarchyStatus;

  /** The parent's id, or `null` for a root. Throws `NOT_FOUND`. */
  parentOf(id: string): string | null;
  /** The direct children's ids, in handle order. Throws `NOT_FOUND`. */
  children(id: string): string[];
  /** The ancestors' ids, nearest first (parent, grandparent, …, root); empty for a root. Throws `NOT_FOUND`. */
  ancestors(id: string): string[];
  /** The ids from the root down to and including `id` (`["acme", "east", "boston"]`). Throws `NOT_FOUND`. */
  pathFromRoot(id: string): string[];
  /** Number of edges from the root: a root has depth 0. Throws `NOT_FOUND`. */
  depth(id: string): number;
  /** The roots (standalone organizations and tops of trees), in handle order. */
  roots(): string[];
  /**
   * True when `ancestorId` is a *proper* ancestor of `descendantId` (parent,
   * grandparent, …); false for the organization itself. O(1). Throws `NOT_FOUND`.
   */
  isAncestor(ancestorId: string, descendantId: string): boolean;
  /**
   * {@link HierarchyIndex.isAncestor} on handles from {@link HierarchyIndex.handleOf}:
   * no id lookups, for hot loops. Returns false (never throws) for numbers that are not
   * handles of this index, and for values that are not numbers.
   */
  isAncestorByHandle(ancestor: number, descendant: number): boolean;
  /**
   * All organizations below `id` (not `id` itself), depth-first: each organization is
   * followed by its own subtree, siblings in handle order. `options.discontinued`
   * includes, skips or prunes discontinued ones (see {@link DiscontinuedFilter}).
   * Throws `NOT_FOUND`, or `VALIDATION_FAILED` for an unknown filter or options that are
   * not an object.
   */
  descendants(id: string, options?: DescendantsOptions): string[];
  /** The organization plus all its descendants, counted: 1 for a leaf. O(1). Throws `NOT_FOUND`. */
  subtreeSize(id: string): number;
  /**
   * The deepest organization that is an ancestor-or-self of both; `null` when they are
   * in different trees. `lowestCommonAncestor("boston", "la")` is `"acme"`;
   * `lowestCommonAncestor("east", "boston")` is `"east"`. Throws `NOT_FOUND`.
   */
  lowestCommonAncestor(a: string, b: string): string | null;
  /** The current content as entries, in handle order: `createHierarchyIndex(index.entries())` rebuilds an equal index. */
  entries(): HierarchyEntry[];

  /**
   * Places `childId` (with its whole subtree) under `parentId`; `null` detaches it.
   * Refuses with the errors of {@link assertCanSetParent} (`PARENT_NOT_FOUND`,
   * `HIERARCHY_CYCLE` with `details.path`, `ORGANIZATION_DISCONTINUED`,
   * `MAX_DEPTH_EXCEEDED`), or `NOT_FOUND` for an unknown child, and then changes
   * nothing. The rules apply even when the parent is unchanged (re-confirming a child
   * under a discontinued parent is refused); skip the call when nothing changes.
   * `VALIDATION_FAILED` when `parentId` is neither a string nor `null`.
   */
  setParent(childId: string, parentId: string | null): HierarchyMove;
  /** Makes `childId` a root (standalone), keeping its subtree. Never refused except `NOT_FOUND`. */
  detach(childId: string): HierarchyMove;
  /**
   * Adds a new organization (as a leaf, or a root when `parentId` is absent). Refuses a
   * duplicate id (`CONFLICT`, `details.reason: "duplicate_id"`) and a parent that
   * {@link assertCanSetParent} refuses; then changes nothing. Returns its handle.
   * `VALIDATION_FAILED` for an entry that is not an object (or cannot be read), an empty
   * or non-string id, a `parentId` that is not a string, `null` or absent, or an unknown status.
   */
  add(entry: HierarchyEntry): number;
  /** Records that an organization was discontinued or reactivated. Throws `NOT_FOUND`. */
  setStatus(id: string, status: HierarchyStatus): void;
}

const NONE = -1;
const ACTIVE = 0;
const DISCONTINUED = 1;
/**
 * How much walking (in visited organizations, summed over queries) stale-mode queries
 * may do before the index renumbers: one renumbering visits every organization once
 * but costs a few times more per organization than a parent-pointer step.
 */
const STALE_WORK_FACTOR = 2;

/**
 * `NOT_FOUND` for an id the index does not hold. Built only after a lookup missed, so the
 * hot paths pay nothing for the type check: a value that is not a string (which can
 * never be an id) is `VALIDATION_FAILED` instead, with a message that cannot throw.
 */
function notFound(id: unknown): OrgKitError {
  if (typeof id !== "string") return invalidArgument("organization id", "id", `must be a string, not ${describeValue(id)}`, "invalid_type");
  return new OrgKitError("NOT_FOUND", `No organization ${id} in the hierarchy`, { details: { entity: "organization", id } });
}

/** `position` is the entry's index in the build input, or -1 for a single-entry call. */
function statusCode(status: unknown, position: number): number {
  if (status === undefined || status === "active") return ACTIVE;
  if (status === "discontinued") return DISCONTINUED;
  // Paths are built only on failure: a template per entry would slow the build down.
  const path = position < 0 ? "status" : `entries.${position}.status`;
  throw validationError(`Invalid status at ${path}: must be "active" or "discontinued"`, [
    { path, message: 'must be "active" or "discontinued"', code: "invalid_status" },
  ]);
}

/** Checks the (possibly untyped) options of `descendants`; an absent filter means `"include"`. */
function discontinuedFilter(options: DescendantsOptions | undefined): DiscontinuedFilter {
  if (options === undefined) return "include";
  const value = readFields(options, DESCENDANTS_OPTION_KEYS, "descendants options", "options").discontinued;
  if (value === undefined) return "include";
  if (value === "include" || value === "skip" || value === "prune") return value;
  throw validationError(`Invalid discontinued filter ${describeValue(value)}`, [
    { path: "discontinued", message: 'must be "include", "skip" or "prune"', code: "invalid_filter" },
  ]);
}

const DESCENDANTS_OPTION_KEYS = ["discontinued"] as const;
const ENTRY_KEYS = ["id", "parentId", "status"] as const;
const INDEX_OPTION_KEYS = ["maxDepth"] as const;

/** `position` as for {@link statusCode}. */
function checkId(id: unknown, position: number): string {
  if (typeof id !== "string" || id.length === 0) {
    const path = position < 0 ? "id" : `entries.${position}.id`;
    throw validationError(`Invalid organization id at ${path}: must be a non-empty string`, [
      { path, message: "must be a non-empty string", code: "invalid_id" },
    ]);
  }
  return id;
}

/** Checks a parent id read from an entry: a string, or `null`/`undefined` for a root. `position` as for {@link statusCode}. */
function checkParentId(parentId: unknown, position: number): string | null {
  if (parentId === null || parentId === undefined) return null;
  if (typeof parentId === "string") return parentId;
  const path = position < 0 ? "parentId" : `entries.${position}.parentId`;
  throw validationError(`Invalid parent id at ${path}: must be an organization id (a string) or null`, [
    { path, message: `must be an organization id (a string) or null, not ${describeValue(parentId)}`, code: "invalid_type" },
  ]);
}

function duplicate(id: string): OrgKitError {
  return new OrgKitError("CONFLICT", `Organization ${id} appears twice in the hierarchy`, { details: { reason: "duplicate_id", id } });
}

function grow(array: Int32Array, capacity: number): Int32Array {
  const next = new Int32Array(capacity);
  next.set(array);
  return next;
}

/**
 * The implementation: struct-of-arrays over dense handles. Parent pointers and
 * doubly-linked child lists (kept in handle order) change incrementally; the
 * depth-first numbering (`enter`/`exit`/`order`/`depthOf`) is rebuilt lazily when stale.
 */
class ArrayHierarchyIndex implements HierarchyIndex {
  readonly maxDepth: number | undefined;
  private count = 0;
  private capacity: number;
  private readonly ids: string[] = [];
  private readonly handles = new Map<string, number>();
  private parent: Int32Array;
  private firstChild: Int32Array;
  private lastChild: Int32Array;
  private nextSibling: Int32Array;
  private prevSibling: Int32Array;
  private status: Uint8Array;
  // Depth-first numbering: `order[enter[h]] === h`, and h's subtree occupies
  // positions enter[h] .. exit[h]-1 of `order`.
  private enter: Int32Array;
  private exit: Int32Array;
  private order: Int32Array;
  private depthOf: Int32Array;
  private rootHandles: number[] = [];
  private stale = true;
  // Pointer-walking work done by queries answered while the numbering was stale; once it
  // exceeds STALE_WORK_FACTOR * count, renumbering is cheaper than walking on.
  private staleWork = 0;

  /** `entries` is untrusted: each entry is read once, and what cannot be read is `VALIDATION_FAILED` at its position. */
  constructor(entries: readonly unknown[], maxDepth: number | undefined) {
    this.maxDepth = maxDepth;
    const n = entries.length;
    this.capacity = Math.max(n, 16);
    this.parent = new Int32Array(this.capacity);
    this.firstChild = new Int32Array(this.capacity).fill(NONE);
    this.lastChild = new Int32Array(this.capacity).fill(NONE);
    this.nextSibling = new Int32Array(this.capacity).fill(NONE);
    this.prevSibling = new Int32Array(this.capacity).fill(NONE);
    this.status = new Uint8Array(this.capacity);
    this.enter = new Int32Array(this.capacity).fill(NONE);
    this.exit = new Int32Array(this.capacity);
    this.order = new Int32Array(this.capacity);
    this.depthOf = new Int32Array(this.capacity);

    const { ids, handles, parent, status } = this;
    // Each entry is read once, here; the parent ids wait in `parentIds` until every id is known.
    const parentIds = new Array<string | null>(n);
    let h = 0;
    try {
      for (; h < n; h++) {
        const entry = entries[h];
        if (typeof entry !== "object" || entry === null) throw invalidArgument("hierarchy entries", `entries.${h}`, `must be an entry object, not ${describeValue(entry)}`, "invalid_type");
        const id = checkId((entry as HierarchyEntry).id, h);
        const sizeBefore = handles.size;
        handles.set(id, h);
        // One map operation instead of has+set: a duplicate leaves the size unchanged.
        if (handles.size === sizeBefore) throw duplicate(id);
        ids.push(id);
        parentIds[h] = checkParentId((entry as HierarchyEntry).parentId, h);
        status[h] = statusCode((entry as HierarchyEntry).status, h);
      }
    } catch (error) {
      // A getter that threw, a revoked proxy: the entry at `h` could not be read.
      throw unreadable(error, "hierarchy entries", `entries.${h}`);
    }
    for (let h = 0; h < n; h++) {
      const parentId = parentIds[h]!;
      if (parentId === null) {
        parent[h] = NONE;
        continue;
      }
      const p = handles.get(parentId);
      if (p === undefined) {
        throw new OrgKitError("PARENT_NOT_FOUND", `Organization ${ids[h]!} names a parent ${parentId} that is not in the hierarchy`, {
          details: { childId: ids[h]!, parentId },
        });
      }
      parent[h] = p;
    }
    // Appending in ascending handle order leaves every child list in handle order.
    const { firstChild, lastChild, nextSibling, prevSibling } = this;
    for (let h = 0; h < n; h++) {
      const p = parent[h]!;
      if (p === NONE) continue;
      const last = lastChild[p]!;
      if (last === NONE) firstChild[p] = h;
      else nextSibling[last] = h;
      prevSibling[h] = last;
      lastChild[p] = h;
    }
    this.count = n;
    // Nodes on a cycle hang off no root, so the numbering never reaches them.
    if (this.renumber() < n) this.throwInputCycle();
  }

  get size(): number {
    return this.count;
  }

  has(id: string): boolean {
    return this.handles.has(id);
  }

  handleOf(id: string): number {
    const h = this.handles.get(id);
    if (h === undefined) throw notFound(id);
    return h;
  }

  idOf(handle: number): string {
    if (typeof handle !== "number") throw invalidArgument("handle", "handle", `must be a number, not ${describeValue(handle)}`, "invalid_type");
    if (!Number.isInteger(handle) || handle < 0 || handle >= this.count) {
      throw new OrgKitError("NOT_FOUND", `No organization with handle ${handle} in the hierarchy`, { details: { entity: "organization", handle } });
    }
    return this.ids[handle]!;
  }

  statusOf(id: string): HierarchyStatus {
    return this.status[this.handleOf(id)] === DISCONTINUED ? "discontinued" : "active";
  }

  parentOf(id: string): string | null {
    const p = this.parent[this.handleOf(id)]!;
    return p === NONE ? null : this.ids[p]!;
  }

  children(id: string): string[] {
    const out: string[] = [];
    for (let c = this.firstChild[this.handleOf(id)]!; c !== NONE; c = this.nextSibling[c]!) out.push(this.ids[c]!);
    return out;
  }

  ancestors(id: string): string[] {
    const out: string[] = [];
    const { parent, ids } = this;
    for (let a = parent[this.handleOf(id)]!; a !== NONE; a = parent[a]!) out.push(ids[a]!);
    return out;
  }

  pathFromRoot(id: string): string[] {
    const path = this.ancestors(id).reverse();
    path.push(id);
    return path;
  }

  depth(id: string): number {
    return this.depthOfHandle(this.handleOf(id));
  }

  roots(): string[] {
    if (this.stale) this.renumber();
    return this.rootHandles.map((h) => this.ids[h]!);
  }

  isAncestor(ancestorId: string, descendantId: string): boolean {
    const a = this.handles.get(ancestorId);
    const b = this.handles.get(descendantId);
    if (a === undefined) throw notFound(ancestorId);
    if (b === undefined) throw notFound(descendantId);
    return this.isAncestorByHandle(a, b);
  }

  isAncestorByHandle(ancestor: number, descendant: number): boolean {
    // Only numbers may index the arrays: an object key would be converted (and a revoked
    // proxy throws on conversion). Two typeof checks cost nothing measurable here.
    if (typeof ancestor !== "number" || typeof descendant !== "number") return false;
    if (this.stale) return this.isAncestorWhileStale(ancestor, descendant);
    // Proper ancestor: b's entry lies strictly inside a's [enter, exit) interval. For a
    // non-handle the typed-array reads give undefined, and every comparison is false.
    const b = this.enter[descendant]!;
    return this.enter[ancestor]! < b && b < this.exit[ancestor]!;
  }

  descendants(id: string, options?: DescendantsOptions): string[] {
    const h = this.handleOf(id);
    const mode = discontinuedFilter(options);
    const out: string[] = [];
    if (this.stale) {
      this.charge(this.walkSubtree(h, mode, out));
      return out;
    }
    const { order, ids, status, exit } = this;
    const start = this.enter[h]! + 1;
    const end = exit[h]!;
    switch (mode) {
      case "include":
        for (let pos = start; pos < end; pos++) out.push(ids[order[pos]!]!);
        return out;
      case "skip":
        for (let pos = start; pos < end; pos++) {
          const node = order[pos]!;
          if (status[node] !== DISCONTINUED) out.push(ids[node]!);
        }
        return out;
      case "prune":
        for (let pos = start; pos < end; ) {
          const node = order[pos]!;
          if (status[node] === DISCONTINUED) {
            pos = exit[node]!; // jump over its whole subtree
          } else {
            out.push(ids[node]!);
            pos++;
          }
        }
        return out;
      default: {
        const unreachable: never = mode;
        return unreachable;
      }
    }
  }

  subtreeSize(id: string): number {
    const h = this.handleOf(id);
    if (this.stale) {
      const below = this.walkSubtree(h, "include", null);
      this.charge(below);
      return below + 1;
    }
    return this.exit[h]! - this.enter[h]!;
  }

  lowestCommonAncestor(a: string, b: string): string | null {
    let x = this.handleOf(a);
    let y = this.handleOf(b);
    const { parent } = this;
    let dx = this.depthOfHandle(x);
    let dy = this.depthOfHandle(y);
    for (; dx > dy; dx--) x = parent[x]!;
    for (; dy > dx; dy--) y = parent[y]!;
    while (x !== y) {
      x = parent[x]!;
      y = parent[y]!;
      if (x === NONE) return null; // both reached their (different) roots' parents
    }
    return this.ids[x]!;
  }

  entries(): HierarchyEntry[] {
    const out: HierarchyEntry[] = [];
    const { ids, parent, status } = this;
    for (let h = 0; h < this.count; h++) {
      const p = parent[h]!;
      out.push({ id: ids[h]!, parentId: p === NONE ? null : ids[p]!, status: status[h] === DISCONTINUED ? "discontinued" : "active" });
    }
    return out;
  }

  setParent(childId: string, parentId: string | null): HierarchyMove {
    if (parentId === null) return this.detach(childId);
    if (typeof parentId !== "string") {
      throw invalidArgument("hierarchy move", "parentId", `must be an organization id (a string) or null, not ${describeValue(parentId)}`, "invalid_type");
    }
    const c = this.handleOf(childId);
    const p = this.handles.get(parentId);
    this.checkPlacement(childId, p, parentId, this.maxDepth === undefined ? 0 : this.subtreeHeight(c));
    const from = this.parent[c]!;
    const fromParentId = from === NONE ? null : this.ids[from]!;
    if (from === p) return { childId, fromParentId, toParentId: parentId, changed: false };
    if (from !== NONE) this.unlink(from, c);
    this.link(p!, c);
    return { childId, fromParentId, toParentId: parentId, changed: true };
  }

  detach(childId: string): HierarchyMove {
    const c = this.handleOf(childId);
    const from = this.parent[c]!;
    if (from === NONE) return { childId, fromParentId: null, toParentId: null, changed: false };
    this.unlink(from, c);
    this.parent[c] = NONE;
    this.stale = true;
    return { childId, fromParentId: this.ids[from]!, toParentId: null, changed: true };
  }

  add(entry: HierarchyEntry): number {
    const fields = readFields(entry, ENTRY_KEYS, "hierarchy entry", "entry", false);
    const id = checkId(fields.id, -1);
    if (this.handles.has(id)) throw duplicate(id);
    const code = statusCode(fields.status, -1);
    const parentId = checkParentId(fields.parentId, -1);
    const p = parentId === null ? undefined : this.handles.get(parentId);
    // A new organization has no descendants: height 0, and it cannot close a loop.
    if (parentId !== null) this.checkPlacement(id, p, parentId, 0);
    // Every check passed: only now touch the arrays.
    if (this.count === this.capacity) this.growTo(this.capacity * 2);
    const h = this.count++;
    this.ids.push(id);
    this.handles.set(id, h);
    this.status[h] = code;
    this.parent[h] = NONE;
    this.firstChild[h] = NONE;
    this.lastChild[h] = NONE;
    this.nextSibling[h] = NONE;
    this.prevSibling[h] = NONE;
    if (p !== undefined) this.link(p, h);
    this.stale = true;
    return h;
  }

  setStatus(id: string, status: HierarchyStatus): void {
    this.status[this.handleOf(id)] = statusCode(status, -1);
  }

  /** Gathers what {@link assertCanSetParent} needs from the index and lets it decide. */
  private checkPlacement(childId: string, p: number | undefined, parentId: string, childSubtreeHeight: number): void {
    const parentAncestorIds: string[] = [];
    if (p !== undefined) for (let a = this.parent[p]!; a !== NONE; a = this.parent[a]!) parentAncestorIds.push(this.ids[a]!);
    checkSetParent({
      childId,
      parent: p === undefined ? null : { id: parentId, status: this.status[p] === DISCONTINUED ? "discontinued" : "active" },
      parentId,
      parentAncestorIds,
      childSubtreeHeight,
      maxDepth: this.maxDepth,
    });
  }

  /** Inserts `c` into `p`'s child list at its handle-order position and points it at `p`. */
  private link(p: number, c: number): void {
    const { firstChild, lastChild, nextSibling, prevSibling } = this;
    const last = lastChild[p]!;
    if (last === NONE || last < c) {
      // Appending is the common case (new organizations have the highest handle).
      if (last === NONE) firstChild[p] = c;
      else nextSibling[last] = c;
      prevSibling[c] = last;
      nextSibling[c] = NONE;
      lastChild[p] = c;
    } else {
      let s = firstChild[p]!;
      while (s < c) s = nextSibling[s]!; // terminates: last > c
      const before = prevSibling[s]!;
      prevSibling[c] = before;
      nextSibling[c] = s;
      prevSibling[s] = c;
      if (before === NONE) firstChild[p] = c;
      else nextSibling[before] = c;
    }
    this.parent[c] = p;
    this.stale = true;
  }

  /** Removes `c` from `p`'s child list (O(1): the list is doubly linked). */
  private unlink(p: number, c: number): void {
    const { firstChild, lastChild, nextSibling, prevSibling } = this;
    const before = prevSibling[c]!;
    const after = nextSibling[c]!;
    if (before === NONE) firstChild[p] = after;
    else nextSibling[before] = after;
    if (after === NONE) lastChild[p] = before;
    else prevSibling[after] = before;
    prevSibling[c] = NONE;
    nextSibling[c] = NONE;
  }

  private depthOfHandle(h: number): number {
    if (!this.stale) return this.depthOf[h]!;
    // Walking up is O(depth); renumbering just for a depth would be O(n).
    let d = 0;
    for (let a = this.parent[h]!; a !== NONE; a = this.parent[a]!) d++;
    this.charge(d + 1);
    return d;
  }

  /** {@link HierarchyIndex.isAncestorByHandle} by walking up from the descendant: O(depth). */
  private isAncestorWhileStale(ancestor: number, descendant: number): boolean {
    // Unlike the interval test, a walk from a non-handle would not end: reject those first.
    if ((descendant | 0) !== descendant || descendant < 0 || descendant >= this.count) return false;
    const { parent } = this;
    let steps = 1;
    let found = false;
    for (let a = parent[descendant]!; a !== NONE; a = parent[a]!, steps++) {
      if (a === ancestor) {
        found = true;
        break;
      }
    }
    this.charge(steps);
    return found;
  }

  /** Records stale-mode work, and renumbers once the work would have paid for it. */
  private charge(work: number): void {
    this.staleWork += work;
    if (this.staleWork > STALE_WORK_FACTOR * this.count) this.renumber();
  }

  /**
   * Walks `h`'s subtree depth-first over the child lists (no numbering needed), pushing
   * ids into `out` (when given) under the discontinued `mode`. Returns how many
   * organizations below `h` it visited.
   */
  private walkSubtree(h: number, mode: DiscontinuedFilter, out: string[] | null): number {
    const { firstChild, nextSibling, parent, status, ids } = this;
    let node = firstChild[h]!;
    let visited = 0;
    while (node !== NONE) {
      visited++;
      const discontinued = status[node] === DISCONTINUED;
      if (out !== null && (mode === "include" || !discontinued)) out.push(ids[node]!);
      const first = mode === "prune" && discontinued ? NONE : firstChild[node]!;
      if (first !== NONE) {
        node = first;
        continue;
      }
      // Done with `node`'s subtree: on to the next sibling, climbing while there is none.
      for (;;) {
        const next = nextSibling[node]!;
        if (next !== NONE) {
          node = next;
          break;
        }
        node = parent[node]!;
        if (node === h) return visited;
      }
    }
    return visited;
  }

  /** Levels below `c` (0 for a leaf), by a stackless walk of its subtree: O(subtree size). */
  private subtreeHeight(c: number): number {
    const { firstChild, nextSibling, parent } = this;
    let node = c;
    let d = 0;
    let max = 0;
    for (;;) {
      const first = firstChild[node]!;
      if (first !== NONE) {
        node = first;
        if (++d > max) max = d;
        continue;
      }
      for (;;) {
        if (node === c) return max;
        const next = nextSibling[node]!;
        if (next !== NONE) {
          node = next;
          break;
        }
        node = parent[node]!;
        d--;
      }
    }
  }

  /**
   * Recomputes the depth-first numbering of the whole forest, roots in handle order,
   * without recursion or an explicit stack (parent pointers lead back up). Returns how
   * many organizations it reached (fewer than `count` only when the input had a cycle).
   */
  private renumber(): number {
    const { parent, firstChild, nextSibling, enter, exit, order, depthOf } = this;
    const roots: number[] = [];
    let pos = 0;
    for (let root = 0; root < this.count; root++) {
      if (parent[root] !== NONE) continue;
      roots.push(root);
      let node = root;
      let d = 0;
      walk: for (;;) {
        enter[node] = pos;
        order[pos++] = node;
        depthOf[node] = d;
        const first = firstChild[node]!;
        if (first !== NONE) {
          node = first;
          d++;
          continue;
        }
        // A leaf: close it, then close ancestors while we are their last child.
        for (;;) {
          exit[node] = pos;
          if (node === root) break walk;
          const next = nextSibling[node]!;
          if (next !== NONE) {
            node = next;
            break;
          }
          node = parent[node]!;
          d--;
        }
      }
    }
    this.rootHandles = roots;
    this.stale = false;
    this.staleWork = 0;
    return pos;
  }

  /** Called by the constructor when some nodes were unreachable from every root: reports one loop. */
  private throwInputCycle(): never {
    let start = 0;
    while (this.enter[start] !== NONE) start++;
    // Follow parent pointers until a node repeats; the repeated stretch is the loop.
    const seenAt = new Map<number, number>();
    const walk: number[] = [];
    let node = start;
    while (!seenAt.has(node)) {
      seenAt.set(node, walk.length);
      walk.push(node);
      node = this.parent[node]!;
    }
    // `walk` runs child → parent; reverse it so each id is the parent of the next.
    const loop = walk.slice(seenAt.get(node)!).reverse();
    const path = [...loop.map((h) => this.ids[h]!), this.ids[loop[0]!]!];
    throw new OrgKitError("HIERARCHY_CYCLE", `The hierarchy contains a loop: ${path.join(" → ")}`, { details: { path } });
  }

  private growTo(capacity: number): void {
    this.parent = grow(this.parent, capacity);
    this.firstChild = grow(this.firstChild, capacity);
    this.lastChild = grow(this.lastChild, capacity);
    this.nextSibling = grow(this.nextSibling, capacity);
    this.prevSibling = grow(this.prevSibling, capacity);
    this.enter = grow(this.enter, capacity);
    this.exit = grow(this.exit, capacity);
    this.order = grow(this.order, capacity);
    this.depthOf = grow(this.depthOf, capacity);
    const status = new Uint8Array(capacity);
    status.set(this.status);
    this.status = status;
    this.capacity = capacity;
  }
}

/**
 * Checks that `value` offers the `methods` of a {@link HierarchyIndex} a helper is about
 * to call (any implementation of the interface will do); `VALIDATION_FAILED` at `index`
 * otherwise, also when it cannot even be read.
 */
export function readHierarchyIndex(value: unknown, methods: readonly (keyof HierarchyIndex)[]): void {
  const read = readFields(value, methods, "hierarchy index", "index", false);
  for (const method of methods) {
    if (typeof read[method] !== "function") {
      throw invalidArgument("hierarchy index", "index", `must be a hierarchy index (from createHierarchyIndex), not ${describeValue(value)}`, "invalid_type");
    }
  }
}

/**
 * Builds a {@link HierarchyIndex} from `(id, parentId, status)` entries in one O(n)
 * pass; the entries may come in any order (a child before its parent is fine). Refuses
 * input that is not a forest: a repeated id (`CONFLICT`, `details.reason:
 * "duplicate_id"`), a parent id that is not among the entries (`PARENT_NOT_FOUND`), a
 * loop (`HIERARCHY_CYCLE` with `details.path`), an empty id, a parent id that is not
 * a string or `null`, or an unknown status (`VALIDATION_FAILED`). Input that is not a
 * list of entry objects, or cannot be read (a throwing getter, a revoked proxy), is
 * `VALIDATION_FAILED` with the position (`entries.3`), and so are bad `options`. It does
 * not apply the rules for *changes*: existing children of a discontinued parent, or a
 * tree deeper than `maxDepth`, are accepted as they are.
 *
 * @example
 * ```ts
 * const index = createHierarchyIndex([
 *   { id: "acme", parentId: null },
 *   { id: "east", parentId: "acme" },
 *   { id: "boston", parentId: "east" },
 *   { id: "west", parentId: "acme" },
 * ]);
 * index.isAncestor("acme", "boston"); // true
 * index.ancestors("boston");           // ["east", "acme"]
 * index.descendants("acme");           // ["east", "boston", "west"]
 * index.setParent("boston", "west");   // moves it; index.isAncestor("east", "boston") is now false
 * index.setParent("acme", "boston");   // throws HIERARCHY_CYCLE, path ["acme", "west", "boston", "acme"]
 *
 * // Hot loops: resolve handles once.
 * const acme = index.handleOf("acme");
 * const west = index.handleOf("west");
 * index.isAncestorByHandle(acme, west); // true
 * ```
 */
export function createHierarchyIndex(entries: Iterable<HierarchyEntry>, options?: HierarchyIndexOptions): HierarchyIndex {
  const { maxDepth } = readFields(options, INDEX_OPTION_KEYS, "hierarchy options", "options");
  assertValidMaxDepth(maxDepth);
  try {
    let list: readonly unknown[];
    if (Array.isArray(entries)) list = entries;
    else if (typeof entries === "object" && entries !== null && typeof (entries as Partial<Iterable<unknown>>)[Symbol.iterator] === "function") list = Array.from(entries);
    else throw invalidArgument("hierarchy entries", "entries", `must be a list of entries, not ${describeValue(entries)}`, "invalid_type");
    return new ArrayHierarchyIndex(list, maxDepth);
  } catch (error) {
    // Array.isArray and Array.from throw on a revoked proxy, an iterator or a proxied
    // array's `length` may throw too. (Each entry's own failures carry its position.)
    throw unreadable(error, "hierarchy entries", "entries");
  }
}
