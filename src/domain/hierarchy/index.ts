/**
 * The organization hierarchy: a pure, dependency-free index of the organization forest
 * (O(1) ancestor tests, tree queries, moves under the hierarchy rules), the rule check
 * itself for storage-backed callers, a text rendering, and visibility-limited roll-ups.
 * See `docs/hierarchy.md`.
 *
 * @module
 */
export { assertCanSetParent, type SetParentCheckInput } from "./assert-can-set-parent.js";
export { createHierarchyIndex, type HierarchyIndex } from "./hierarchy-index.js";
export { renderHierarchy, type RenderHierarchyOptions } from "./render-tree.js";
export { rollUp, type RollUpOptions, type RollUpResult } from "./roll-up.js";
export type {
  DescendantsOptions,
  DiscontinuedFilter,
  HierarchyEntry,
  HierarchyIndexOptions,
  HierarchyMove,
  HierarchyStatus,
} from "./types.js";
