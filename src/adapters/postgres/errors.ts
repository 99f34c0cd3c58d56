/**
 * Turning driver errors into `OrgKitError`s, the way the storage ports require, and
 * telling which failures leave a connection unusable.
 *
 * @module
 */
import { match } from "ts-pattern";
import { OrgKitError, isOrgKitError, uniqueConflict, type StorageTimeoutReason } from "../../errors.js";

/** SQLSTATE of a unique violation. */
export const UNIQUE_VIOLATION = "23505";
/** SQLSTATE of a serialization failure (SERIALIZABLE / REPEATABLE READ). */
export const SERIALIZATION_FAILURE = "40001";
/** SQLSTATE of a detected deadlock. */
export const DEADLOCK_DETECTED = "40P01";
/** SQLSTATE of a cancelled statement: `statement_timeout`, or a cancel request. */
export const QUERY_CANCELED = "57014";
/** SQLSTATE of a lock not obtained in time (`lock_timeout`, or `NOWAIT`). */
export const LOCK_NOT_AVAILABLE = "55P03";
/** SQLSTATE of `idle_in_transaction_session_timeout`; the server then closes the connection. */
export const IDLE_IN_TRANSACTION_TIMEOUT = "25P03";

/**
 * Operator intervention that ends the connection: admin shutdown (`pg_terminate_backend`,
 * a fast shutdown), crash shutdown, server starting up, database dropped, idle-session timeout.
 */
const CONNECTION_ENDING_STATES = new Set(["57P01", "57P02", "57P03", "57P04", "57P05"]);

/** Node's socket errors: the connection is gone (or was never made). */
const SOCKET_ERROR_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "ECONNABORTED", "EPIPE", "ETIMEDOUT", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "EHOSTDOWN", "ENETUNREACH", "ENETDOWN"]);

/** Failures that happen before anything was sent: no statement can have taken effect. */
const NEVER_CONNECTED_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "57P03"]);

/**
 * `pg` reports a lost connection, and its own client-side timeouts, as plain `Error`s
 * without a SQLSTATE; these are its messages (pg 8, pg-pool 3).
 */
const CONNECTION_LOST_MESSAGES = [
  "Connection terminated unexpectedly",
  "Connection terminated",
  "Client has encountered a connection error and is not queryable",
  "Client was closed and is not queryable",
];
const CONNECT_TIMEOUT_MESSAGES = ["timeout exceeded when trying to connect", "Connection terminated due to connection timeout"];
const QUERY_TIMEOUT_MESSAGE = "Query read timeout";

/** The fields `pg` and PGlite both put on a server error (`DatabaseError` of `pg-protocol`). */
interface DriverErrorFields {
  readonly code?: unknown;
  readonly constraint?: unknown;
  readonly table?: unknown;
  readonly detail?: unknown;
  readonly severity?: unknown;
}

/**
 * What went wrong, as the adapter reports it (`details.reason`): a conflict, one of the
 * timeouts (`STORAGE_TIMEOUT`), a lost connection, or anything else.
 */
export type FailureReason = (typeof FAILURE_REASONS)[number];

const FAILURE_REASONS = [
  "unique",
  "serialization",
  "statement_timeout",
  "canceled",
  "lock_timeout",
  "idle_in_transaction_timeout",
  "connect_timeout",
  "query_timeout",
  "connection_lost",
  "other",
] as const;

