/**
 * Plain data types shared by the hierarchy module. Nothing here has a runtime
 * dependency, so the hierarchy index stays usable without zod.
 *
 * @module
 */

import type { OrganizationStatus } from "../../permissions/snapshot.js";

/**
 * Whether an organization accepts new assignments: the organization status, taken from
 * the dependency-free `permissions/` so the hierarchy module does not import the
 * (zod-based) organization schema.
 */
export type HierarchyStatus = OrganizationStatus;

/** One organization as the hierarchy index sees it: its id, its parent, and its status. */
export interface HierarchyEntry {
  /** The organization id (any non-empty string; unique within an index). */
  readonly id: string;
  /** The parent organization's id, or `null`/absent for a root (a standalone organization). */
  readonly parentId?: string | null | undefined;
  /** Default `"active"`. A discontinued organization cannot receive new children. */
  readonly status?: HierarchyStatus | undefined;
}

/** Options of `createHierarchyIndex`. */
export interface HierarchyIndexOptions {
  /**
   * The deepest depth any organization may be moved or added to. Depth counts edges
   * from the root: a root has depth 0, its children depth 1, and so on. With
   * `maxDepth: 2` the Acme tree (Acme → regions → offices) is full: nothing more can be
   * nested under an office. Unlimited when absent. Checked only by changes
   * (`setParent`, `add`); a tree built from existing data may already be deeper.
   */
  readonly maxDepth?: number | undefined;
}

/**
 * How `HierarchyIndex.descendants` treats discontinued organizations:
 * - `"include"` (default): list them like any other;
 * - `"skip"`: leave each discontinued organization out, but still list its descendants
 *   (they are still below the starting organization);
 * - `"prune"`: leave out each discontinued organization *and everything below it*.
 */
export type DiscontinuedFilter = "include" | "skip" | "prune";

/** Options of `HierarchyIndex.descendants`. */
export interface DescendantsOptions {
  /** See {@link DiscontinuedFilter}. Default `"include"`. */
  readonly discontinued?: DiscontinuedFilter | undefined;
}

/** What an accepted `HierarchyIndex.setParent` or `HierarchyIndex.detach` did. */
export interface HierarchyMove {
  /** The organization that moved (its whole subtree moved with it). */
  readonly childId: string;
  /** Its parent before the change (`null`: it was a root). */
  readonly fromParentId: string | null;
  /** Its parent after the change (`null`: it is now a root). */
  readonly toParentId: string | null;
  /** False when the organization already had that parent (nothing changed). */
  readonly changed: boolean;
}
