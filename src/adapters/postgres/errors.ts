/**
 * Turning driver errors into `OrgKitError`s, the way the storage ports require.
 *
 * @module
 */
import { OrgKitError, isOrgKitError } from "../../errors.js";

/** SQLSTATE of a unique violation. */
export const UNIQUE_VIOLATION = "23505";
/** SQLSTATE of a serialization failure (SERIALIZABLE / REPEATABLE READ). */
export const SERIALIZATION_FAILURE = "40001";
/** SQLSTATE of a detected deadlock. */
export const DEADLOCK_DETECTED = "40P01";

/** The fields `pg` and PGlite both put on a server error (`DatabaseError` of `pg-protocol`). */
interface DriverErrorFields {
  readonly code?: unknown;
  readonly constraint?: unknown;
  readonly table?: unknown;
  readonly detail?: unknown;
}

/** The SQLSTATE of a driver error, or of the driver error an `OrgKitError` wraps; `undefined` for anything else. */
export function sqlStateOf(error: unknown): string | undefined {
  const driverError = isOrgKitError(error) ? error.cause : error;
  if (typeof driverError !== "object" || driverError === null) return undefined;
  const code = (driverError as DriverErrorFields).code;
  // Node's own errors (ECONNREFUSED…) also have a string `code`; SQLSTATEs are five characters.
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** True for the failures a transaction may be retried after: serialization failures and deadlocks. */
export function isRetryable(error: unknown): boolean {
  const state = sqlStateOf(error);
  return state === SERIALIZATION_FAILURE || state === DEADLOCK_DETECTED;
}

function fieldOf(error: unknown, field: keyof DriverErrorFields): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const value = (error as DriverErrorFields)[field];
  return typeof value === "string" ? value : undefined;
}

/**
 * Maps a driver error to an `OrgKitError` (an `OrgKitError` passes through unchanged):
 * unique violation → `CONFLICT` (reason `unique`, with the constraint and table),
 * serialization failure or deadlock → `CONFLICT` (reason `serialization`), anything
 * else → `STORAGE_FAILURE`. The driver error is always the `cause`.
 */
export function toOrgKitError(error: unknown, operation: string): OrgKitError {
  if (isOrgKitError(error)) return error;
  const state = sqlStateOf(error);
  if (state === UNIQUE_VIOLATION) {
    const constraint = fieldOf(error, "constraint");
    const table = fieldOf(error, "table");
    return new OrgKitError("CONFLICT", `${operation}: a unique value is already taken${constraint ? ` (${constraint})` : ""}`, {
      details: { reason: "unique", operation, constraint: constraint ?? null, table: table ?? null, detail: fieldOf(error, "detail") ?? null },
      cause: error,
    });
  }
  if (state === SERIALIZATION_FAILURE || state === DEADLOCK_DETECTED) {
    return serializationConflict(error, operation, 1);
  }
  const message = error instanceof Error ? error.message : String(error);
  return new OrgKitError("STORAGE_FAILURE", `${operation} failed: ${message}`, {
    details: { operation, sqlState: state ?? null },
    cause: error,
  });
}

/** `CONFLICT` (reason `serialization`) for a transaction that kept failing to serialize. */
export function serializationConflict(error: unknown, operation: string, attempts: number): OrgKitError {
  const cause = isOrgKitError(error) && error.cause !== undefined ? error.cause : error;
  return new OrgKitError("CONFLICT", `${operation}: concurrent transactions conflicted (gave up after ${attempts} attempt${attempts === 1 ? "" : "s"})`, {
    details: { reason: "serialization", operation, sqlState: sqlStateOf(cause) ?? null, attempts },
    cause,
  });
}