/** The SQLSTATE of a driver error, or of the driver error an `OrgKitError` wraps; `undefined` for anything else. */
export function sqlStateOf(error: unknown): string | undefined {
  const driverError = isOrgKitError(error) ? error.cause : error;
  const code = fieldOf(driverError, "code");
  // Node's own errors also have a string `code` (ECONNRESET, and EPIPE, EPERM of five
  // letters); a SQLSTATE is five characters with at least one digit.
  return code !== undefined && /^[0-9A-Z]{5}$/.test(code) && /\d/.test(code) ? code : undefined;
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

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Classifies a driver error; for an `OrgKitError` made by {@link toOrgKitError}, reads it back from `details.reason`. */
export function failureReasonOf(error: unknown): FailureReason {
  if (isOrgKitError(error)) {
    const reason = (error.details as { readonly reason?: unknown }).reason;
    return FAILURE_REASONS.find((known) => known === reason) ?? "other";
  }
  const state = sqlStateOf(error);
  if (state !== undefined) {
    if (state === UNIQUE_VIOLATION) return "unique";
    if (state === SERIALIZATION_FAILURE || state === DEADLOCK_DETECTED) return "serialization";
    // A cancel request (pg_cancel_backend, the driver's cancel) has the same SQLSTATE as a statement timeout.
    if (state === QUERY_CANCELED) return /statement timeout/i.test(messageOf(error)) ? "statement_timeout" : "canceled";
    if (state === LOCK_NOT_AVAILABLE) return "lock_timeout";
    if (state === IDLE_IN_TRANSACTION_TIMEOUT) return "idle_in_transaction_timeout";
    if (state.startsWith("08") || CONNECTION_ENDING_STATES.has(state)) return "connection_lost";
    // Any other FATAL or PANIC error ends the server session as well.
    const severity = fieldOf(error, "severity");
    return severity === "FATAL" || severity === "PANIC" ? "connection_lost" : "other";
  }
  const code = fieldOf(error, "code");
  if (code !== undefined && SOCKET_ERROR_CODES.has(code)) return "connection_lost";
  const message = messageOf(error);
  if (CONNECT_TIMEOUT_MESSAGES.includes(message)) return "connect_timeout";
  if (message === QUERY_TIMEOUT_MESSAGE) return "query_timeout";
  if (CONNECTION_LOST_MESSAGES.includes(message)) return "connection_lost";
  return "other";
}

/**
 * True when the failure leaves the connection unusable or in an unknown state, so it
 * must not go back to the pool: the connection is lost, the server closed it
 * (idle-in-transaction timeout), or the driver gave up waiting while the statement
 * may still be running (`query_timeout`).
 */
export function breaksConnection(error: unknown): boolean {
  const reason = failureReasonOf(error);
  return reason === "connection_lost" || reason === "idle_in_transaction_timeout" || reason === "query_timeout";
}

/** True for failures that must end a transaction whatever its callback made of them: lost connections and timeouts. */
export function isInfrastructureFailure(error: unknown): boolean {
  return isOrgKitError(error, "STORAGE_TIMEOUT") || (isOrgKitError(error, "STORAGE_FAILURE") && error.details.reason === "connection_lost");
}

/** How a statement was running when it failed. */
export interface FailureContext {
  /**
   * The statement may have taken effect without the adapter hearing back: a `COMMIT`,
   * or a statement outside a transaction (which commits on its own). When the
   * connection fails while such a statement is in flight, `details.commitUnknown` is true.
   */
  readonly inDoubt?: boolean;
}

/**
 * Maps a driver error to an `OrgKitError` (an `OrgKitError` passes through unchanged).
 * The driver error is always the `cause`, and `details.operation` names the statement.
 *
 * | driver error | code | `details.reason` |
 * |---|---|---|
 * | `23505` | `CONFLICT` | `unique` (with `constraint`, `table`) |
 * | `40001`, `40P01` | `CONFLICT` | `serialization` |
 * | `57014` | `STORAGE_TIMEOUT` | `statement_timeout` (or `canceled` for a cancel request) |
 * | `55P03` | `STORAGE_TIMEOUT` | `lock_timeout` |
 * | `25P03` | `STORAGE_TIMEOUT` | `idle_in_transaction_timeout` |
 * | pg-pool / pg connect timeout | `STORAGE_TIMEOUT` | `connect_timeout` |
 * | pg `query_timeout` | `STORAGE_TIMEOUT` | `query_timeout` |
 * | class `08`, `57P01`–`57P05`, other FATAL, socket errors, "Connection terminated…" | `STORAGE_FAILURE` | `connection_lost` |
 * | anything else | `STORAGE_FAILURE` | — |
 *
 * `STORAGE_FAILURE` and `STORAGE_TIMEOUT` also carry `sqlState` and `commitUnknown`.
 */
export function toOrgKitError(error: unknown, operation: string, context: FailureContext = {}): OrgKitError {
  if (isOrgKitError(error)) return error;
  const state = sqlStateOf(error) ?? null;
  const reason = failureReasonOf(error);
  const message = messageOf(error);
  const storageDetails = <R extends StorageTimeoutReason | "connection_lost">(reason: R) => ({ reason, operation, sqlState: state, commitUnknown: commitUnknown(error, reason, context) });
  return match(reason)
    .with("unique", () => {
      const constraint = fieldOf(error, "constraint");
      const table = fieldOf(error, "table");
      // The message names the constraint for the logs; the public rendering names neither it nor the table.
      return uniqueConflict(
        `${operation}: a unique value is already taken${constraint ? ` (${constraint})` : ""}`,
        { operation, constraint: constraint ?? null, table: table ?? null, detail: fieldOf(error, "detail") ?? null },
        error,
      );
    })
    .with("serialization", () => serializationConflict(error, operation, 1))
    .with("statement_timeout", "canceled", "lock_timeout", "idle_in_transaction_timeout", "connect_timeout", "query_timeout", (timeout) =>
      new OrgKitError("STORAGE_TIMEOUT", `${operation} ${timeout === "canceled" ? "was canceled" : "timed out"}: ${message}`, { details: storageDetails(timeout), cause: error })
    )
    .with("connection_lost", (lost) =>
      new OrgKitError("STORAGE_FAILURE", `${operation} failed: the database connection was lost (${message})`, { details: storageDetails(lost), cause: error })
    )
    .with("other", () =>
      new OrgKitError("STORAGE_FAILURE", `${operation} failed: ${message}`, { details: { operation, sqlState: state, commitUnknown: false }, cause: error })
    )
    .exhaustive();
}

/**
 * Only a connection that failed while an in-doubt statement was in flight leaves the
 * outcome unknown: an answer from the server (a timeout, any SQLSTATE error but a
 * connection-ending one) means it rolled back, and a connection never made ran nothing.
 */
function commitUnknown(error: unknown, reason: FailureReason, context: FailureContext): boolean {
  if (context.inDoubt !== true) return false;
  if (reason === "query_timeout") return true;
  if (reason !== "connection_lost") return false;
  const code = fieldOf(error, "code");
  return code === undefined || !NEVER_CONNECTED_CODES.has(code);
}

/** `CONFLICT` (reason `serialization`) for a transaction that kept failing to serialize. */
export function serializationConflict(error: unknown, operation: string, attempts: number): OrgKitError<"CONFLICT"> {
  const cause = isOrgKitError(error) && error.cause !== undefined ? error.cause : error;
  return new OrgKitError("CONFLICT", `${operation}: concurrent transactions conflicted (gave up after ${attempts} attempt${attempts === 1 ? "" : "s"})`, {
    details: { reason: "serialization", operation, sqlState: sqlStateOf(cause) ?? null, attempts },
    cause,
  });
}
