/**
 * The hierarchy as a batch of changes sees it: the part of the stored forest the batch
 * touches, loaded once, and the batch's own placements applied in memory as they are
 * decided, so every placement is checked against the tree as the rows before it left it
 * — the same answers `checkMove` gives row by row against storage, without a query per row.
 *
 * @module
 */
import { checkSetParent } from "../domain/hierarchy/assert-can-set-parent.js";
import { createHierarchyIndex, type HierarchyIndex } from "../domain/hierarchy/hierarchy-index.js";
import type { HierarchyEntry, HierarchyStatus } from "../domain/hierarchy/types.js";
import type { StorageSession } from "../storage/ports.js";
import { ancestorIdsById } from "./organization-sets.js";

/** What {@link BatchHierarchy.load} needs to know about the batch. */
export interface BatchHierarchyFacts {
  readonly maxDepth: number | undefined;
  /**
   * Stored organizations the batch places something under, or moves: their ancestor
   * chains are loaded (one query per chunk). Needed only when `maxDepth` is set or the
   * batch moves a stored organization under another; otherwise a new organization cannot
   * close a loop, no depth is limited, and nothing is loaded.
   */
  readonly storedIds: readonly string[];
  /** Stored organizations the batch moves: with `maxDepth`, their subtrees are loaded too (their heights count). */
  readonly movedIds: readonly string[];
  /** True when some stored organization moves under another (a loop is possible). */
  readonly moves: boolean;
  /** The status of a stored organization the batch loaded, if it did. */
  statusOf(id: string): HierarchyStatus | undefined;
}

/** The organization a placement goes under, as the actor may see it: `null` when missing or unreadable (reported as missing). */
export type PlacementParent = { readonly id: string; readonly status: HierarchyStatus } | null;

/**
 * The forest a batch changes. `check` decides a placement as `checkMove` would (the
 * same `checkSetParent` rules, inputs and errors), `place` records one that was accepted.
 */
export class BatchHierarchy {
  private constructor(
    /** `null` when the batch needs no tree at all (no depth limit, no moves). */
    private readonly index: HierarchyIndex | null,
    private readonly maxDepth: number | undefined,
  ) {}

  /** Loads what the batch's checks need (see {@link BatchHierarchyFacts}). */
  static async load(session: StorageSession, facts: BatchHierarchyFacts): Promise<BatchHierarchy> {
    if (facts.maxDepth === undefined && !facts.moves) return new BatchHierarchy(null, undefined);
    const entries = new Map<string, HierarchyEntry>();
    for (const [id, ancestorIds] of await ancestorIdsById(session, facts.storedIds)) {
      const path = [id, ...ancestorIds];
      path.forEach((node, k) => {
        // Only the status of a direct parent matters, and every parent the batch names is loaded.
        if (!entries.has(node)) entries.set(node, { id: node, parentId: path[k + 1] ?? null, status: facts.statusOf(node) ?? "active" });
      });
    }
    if (facts.maxDepth !== undefined) {
      // A moved subtree's height counts against the depth limit: load the rows below it.
      for (const id of new Set(facts.movedIds)) {
        for (const organization of await session.organizations.descendants(id)) {
          if (!entries.has(organization.id)) entries.set(organization.id, { id: organization.id, parentId: organization.parentId, status: organization.status });
        }
      }
    }
    // The index links parents whatever the order, and is built without a depth limit: `check` applies it.
    return new BatchHierarchy(createHierarchyIndex([...entries.values()]), facts.maxDepth);
  }

  /**
   * Decides placing `childId` under `parentId` (`parent` as the actor sees it), throwing
   * what `checkSetParent` throws: `PARENT_NOT_FOUND`, `HIERARCHY_CYCLE`,
   * `ORGANIZATION_DISCONTINUED`, `MAX_DEPTH_EXCEEDED`.
   */
  check(childId: string, parentId: string, parent: PlacementParent, childIsNew: boolean): void {
    const index = this.index;
    const ancestors = parent !== null && index !== null && index.has(parentId) ? index.ancestors(parentId) : [];
    const height = childIsNew || index === null || this.maxDepth === undefined || !index.has(childId) ? 0 : this.heightOf(index, childId);
    checkSetParent({ childId, parent, parentId, parentAncestorIds: ancestors, childSubtreeHeight: height, maxDepth: this.maxDepth });
  }

  /**
   * Whether a new organization under `parentId`, itself new in this batch (so readable,
   * active, and without descendants), would be deeper than the limit: only then does it
   * need {@link BatchHierarchy.check} (which throws `MAX_DEPTH_EXCEEDED` with the details).
   */
  tooDeepUnderNew(parentId: string): boolean {
    if (this.maxDepth === undefined || this.index === null) return false;
    return this.index.depth(parentId) + 1 > this.maxDepth;
  }

  /** Records a new organization placed under `parentId` (`null`: a root). */
  add(id: string, parentId: string | null): void {
    this.index?.add({ id, parentId, status: "active" });
  }

  /** Records that a stored organization moved under `parentId` (`null`: it became a root). */
  move(id: string, parentId: string | null): void {
    const index = this.index;
    if (index === null || !index.has(id)) return;
    if (parentId === null) index.detach(id);
    else index.setParent(id, parentId);
  }

  /** Levels below `id` in the batch's forest (its stored subtree was loaded: see `movedIds`). */
  private heightOf(index: HierarchyIndex, id: string): number {
    const top = index.depth(id);
    let height = 0;
    for (const below of index.descendants(id)) height = Math.max(height, index.depth(below) - top);
    return height;
  }
}
