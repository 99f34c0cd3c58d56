/**
 * Where a subject's cascading memberships reach, resolved once per subject so that each
 * check is a binary search over a handful of intervals and two array reads — no walk.
 *
 * A cascading membership of organization O covers the positions `(pre(O), last(O)]` of
 * the tree numbering (its proper descendants). Subtrees are nested or disjoint, so the
 * covered positions split into segments, and in each segment the *deepest* covering
 * membership of each kind is known. X is reached when the deepest membership of the
 * kind covering `pre(X)` starts below X's blocker (its deepest discontinued
 * ancestor-or-self): a discontinued organization between that membership and X stops
 * it, and then it stops every shallower one too, so the deepest one decides.
 *
 * @module
 */
import type { TreeNumbering } from "./tree-numbering.js";

/** Reach kind: read the organization (a cascading role, or a cascading admin). */
export const REACH_READ = 0;
/** Reach kind: access the organization's resources (a cascading role). */
export const REACH_RESOURCES = 1;
/** Reach kind: see the organization's tickets (a cascading role that sees tickets). */
export const REACH_TICKETS = 2;
/** Reach kind: administer the organization's users, roles and apps (a cascading admin). */
export const REACH_ADMIN = 3;
/** One of the `REACH_*` kinds. */
export type ReachKind = typeof REACH_READ | typeof REACH_RESOURCES | typeof REACH_TICKETS | typeof REACH_ADMIN;
const KINDS = 4;

/** A cascading membership: its organization and the kinds it cascades (bit `1 << kind`). */
export interface CascadeSource {
  readonly orgIndex: number;
  readonly kinds: number;
}

/** A subject's reach through its cascading memberships, in one tree numbering. */
export class CascadeReach {
  /** `numbering.positions`, kept at hand: the one array a check reads per organization. */
  private readonly positions: Int32Array;
  /**
   * With a single segment (one cascading membership, the usual case: a regional manager):
   * its first and last position, or `to` -1 when there are more segments (then the
   * binary search runs).
   */
  private readonly soleFrom: number;
  private readonly soleTo: number;

  private constructor(
    /** The numbering the segments are positions of. */
    readonly numbering: TreeNumbering,
    /** Segment `s` covers positions `[starts[s], starts[s + 1])`; the last one runs to the end. */
    private readonly starts: Int32Array,
    /** At `s * 4 + kind`: the position of the deepest membership of that kind covering segment `s`, or -1. */
    private readonly deepest: Int32Array,
  ) {
    this.positions = numbering.positions;
    const sole = starts.length === 2;
    this.soleFrom = sole ? starts[0]! : 0;
    this.soleTo = sole ? starts[1]! - 1 : -1;
  }

  /** The reach of `sources` (active memberships, at most one per organization), or `null` when none cascades. O(k log k) for k sources. */
  static of(numbering: TreeNumbering, sources: readonly CascadeSource[]): CascadeReach | null {
    const { positions, last } = numbering;
    const intervals: { from: number; to: number; pre: number; kinds: number }[] = [];
    for (const source of sources) {
      const pre = positions[2 * source.orgIndex]!;
      const to = last[source.orgIndex]!;
      if (source.kinds !== 0 && to > pre) intervals.push({ from: pre + 1, to, pre, kinds: source.kinds });
    }
    if (intervals.length === 0) return null;
    intervals.sort((a, b) => a.from - b.from);
    // Every position where coverage may change: starts, and one past each end.
    const bounds = [...new Set(intervals.flatMap((i) => [i.from, i.to + 1]))].sort((a, b) => a - b);
    const starts = Int32Array.from(bounds);
    const deepest = new Int32Array(bounds.length * KINDS).fill(-1);
    const open: (typeof intervals)[number][] = []; // nested: the innermost last
    let next = 0;
    for (let s = 0; s < bounds.length; s++) {
      const at = bounds[s]!;
      while (open.length > 0 && open[open.length - 1]!.to < at) open.pop();
      while (next < intervals.length && intervals[next]!.from === at) open.push(intervals[next++]!);
      for (let kind = 0; kind < KINDS; kind++) {
        for (let k = open.length - 1; k >= 0; k--) {
          if ((open[k]!.kinds & (1 << kind)) !== 0) {
            deepest[s * KINDS + kind] = open[k]!.pre;
            break;
          }
        }
      }
    }
    return new CascadeReach(numbering, starts, deepest);
  }

  /** True when a cascading membership of `kind` reaches organization `orgIndex`. */
  reaches(kind: ReachKind, orgIndex: number): boolean {
    const positions = this.positions;
    const position = positions[2 * orgIndex];
    if (position === undefined) return false;
    if (this.soleTo >= 0) {
      // One segment: no search.
      if (position < this.soleFrom || position > this.soleTo) return false;
      const from = this.deepest[kind]!;
      return from >= 0 && from > positions[2 * orgIndex + 1]!;
    }
    const starts = this.starts;
    if (position < starts[0]!) return false;
    // The last segment starting at or before `position`.
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (starts[mid]! <= position) lo = mid;
      else hi = mid - 1;
    }
    const from = this.deepest[lo * KINDS + kind]!;
    return from >= 0 && from > positions[2 * orgIndex + 1]!;
  }

  /** The indices of every organization a cascading membership of `kind` reaches, in pre-order. O(reached + discontinued subtrees skipped). */
  reached(kind: ReachKind): number[] {
    const { positions, last, indexAt } = this.numbering;
    const out: number[] = [];
    const starts = this.starts;
    for (let s = 0; s < starts.length - 1; s++) {
      const from = this.deepest[s * KINDS + kind]!;
      if (from < 0) continue;
      const end = starts[s + 1]!;
      for (let p = starts[s]!; p < end; p++) {
        const node = indexAt[p]!;
        const blocker = positions[2 * node + 1]!;
        if (blocker < from) out.push(node);
        else p = last[indexAt[blocker]!]!; // the whole discontinued subtree is stopped (for this membership and any shallower one)
      }
    }
    return out;
  }
}
