/**
 * A depth-first numbering of the organization forest, for cascades: each organization's
 * pre-order position and the last position of its subtree (so "X is below O" is
 * `pre(O) < pre(X) <= last(O)`), and the position of its deepest discontinued
 * ancestor-or-self (its *blocker*), so "no discontinued organization lies between O
 * (exclusive) and X (inclusive)" is `blocker(X) < pre(O)`. Two comparisons, no walk.
 *
 * Only a policy with cascading rules numbers its tree, lazily, the first time a subject
 * with a cascading membership is resolved. A change that moves an organization, or adds
 * one under a parent, renumbers the forest (O(organizations), once, at the next use); a
 * change that adds a root or changes a status only copies the numbering (appending the
 * root, recomputing the blockers of the changed subtrees); any other change keeps the
 * numbering as it is.
 *
 * @module
 */
import type { LayeredMap } from "./layered-map.js";
import type { OrganizationRecord } from "./tables.js";

/** The numbering of a forest of `count` organizations (dense indices `0 … count - 1`). */
export interface TreeNumbering {
  readonly count: number;
  /**
   * By organization index, two numbers: at `2 * i` its pre-order position, at `2 * i + 1`
   * the position of its deepest discontinued ancestor-or-self (-1: none). Side by side,
   * so a check reads both from one cache line.
   */
  readonly positions: Int32Array;
  /** By organization index: the last position of its subtree (its own position for a leaf). */
  readonly last: Int32Array;
  /** By position: the organization index. */
  readonly indexAt: Int32Array;
  /** By organization index: the parent's index, -1 for a root. */
  readonly parent: Int32Array;
  /** By organization index: 1 when active. */
  readonly active: Uint8Array;
  /** By organization index: the id. */
  readonly ids: readonly string[];
}

/**
 * Numbers the forest held by `organizations` (indices below `count`): roots in index
 * order, children in index order. O(count), with an explicit stack (any depth).
 */
export function numberTree(organizations: LayeredMap<string, OrganizationRecord>, count: number): TreeNumbering {
  const parent = new Int32Array(count).fill(-1);
  const active = new Uint8Array(count);
  const ids = new Array<string>(count);
  for (const [id, record] of organizations.entries()) {
    const i = record.index;
    ids[i] = id;
    active[i] = record.active ? 1 : 0;
    if (record.parentId !== null) parent[i] = organizations.get(record.parentId)!.index;
  }
  // Children as one array sliced by `start` (counting sort by parent), in index order.
  const start = new Int32Array(count + 1);
  for (let i = 0; i < count; i++) if (parent[i]! >= 0) start[parent[i]! + 1]!++;
  for (let i = 0; i < count; i++) start[i + 1]! += start[i]!;
  const fill = start.slice(0, count);
  const children = new Int32Array(count);
  for (let i = 0; i < count; i++) if (parent[i]! >= 0) children[fill[parent[i]!]!++] = i;

  const positions = new Int32Array(2 * count);
  const indexAt = new Int32Array(count);
  const stack = new Int32Array(count);
  let position = 0;
  for (let root = 0; root < count; root++) {
    if (parent[root]! >= 0) continue;
    let top = 0;
    stack[top++] = root;
    while (top > 0) {
      const node = stack[--top]!;
      indexAt[position] = node;
      positions[2 * node] = position;
      const up = parent[node]!;
      positions[2 * node + 1] = active[node] === 1 ? (up < 0 ? -1 : positions[2 * up + 1]!) : position;
      position++;
      // Pushed in reverse, so children come out in index order.
      for (let c = start[node + 1]! - 1; c >= start[node]!; c--) stack[top++] = children[c]!;
    }
  }
  // Subtree sizes from the leaves up: in reverse pre-order every descendant comes first.
  const size = new Int32Array(count).fill(1);
  const last = new Int32Array(count);
  for (let p = count - 1; p >= 0; p--) {
    const node = indexAt[p]!;
    last[node] = p + size[node]! - 1;
    if (parent[node]! >= 0) size[parent[node]!]! += size[node]!;
  }
  return { count, positions, last, indexAt, parent, active, ids };
}

