/**
 * The database client the PostgreSQL adapter is given. The adapter never imports a
 * driver: it talks to whatever object is injected, through these few structural
 * interfaces, which a `pg.Pool` and a PGlite instance both satisfy as they are.
 *
 * @module
 */

/** What the adapter reads from a query result: only the rows (`pg` and PGlite both return `{ rows }`). */
export interface PostgresQueryResult {
  /** The rows the statement returned, each an object keyed by column name (empty for a statement that returns none). */
  readonly rows: readonly unknown[];
}

/**
 * Anything that runs one parameterized SQL statement (`$1`, `$2`…): a `pg.Pool`, a
 * `pg.PoolClient`, a `pg.Client`, a PGlite instance or a PGlite transaction.
 */
export interface PostgresQueryable {
  /** Runs one statement, `text` with placeholders `$1`, `$2`… bound to `params` in order. */
  query(text: string, params?: unknown[]): Promise<PostgresQueryResult>;
}

/** Receives a connection's `error` events. */
export type PostgresConnectionErrorListener = (error: Error) => void;

/**
 * A connection checked out of a pool (`pg.PoolClient`): runs statements, then goes back
 * with `release`.
 *
 * `on` and `off` are the connection's event subscription (`pg.PoolClient` is an
 * EventEmitter). `pg` emits `error` on a checked-out connection when the server or the
 * network drops it while no statement is waiting for an answer, and Node turns an `error`
 * event nobody listens to into an uncaught exception that ends the process. When both
 * exist, the adapter listens from `connect()` to `release()`, fails the transaction with
 * `STORAGE_FAILURE` (reason `connection_lost`) and releases the connection with the
 * error, so the pool discards it.
 */
export interface PostgresPoolConnection extends PostgresQueryable {
  /** Returns the connection to the pool; passing an error (or `true`) makes the pool discard it. */
  release(error?: Error | boolean): void;
  /** Subscribes to the connection's `error` events. */
  on?(event: "error", listener: PostgresConnectionErrorListener): unknown;
  /** Removes a listener added with `on`. */
  off?(event: "error", listener: PostgresConnectionErrorListener): unknown;
}

/**
 * A connection pool (`pg.Pool`): `query` runs a statement on any free connection, and
 * `connect` checks one out so a transaction can run all its statements on it.
 */
export interface PostgresPool extends PostgresQueryable {
  /** Checks a connection out of the pool; the adapter gives it back with `release`. */
  connect(): Promise<PostgresPoolConnection>;
}

/**
 * A single-connection database with its own transaction helper (PGlite): `transaction`
 * runs `BEGIN`, the callback, then `COMMIT` (or `ROLLBACK` when the callback throws), and
 * keeps other queries out while it runs.
 */
export interface PostgresTransactional extends PostgresQueryable {
  /** Runs `fn` in one transaction on `tx`: committed when it resolves, rolled back when it throws (the error is rethrown). */
  transaction<T>(fn: (tx: PostgresQueryable) => Promise<T>): Promise<T>;
}

/**
 * The injected client: a pool (`pg.Pool`, anything with `connect()`) or a database with
 * a `transaction(fn)` helper (PGlite). The adapter never closes it: its owner does.
 *
 * @example
 * ```ts
 * import pg from "pg";
 * import { PGlite } from "@electric-sql/pglite";
 * const fromPool: PostgresClient = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * const fromPglite: PostgresClient = await PGlite.create();
 * ```
 */
export type PostgresClient = PostgresPool | PostgresTransactional;

/** True when the client is a pool whose connections can be checked out (`pg.Pool`). */
export function isPool(client: PostgresClient): client is PostgresPool {
  return typeof (client as Partial<PostgresPool>).connect === "function";
}

/** True when the client brings its own transaction helper (PGlite). */
export function isTransactional(client: PostgresClient): client is PostgresTransactional {
  return typeof (client as Partial<PostgresTransactional>).transaction === "function";
}
