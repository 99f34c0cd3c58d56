/**
 * A depth-first numbering of the organization forest, for cascades: each organization's
 * pre-order position and the last position of its subtree (so "X is below O" is
 * `pre(O) < pre(X) <= last(O)`), and the position of its deepest discontinued
 * ancestor-or-self (its *blocker*), so "no discontinued organization lies between O
 * (exclusive) and X (inclusive)" is `blocker(X) < pre(O)`. Two comparisons, no walk.
 *
 * Only a policy with cascading rules numbers its tree, lazily, the first time a subject
 * with a cascading membership is resolved. A change that moves an organization
 * renumbers the forest (O(organizations), once, at the next use); a change that adds an
 * organization or changes a status derives the new numbering from the old one (typed
 * array work, no walk: see {@link derivedNumbering}); any other change keeps the
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

/** An organization added to the forest: its index (the next free one), id, and parent's index (-1: a root). */
export interface AddedOrganization {
  readonly index: number;
  readonly id: string;
  readonly parentIndex: number;
}

/**
 * `from` with organizations added (in index order, each as the last child of its parent,
 * or as the last root; active until `changed` says otherwise) and the statuses in
 * `changed` (organization index → active) applied. An addition shifts the positions
 * after its place by one: O(count) array work each, no walk and no lookup by id. Then
 * the blockers of each changed organization's subtree are recomputed, in pre-order,
 * from the final statuses: O(size of the changed subtrees).
 */
export function derivedNumbering(from: TreeNumbering, added: readonly AddedOrganization[], changed: ReadonlyMap<number, boolean>): TreeNumbering {
  const count = from.count + added.length;
  const grow = (array: Int32Array, size: number, fill: number): Int32Array => {
    if (added.length === 0) return array;
    const out = new Int32Array(size).fill(fill);
    out.set(array);
    return out;
  };
  const positions = new Int32Array(2 * count);
  positions.set(from.positions);
  // Unchanged by statuses: shared with `from` unless organizations were added.
  const last = grow(from.last, count, 0);
  const indexAt = grow(from.indexAt, count, 0);
  const parent = grow(from.parent, count, -1);
  const active = new Uint8Array(count).fill(1);
  active.set(from.active);
  const ids = added.length === 0 ? from.ids : [...from.ids, ...added.map((a) => a.id)];
  // Indices below `size` are numbered: those of `from`, then each addition in turn.
  let size = from.count;
  for (const { index, parentIndex } of added) {
    const at = parentIndex < 0 ? size : last[parentIndex]! + 1;
    if (at < size) {
      const parentAt = positions[2 * parentIndex]!;
      for (let i = 0; i < size; i++) {
        const pre = positions[2 * i]!;
        if (pre >= at) positions[2 * i] = pre + 1;
        if (positions[2 * i + 1]! >= at) positions[2 * i + 1]! += 1;
        // A subtree grows when it ends after the new place, or ends right before it and holds the parent (an ancestor-or-self of it).
        const end = last[i]!;
        if (end >= at || (end === at - 1 && pre <= parentAt)) last[i] = end + 1;
      }
      indexAt.copyWithin(at + 1, at, size);
    } else if (parentIndex >= 0) {
      // The parent's subtree ends the numbering: the new last position closes it and its ancestors.
      for (let up = parentIndex; up >= 0; up = parent[up]!) last[up] = at;
    }
    positions[2 * index] = at;
    positions[2 * index + 1] = parentIndex < 0 ? -1 : positions[2 * parentIndex + 1]!;
    last[index] = at;
    indexAt[at] = index;
    parent[index] = parentIndex;
    size++;
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
   * The cache after changes that only added organizations and changed statuses (no
   * move): derived from this numbering when it was computed (see
   * {@link derivedNumbering}), else numbered from scratch from `organizations` (so caches
   * never hold on to each other).
   */
  derived(added: readonly AddedOrganization[], changed: ReadonlyMap<number, boolean>, organizations: LayeredMap<string, OrganizationRecord>, count: number): TreeNumberingCache {
    const computed = this.numbering;
    return computed === null ? TreeNumberingCache.of(organizations, count) : new TreeNumberingCache(() => derivedNumbering(computed, added, changed));
  }
}
