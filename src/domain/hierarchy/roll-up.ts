import { invalidArgument, readFields } from "../argument-guards.js";
import { readHierarchyIndex, type HierarchyIndex } from "./hierarchy-index.js";
import type { DiscontinuedFilter } from "./types.js";

const WHAT = "roll-up";
const ROLL_UP_METHODS = ["statusOf", "descendants"] as const;
const OPTION_KEYS = ["canSee", "value", "combine", "initial", "discontinued"] as const;
const CALLBACKS = ["canSee", "value", "combine"] as const;

/** Options of {@link rollUp}. */
export interface RollUpOptions<T> {
  /** The viewer's visibility test: only organizations it accepts contribute (and only they are passed to `value`). */
  readonly canSee: (id: string) => boolean;
  /** The value of one organization (ticket count, revenue, a list of assets…). Called once per included organization. */
  readonly value: (id: string) => T;
  /** Folds one organization's value into the running total. */
  readonly combine: (total: T, value: T) => T;
  /** The total of no organizations (0 for a sum, `[]` for a list). */
  readonly initial: T;
  /** Whether discontinued organizations count; see {@link DiscontinuedFilter}. Default `"include"` (history of soft-deleted organizations still counts). */
  readonly discontinued?: DiscontinuedFilter | undefined;
}

/** What {@link rollUp} returns. */
export interface RollUpResult<T> {
  /** The combined value over the included organizations (`initial` when none). */
  readonly value: T;
  /** The organizations that contributed, the root first, then depth-first. */
  readonly includedIds: readonly string[];
}

/**
 * Aggregates a value over an organization and all its descendants, limited to the
 * organizations a viewer may see — the "Business Outcomes" roll-up of a parent and its
 * children. Visibility is decided per organization, because access is per organization
 * (each child has its own security group): a hidden organization contributes nothing,
 * while visible ones below it still count. The `discontinued` filter applies to the
 * root as well as to its descendants. `value` is only called for included
 * organizations, so it may load data lazily without leaking hidden ones.
 *
 * Cost: O(size of the subtree) calls of `canSee`, plus one `value` and `combine` per
 * included organization. Throws `NOT_FOUND` for an unknown root, and `VALIDATION_FAILED`
 * when `index` is not a hierarchy index, `options` is not an object, `canSee`, `value` or
 * `combine` is not a function, or `discontinued` is not a known filter. An error a
 * callback throws itself (a failed load in `value`) passes unchanged.
 *
 * @example
 * ```ts
 * // Open tickets across Acme and its children, for a viewer who sees Acme, East and Boston.
 * const visible = new Set(["acme", "east", "boston"]);
 * const { value, includedIds } = rollUp(index, "acme", {
 *   canSee: (id) => visible.has(id),
 *   value: (id) => openTickets.get(id) ?? 0,
 *   combine: (total, n) => total + n,
 *   initial: 0,
 * });
 * includedIds; // ["acme", "east", "boston"]
 * ```
 */
export function rollUp<T>(index: HierarchyIndex, rootId: string, options: RollUpOptions<T>): RollUpResult<T> {
  readHierarchyIndex(index, ROLL_UP_METHODS);
  // Read once, then only the callbacks are called.
  const read = readFields(options, OPTION_KEYS, WHAT, "options", false);
  for (const key of CALLBACKS) {
    if (typeof read[key] !== "function") throw invalidArgument(WHAT, key, "must be a function", "invalid_type");
  }
  const callbacks = read as RollUpOptions<T>;
  const discontinued = (read.discontinued ?? "include") as DiscontinuedFilter;
  const rootDiscontinued = index.statusOf(rootId) === "discontinued";
  // A pruned root takes its whole subtree with it.
  if (rootDiscontinued && discontinued === "prune") return { value: callbacks.initial, includedIds: [] };
  const candidates = index.descendants(rootId, { discontinued });
  if (!(rootDiscontinued && discontinued === "skip")) candidates.unshift(rootId);
  let total = callbacks.initial;
  const includedIds: string[] = [];
  for (const id of candidates) {
    if (!callbacks.canSee(id)) continue;
    includedIds.push(id);
    total = callbacks.combine(total, callbacks.value(id));
  }
  return { value: total, includedIds };
}
