/**
 * Organization state combinations. With flags service/outreach/opportunities there
 * are seven non-empty combinations plus "none"; a staff profile grants read/edit/delete
 * per exact combination. Internally a combination is a bit mask (flag i is bit i), so
 * a profile's grants are a table indexed by mask.
 *
 * @module
 */
import { invalidSnapshot, rethrowAsInvalidSnapshot, type SnapshotPath } from "./snapshot-reader.js";
import { DEFAULT_STATE_FLAGS, MAX_STATE_FLAGS, NO_STATE_KEY, STATE_KEY_SEPARATOR } from "./snapshot.js";

/** The compiled state flags of a policy. */
export interface StateSpace {
  /** The flags, in snapshot order (bit i is `flags[i]`). */
  readonly flags: readonly string[];
  /** Flag name to bit. */
  readonly bitOf: ReadonlyMap<string, number>;
  /** Number of combinations, `2 ** flags.length`; also the mask of "unknown organization" (a cell that is always empty). */
  readonly size: number;
}

/** Builds the state space of a flag list (assumed valid: unique, no `+`, not `none`). */
export function createStateSpace(flags: readonly string[]): StateSpace {
  const bitOf = new Map<string, number>();
  flags.forEach((flag, i) => bitOf.set(flag, 1 << i));
  return { flags: [...flags], bitOf, size: 1 << flags.length }; // an integer (small int), not the double `2 ** n` gives
}

/** Validates a snapshot's `stateFlags` (default {@link DEFAULT_STATE_FLAGS}). */
export function readStateFlags(value: unknown, path: SnapshotPath): string[] {
  if (value === undefined) return [...DEFAULT_STATE_FLAGS];
  if (!Array.isArray(value)) invalidSnapshot(path, "must be an array", value);
  if (value.length > MAX_STATE_FLAGS) invalidSnapshot(path, `must list at most ${MAX_STATE_FLAGS} flags`);
  const flags: string[] = [];
  value.forEach((flag: unknown, i) => {
    if (typeof flag !== "string" || flag.length === 0) invalidSnapshot([...path, i], "must be a non-empty string", flag);
    if (flag === NO_STATE_KEY) invalidSnapshot([...path, i], `"${NO_STATE_KEY}" is reserved for the empty combination`, flag);
    if (flag.includes(STATE_KEY_SEPARATOR)) invalidSnapshot([...path, i], `must not contain "${STATE_KEY_SEPARATOR}"`, flag);
    if (flags.includes(flag)) invalidSnapshot([...path, i], `duplicate state flag "${flag}"`, flag);
    flags.push(flag);
  });
  return flags;
}

/** The mask of an organization's `states`; throws `INVALID_SNAPSHOT` on an unknown flag. */
export function readStateMask(value: unknown, space: StateSpace, path: SnapshotPath): number {
  if (value === undefined) return 0;
  if (!Array.isArray(value)) invalidSnapshot(path, "must be an array", value);
  let mask = 0;
  for (let i = 0; i < value.length; i++) {
    const flag: unknown = value[i];
    const bit = typeof flag === "string" ? space.bitOf.get(flag) : undefined;
    if (bit === undefined) invalidSnapshot([...path, i], `must be one of the state flags (${space.flags.join(", ") || "none defined"})`, flag);
    mask |= bit;
  }
  return mask;
}

/** Parses a combination key (`"service+outreach"` in any flag order, or `"none"`) to its mask. */
export function parseCombinationKey(key: string, space: StateSpace, path: SnapshotPath): number {
  if (key === NO_STATE_KEY) return 0;
  let mask = 0;
  for (const flag of key.split(STATE_KEY_SEPARATOR)) {
    const bit = space.bitOf.get(flag);
    if (bit === undefined) invalidSnapshot(path, `"${flag}" is not a state flag (${space.flags.join(", ") || "none defined"}); keys are flags joined by "${STATE_KEY_SEPARATOR}", or "${NO_STATE_KEY}"`, key);
    if ((mask & bit) !== 0) invalidSnapshot(path, `flag "${flag}" repeated`, key);
    mask |= bit;
  }
  return mask;
}

/** The canonical key of a mask: flags in snapshot order joined by `+`, or `"none"`. */
export function combinationKeyOfMask(mask: number, space: StateSpace): string {
  if (mask === 0) return NO_STATE_KEY;
  return space.flags.filter((_, i) => (mask & (1 << i)) !== 0).join(STATE_KEY_SEPARATOR);
}

/**
 * The canonical combination key of a list of states, for use as a key of a profile's
 * `organizations` table. States that are not among `flags` are ignored. Throws
 * `INVALID_SNAPSHOT` when `states` is not an array or `flags` is not a valid flag list
 * (see a snapshot's `stateFlags`).
 *
 * @example
 * ```ts
 * stateCombinationKey(["outreach", "service"]); // "service+outreach"
 * stateCombinationKey([]);                      // "none"
 * ```
 */
export function stateCombinationKey(states: readonly string[], flags: readonly string[] = DEFAULT_STATE_FLAGS): string {
  let path: SnapshotPath = ["stateFlags"];
  try {
    const valid = flags === DEFAULT_STATE_FLAGS ? flags : readStateFlags(flags, path);
    path = ["states"];
    if (!Array.isArray(states)) invalidSnapshot(path, "must be an array", states);
    const present = valid.filter((flag) => states.includes(flag));
    return present.length === 0 ? NO_STATE_KEY : present.join(STATE_KEY_SEPARATOR);
  } catch (error) {
    return rethrowAsInvalidSnapshot(error, path);
  }
}

/**
 * Every combination key of a flag list: `"none"` followed by the non-empty subsets
 * (7 for the default three flags), in mask order. Throws `INVALID_SNAPSHOT` when
 * `flags` is not a valid flag list (see a snapshot's `stateFlags`: at most 16 distinct,
 * non-empty flags without `+`, not `none`).
 *
 * @example
 * ```ts
 * allStateCombinations(); // ["none", "service", "outreach", "service+outreach", "opportunities", ...]
 * ```
 */
export function allStateCombinations(flags: readonly string[] = DEFAULT_STATE_FLAGS): string[] {
  let valid: readonly string[];
  try {
    valid = readStateFlags(flags, ["stateFlags"]);
  } catch (error) {
    return rethrowAsInvalidSnapshot(error, ["stateFlags"]);
  }
  const space = createStateSpace(valid);
  const keys: string[] = [];
  for (let mask = 0; mask < space.size; mask++) keys.push(combinationKeyOfMask(mask, space));
  return keys;
}
