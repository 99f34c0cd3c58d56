/**
 * Running statements and transactions on the injected client. Repositories only see a
 * {@link SqlExecutor}: the same repository code runs on the pool (each call on its own)
 * and inside a transaction (every call on the transaction's one connection).
 *
 * @module
 */
import { OrgKitError } from "../../errors.js";
import { isPool, isTransactional, type PostgresClient, type PostgresPool, type PostgresQueryable, type PostgresTransactional } from "./client.js";
import { isRetryable, serializationConflict, toOrgKitError } from "./errors.js";

/** Isolation levels the adapter opens transactions with. */
export type IsolationLevel = "SERIALIZABLE" | "READ COMMITTED";

/** Runs statements for a repository. Driver errors come out as `OrgKitError`s. */
export interface SqlExecutor {
  /** Runs one statement and returns its rows. `operation` names it in errors (e.g. `organizations.insert`). */
  rows<R>(operation: string, text: string, params?: readonly unknown[]): Promise<R[]>;
  /**
   * Runs `fn` so that its statements commit together: inside a transaction it just runs
   * (the enclosing transaction is atomic already); on the pool it opens a short
   * transaction of its own.
   */
  atomic<T>(operation: string, fn: (executor: SqlExecutor) => Promise<T>): Promise<T>;
}

/** How transactions are run. */
export interface TransactionSettings {
  readonly isolation: IsolationLevel;
  /** Extra attempts after a serialization failure or deadlock. */
  readonly maxRetries: number;
}

/** Runs statements straight on the client (a pool picks any free connection). */
export class ClientExecutor implements SqlExecutor {
  constructor(private readonly client: PostgresClient, private readonly settings: TransactionSettings) {}

  async rows<R>(operation: string, text: string, params: readonly unknown[] = []): Promise<R[]> {
    try {
      const result = await this.client.query(text, params as unknown[]);
      return result.rows as R[];
    } catch (error) {
      throw toOrgKitError(error, operation);
    }
  }

  atomic<T>(operation: string, fn: (executor: SqlExecutor) => Promise<T>): Promise<T> {
    return runTransaction(this.client, this.settings, operation, fn);
  }
}

/**
 * Runs statements on one transaction's connection. PostgreSQL aborts a transaction at
 * its first failed statement (every later statement fails, and `COMMIT` silently rolls
 * back), so the first failure is remembered: the transaction then ends with that error
 * even if the caller caught it, and a serialization failure triggers a retry even if the
 * caller turned it into another error.
 */
export class TransactionExecutor implements SqlExecutor {
  /** The first statement failure in this transaction, if any. */
  failure: OrgKitError | undefined;

  constructor(private readonly connection: PostgresQueryable) {}

  async rows<R>(operation: string, text: string, params: readonly unknown[] = []): Promise<R[]> {
    try {
      const result = await this.connection.query(text, params as unknown[]);
      return result.rows as R[];
    } catch (error) {
      const mapped = toOrgKitError(error, operation);
      this.failure ??= mapped;
      throw mapped;
    }
  }

  atomic<T>(_operation: string, fn: (executor: SqlExecutor) => Promise<T>): Promise<T> {
    return fn(this);
  }
}

/** What ends an attempt: the callback's result, or the error to rethrow (retried when it is retryable). */
function settle<T>(executor: TransactionExecutor, outcome: { ok: true; value: T } | { ok: false; error: unknown }): T {
  const failure = executor.failure;
  if (failure !== undefined && (isRetryable(failure) || outcome.ok)) throw failure;
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}

async function runCallback<T>(executor: TransactionExecutor, fn: (executor: TransactionExecutor) => Promise<T>): Promise<T> {
  let outcome: { ok: true; value: T } | { ok: false; error: unknown };
  try {
    outcome = { ok: true, value: await fn(executor) };
  } catch (error) {
    outcome = { ok: false, error };
  }
  return settle(executor, outcome);
}

async function attemptOnPool<T>(
  client: PostgresPool,
  isolation: IsolationLevel,
  operation: string,
  fn: (executor: TransactionExecutor) => Promise<T>
): Promise<T> {
  let connection;
  try {
    connection = await client.connect();
  } catch (error) {
    throw toOrgKitError(error, `${operation} (connect)`);
  }
  let broken: Error | undefined;
  try {
    try {
      await connection.query(`BEGIN ISOLATION LEVEL ${isolation}`);
    } catch (error) {
      throw toOrgKitError(error, `${operation} (begin)`);
    }
    const result = await runCallback(new TransactionExecutor(connection), fn);
    try {
      await connection.query("COMMIT");
    } catch (error) {
      // A serialization failure can surface at COMMIT; it is mapped and retried like any other.
      throw toOrgKitError(error, `${operation} (commit)`);
    }
    return result;
  } catch (error) {
    try {
      await connection.query("ROLLBACK");
    } catch (rollbackError) {
      // The connection is in an unknown state: let the pool discard it.
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    }
    throw error;
  } finally {
    connection.release(broken);
  }
}

async function attemptOnTransactional<T>(
  client: PostgresTransactional,
  isolation: IsolationLevel,
  operation: string,
  fn: (executor: TransactionExecutor) => Promise<T>
): Promise<T> {
  // The helper runs BEGIN before and COMMIT after the callback; errors outside the
  // callback are driver errors to map, errors from inside it are already final.
  const state: { phase: "begin" | "callback" | "commit" } = { phase: "begin" };
  try {
    return await client.transaction(async (tx) => {
      const executor = new TransactionExecutor(tx);
      await executor.rows(`${operation} (begin)`, `SET TRANSACTION ISOLATION LEVEL ${isolation}`);
      state.phase = "callback";
      const result = await runCallback(executor, fn);
      state.phase = "commit";
      return result;
    });
  } catch (error) {
    throw state.phase === "callback" ? error : toOrgKitError(error, `${operation} (${state.phase})`);
  }
}

function backoffMs(attempt: number): number {
  // Exponential, capped, with full jitter so retrying transactions spread out.
  const ceiling = Math.min(4 * 2 ** attempt, 200);
  return ceiling * (0.5 + Math.random());
}

/**
 * Runs `fn` in one transaction on one connection at the given isolation level, retrying
 * the whole attempt after a serialization failure or deadlock up to `maxRetries` times;
 * after that, `CONFLICT` (reason `serialization`).
 */
export async function runTransaction<T>(
  client: PostgresClient,
  settings: TransactionSettings,
  operation: string,
  fn: (executor: TransactionExecutor) => Promise<T>
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      if (isPool(client)) return await attemptOnPool(client, settings.isolation, operation, fn);
      if (isTransactional(client)) return await attemptOnTransactional(client, settings.isolation, operation, fn);
      throw new OrgKitError("STORAGE_FAILURE", "The PostgreSQL client has neither connect() nor transaction(): pass a pg.Pool or a PGlite instance", {
        details: { operation },
      });
    } catch (error) {
      if (!isRetryable(error)) throw error;
      if (attempt > settings.maxRetries) throw serializationConflict(error, operation, attempt);
      await new Promise((resolve) => setTimeout(resolve, backoffMs(attempt)));
    }
  }
}
