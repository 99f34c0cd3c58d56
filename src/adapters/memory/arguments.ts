import { OrgKitError, versionConflict } from "../../errors.js";

import { invalidArgument } from "../../storage/arguments.js";

export { checkLimit, checkString, invalidArgument, MAX_LIMIT, readIncludeDiscontinued, readKeyset, readOptions, readReassignment, readSourceRules } from "../../storage/arguments.js";

/** `CONFLICT` (reason `version`) unless the stored version is the expected one. */
export function checkVersion(entity: string, id: string, stored: number, expectedVersion: number): void {
  if (stored !== expectedVersion) {
    throw versionConflict(entity, id, expectedVersion, stored);
  }
}

/** `NOT_FOUND` for an update of something that is not stored. */
export function notFound(entity: string, id: string): OrgKitError<"NOT_FOUND"> {
  return new OrgKitError("NOT_FOUND", `No ${entity} with id '${id}'`, { details: { entity, id } });
}

/** The compound key of two ids, ordered as the tuple (ids never contain U+0000). */
export function pairKey(first: string, second: string): string {
  return `${first}\u0000${second}`;
}

/** Checks that a value to store is an object with a string `id` (or the given key fields). */
export function checkRecord<T extends object>(value: T, path: string, keys: readonly string[] = ["id"]): T {
  if (typeof value !== "object" || value === null) throw invalidArgument(path, "must be an object");
  for (const key of keys) {
    if (typeof (value as Record<string, unknown>)[key] !== "string") throw invalidArgument(`${path}.${key}`, "must be a string");
  }
  return value;
}
