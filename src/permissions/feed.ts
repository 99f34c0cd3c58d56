/**
 * Following a change feed: `applyChangeEntries(policy, entries)` applies the entries of
 * `kit.changes.since(…)` (or any feed of the same shape) to a compiled policy.
 *
 * @module
 */
import type { PolicyChange } from "./changes.js";
import { validationError } from "../errors.js";
import { Policy } from "./policy.js";
import { invalidSnapshot, readObject, readOptionalArray, rethrowAsInvalidSnapshot, type SnapshotPath } from "./snapshot-reader.js";
import { readVersion } from "./tables.js";

/** One entry of a change feed: the changes one committed write made, and its revision. */
export interface PolicyChangeEntry<P extends string = string> {
  /** The entry's revision in the change feed; the policy's version after it is applied. */
  readonly revision: number;
  /** The policy changes of that write, applied in order. */
  readonly changes: readonly PolicyChange<P>[];
}

/**
 * A new policy with the feed `entries` applied in order, its version the last applied
 * revision. Entries at or below the policy's version are skipped, so a feed delivered at
 * least once (a retried page, a redelivered message) can be replayed safely. Revisions
 * must increase; gaps are normal (a rolled-back write may use one up). Throws
 * `INVALID_SNAPSHOT` (path `entries.<i>…`) on a malformed entry or change, and then applies
 * none; the policy it was given stays as it was. `VALIDATION_FAILED` when `policy` is not a
 * compiled `Policy`.
 *
 * @example
 * ```ts
 * const { snapshot, revision } = await (await fetch("/policy-snapshot")).json();
 * let policy = compilePolicy(snapshot);
 * const page = await (await fetch(`/policy-changes?after=${policy.version}`)).json();
 * policy = applyChangeEntries(policy, page.entries);
 * ```
 */
export function applyChangeEntries<P extends string>(policy: Policy<P>, entries: readonly PolicyChangeEntry<P>[]): Policy<P> {
  let isPolicy = false;
  try {
    isPolicy = policy instanceof Policy;
  } catch {
    // a revoked proxy: not a policy
  }
  if (!isPolicy) {
    throw validationError("Invalid applyChangeEntries arguments: policy must be a compiled Policy (from compilePolicy)", [
      { path: "policy", message: "must be a compiled Policy", code: "invalid_type" },
    ]);
  }
  let path: SnapshotPath = ["entries"];
  const changes: PolicyChange<P>[] = [];
  let last = policy.version;
  try {
    const list = readOptionalArray(entries, [], "entries");
    for (let i = 0; i < list.length; i++) {
      path = ["entries", i];
      const entry = readObject(list[i], path);
      const revision = readVersion(entry.revision, [...path, "revision"]);
      if (revision <= policy.version) continue;
      if (revision <= last) invalidSnapshot([...path, "revision"], `must be greater than the revision before it (${last})`, revision);
      const entryChanges = readOptionalArray(entry.changes, path, "changes");
      for (const change of entryChanges) changes.push(change as PolicyChange<P>);
      last = revision;
    }
  } catch (error) {
    return rethrowAsInvalidSnapshot(error, path);
  }
  if (last === policy.version) return policy;
  return policy.withChanges(changes, { version: last });
}