/** A root added to the forest: its index (the next free one) and id. */
export interface AddedRoot {
  readonly index: number;
  readonly id: string;
}

/**
 * `from` with new roots appended (indices `from.count`, `from.count + 1`, … in order, no
 * children yet, active until `changed` says otherwise) and the statuses in `changed`
 * (organization index → active): the blockers of each changed organization's subtree are
 * recomputed, in pre-order, from the final statuses. O(count) to copy, plus O(size of
 * the changed subtrees).
 */
export function derivedNumbering(from: TreeNumbering, roots: readonly AddedRoot[], changed: ReadonlyMap<number, boolean>): TreeNumbering {
  const count = from.count + roots.length;
  const grow = (array: Int32Array, size: number, fill: number): Int32Array => {
    const out = new Int32Array(size).fill(fill);
    out.set(array);
    return out;
  };
  const positions = grow(from.positions, 2 * count, 0);
  // Unchanged by statuses: shared with `from` unless roots were added.
  const last = roots.length === 0 ? from.last : grow(from.last, count, 0);
  const indexAt = roots.length === 0 ? from.indexAt : grow(from.indexAt, count, 0);
  const parent = roots.length === 0 ? from.parent : grow(from.parent, count, -1);
  const active = new Uint8Array(count).fill(1);
  active.set(from.active);
  const ids = roots.length === 0 ? from.ids : [...from.ids, ...roots.map((root) => root.id)];
  for (const { index } of roots) {
    // Indices are dense, so the next index is also the next position.
    positions[2 * index] = index;
    positions[2 * index + 1] = -1;
    last[index] = index;
    indexAt[index] = index;
  }
  for (const [index, isActive] of changed) active[index] = isActive ? 1 : 0;
  for (const index of changed.keys()) {
    for (let p = positions[2 * index]!; p <= last[index]!; p++) {
      const node = indexAt[p]!;
      const up = parent[node]!;
      positions[2 * node + 1] = active[node] === 1 ? (up < 0 ? -1 : positions[2 * up + 1]!) : p;
    }
  }
  return { count, positions, last, indexAt, parent, active, ids };
}

/**
 * The numbering of one tables version, computed on first use. Versions whose changes left
 * the tree and statuses alone share one cache, so a numbering is computed at most once
 * for all of them.
 */
export class TreeNumberingCache {
  private numbering: TreeNumbering | null = null;
  private compute: (() => TreeNumbering) | null;

  private constructor(compute: () => TreeNumbering) {
    this.compute = compute;
  }

  /** The cache of a forest: numbered from scratch on first use. */
  static of(organizations: LayeredMap<string, OrganizationRecord>, count: number): TreeNumberingCache {
    return new TreeNumberingCache(() => numberTree(organizations, count));
  }

  /** The numbering (computed now if it was not yet). */
  get(): TreeNumbering {
    if (this.numbering === null) {
      this.numbering = this.compute!();
      this.compute = null; // let the tables it was computed from go
    }
    return this.numbering;
  }

  /**
   * The cache for a newer version of the tables whose changes left the tree and every
   * status alone: this one when its numbering is computed (it still holds), else a new
   * lazy one over the newer `organizations` (so an old table is not kept alive for a
   * numbering nobody asked for).
   */
  carriedTo(organizations: LayeredMap<string, OrganizationRecord>, count: number): TreeNumberingCache {
    return this.numbering !== null ? this : TreeNumberingCache.of(organizations, count);
  }

  /**
   * The cache after changes that only added roots (organizations without a parent, and
   * without children yet) and changed statuses: derived from this numbering when it was
   * computed (see {@link derivedNumbering}), else numbered from scratch from
   * `organizations` (so caches never hold on to each other).
   */
  derived(roots: readonly AddedRoot[], changed: ReadonlyMap<number, boolean>, organizations: LayeredMap<string, OrganizationRecord>, count: number): TreeNumberingCache {
    const computed = this.numbering;
    return computed === null ? TreeNumberingCache.of(organizations, count) : new TreeNumberingCache(() => derivedNumbering(computed, roots, changed));
  }
}
