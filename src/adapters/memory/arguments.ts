import { OrgKitError } from "../../errors.js";
import type { KeysetOptions } from "../../storage/ports.js";

/** Largest page any list may return (the ports' `1–1000`). */
export const MAX_LIMIT = 1000;

/** A `VALIDATION_FAILED` error for one bad argument. */
export function invalidArgument(path: string, message: string, code = "invalid_argument"): OrgKitError {
  return new OrgKitError("VALIDATION_FAILED", `Invalid ${path}: ${message}`, { details: { issues: [{ path, message, code }] } });
}

/** Checks a page size: an integer from 1 to 1000. */
export function checkLimit(limit: unknown, path = "limit"): number {
  if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw invalidArgument(path, `must be an integer from 1 to ${MAX_LIMIT}`, "invalid_limit");
  }
  return limit;
}

/** Reads `{ after, limit }`: `after` a string key or null/absent, `limit` 1–1000. */
export function readKeyset(options: KeysetOptions | undefined): { after: string | null; limit: number } {
  if (typeof options !== "object" || options === null) throw invalidArgument("options", "must be an object with a limit");
  const after = options.after ?? null;
  if (after !== null && typeof after !== "string") throw invalidArgument("after", "must be a string key or null");
  return { after, limit: checkLimit(options.limit) };
}

/** Checks that an identifier argument is a string (a wrong type would silently find nothing). */
export function checkString(value: unknown, path: string): string {
  if (typeof value !== "string") throw invalidArgument(path, "must be a string");
  return value;
}

/** A `CONFLICT` error with `details.reason`. */
export function conflict(reason: "unique" | "version", message: string, details: Record<string, unknown>): OrgKitError {
  return new OrgKitError("CONFLICT", message, { details: { reason, ...details } });
}

/** `CONFLICT` (reason `version`) unless the stored version is the expected one. */
export function checkVersion(entity: string, id: string, stored: number, expectedVersion: number): void {
  if (stored !== expectedVersion) {
    throw conflict("version", `The ${entity} ${id} is at version ${stored}, not the expected ${expectedVersion}`, {
      entity,
      id,
      expectedVersion,
      actualVersion: stored,
    });
  }
}

/** `NOT_FOUND` for an update of something that is not stored. */
export function notFound(entity: string, id: string): OrgKitError {
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
