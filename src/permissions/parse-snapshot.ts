/**
 * Validation of a snapshot without keeping the compiled policy, for the side that
 * produces snapshots (check before publishing) or receives them as untyped JSON.
 *
 * @module
 */
import type { PolicySnapshot } from "./snapshot.js";
import { compileTables } from "./tables.js";

/**
 * Checks that `value` is a well-formed policy snapshot and returns it typed. Throws
 * `OrgKitError` `INVALID_SNAPSHOT` with `details.path` naming the first bad part (the
 * same checks as {@link compilePolicy}, which it runs and discards).
 *
 * @example
 * ```ts
 * const snapshot = parsePolicySnapshot<Permission>(JSON.parse(text));
 * await publish(JSON.stringify(snapshot));
 * ```
 */
export function parsePolicySnapshot<P extends string = string>(value: unknown): PolicySnapshot<P> {
  compileTables(value);
  return value as PolicySnapshot<P>;
}
