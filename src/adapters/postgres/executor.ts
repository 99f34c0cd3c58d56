/**
 * Running statements and transactions on the injected client. Repositories only see a
 * {@link SqlExecutor}: the same repository code runs on the pool (each call on its own)
 * and inside a transaction (every call on the transaction's one connection).
 *
 * @module
 */
import { OrgKitError } from "../../errors.js";
import {
  isPool,
  isTransactional,
  type PostgresClient,
  type PostgresConnectionErrorListener,
  type PostgresPool,
  type PostgresPoolConnection,
  type PostgresQueryable,
  type PostgresQueryResult,
  type PostgresTransactional,
} from "./client.js";
import { breaksConnection, isInfrastructureFailure, isRetryable, serializationConflict, sqlStateOf, toOrgKitError, type FailureContext } from "./errors.js";

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
  /** Extra attempts after a serialization failure or deadlock, or after a pooled connection found dead at `BEGIN`. */
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
      // Outside a transaction a statement commits on its own: a connection lost while it
      // ran leaves its outcome unknown.
      throw toOrgKitError(error, operation, { inDoubt: true });
    }
  }

  atomic<T>(operation: string, fn: (executor: SqlExecutor) => Promise<T>): Promise<T> {
    return runTransaction(this.client, this.settings, operation, fn);
  }
}

/**
 * Listens to a checked-out connection's `error` events for as long as the adapter holds
 * it, and remembers the first. `pg` emits one when the connection drops while no
 * statement waits for an answer; with nobody listening, Node ends the process.
 */
class ConnectionWatch {
  lost: Error | undefined;
  private readonly listener: PostgresConnectionErrorListener = (error) => {
    this.lost ??= error;
  };
  // Without `off` the listener could never be removed and would pile up on a pooled connection.
  private readonly attached: boolean;

  constructor(private readonly connection: PostgresPoolConnection) {
    this.attached = typeof connection.on === "function" && typeof connection.off === "function";
    if (this.attached) connection.on!("error", this.listener);
  }

  detach(): void {
    if (this.attached) this.connection.off!("error", this.listener);
  }
}

/**
 * Runs statements on one transaction's connection.
 *
 * - **One at a time.** A connection runs one statement at a time (`pg` queues a second
 *   `query()` with a DeprecationWarning, pg 9 refuses it), so statements are queued here,
 *   whatever the caller does (`Promise.all` over a session is fine), and `COMMIT` waits
 *   for every statement the callback started.
 * - **The first failure is remembered.** PostgreSQL aborts a transaction at its first
 *   failed statement (every later statement fails, and `COMMIT` silently rolls back): the
 *   transaction then ends with that error even if the caller caught it, and a
 *   serialization failure triggers a retry even if the caller turned it into another
 *   error. A lost connection or a timeout also wins over the caller's own error.
 * - **A lost connection is noticed.** Once the connection has failed, nothing more is
 *   sent on it, and the transaction's connection is discarded instead of rolled back.
 * - **It ends with the transaction.** Statements on a session kept past its transaction
 *   are refused (`STORAGE_FAILURE`, reason `transaction_ended`): the connection may
 *   already serve someone else.
 */
export class TransactionExecutor implements SqlExecutor {
  /** The first statement failure in this transaction, if any. */
  failure: OrgKitError | undefined;
  /** The first lost connection or timeout, if any: it ends the transaction whatever the caller does. */
  infrastructureFailure: OrgKitError | undefined;
  private brokenBy: OrgKitError | undefined;
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** Savepoints opened so far (their names are numbered). */
  private savepoints = 0;

  /** `lostConnection` reports the connection's failure (its `error` event), if it has failed. */
  constructor(private readonly connection: PostgresQueryable, private readonly lostConnection: () => Error | undefined = () => undefined) {}

  rows<R>(operation: string, text: string, params: readonly unknown[] = []): Promise<R[]> {
    if (this.closed) return Promise.reject(transactionEnded(operation));
    return this.enqueue(operation, text, params).then((result) => result.rows as R[]);
  }

  atomic<T>(_operation: string, fn: (executor: SqlExecutor) => Promise<T>): Promise<T> {
    return fn(this);
  }

  /** Runs one of the transaction's own statements (`BEGIN`, `COMMIT`, `ROLLBACK`), after every earlier one. */
  async control(operation: string, text: string, context: FailureContext = {}): Promise<void> {
    await this.enqueue(operation, text, [], context);
  }

  /**
   * Runs `fn` under a savepoint (see `StorageSession.savepoint`): when `fn` throws, or one
   * of its statements failed, the transaction is rolled back to the savepoint and that
   * failure is forgotten, so the transaction can go on; the error is rethrown. A lost
   * connection, a timeout or a serialization failure is not forgotten: it still ends the
   * transaction.
   */
  async savepoint<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) throw transactionEnded("savepoint");
    const name = `orgkit_savepoint_${++this.savepoints}`;
    await this.control("savepoint", `SAVEPOINT ${name}`);
    const failureBefore = this.failure;
    let outcome: Outcome<T>;
    try {
      outcome = { ok: true, value: await fn() };
    } catch (error) {
      outcome = { ok: false, error };
    }
    const failed = this.failure !== failureBefore ? this.failure : undefined;
    if (outcome.ok && failed === undefined) {
      await this.control("savepoint (release)", `RELEASE SAVEPOINT ${name}`);
      return outcome.value;
    }
    if (this.infrastructureFailure !== undefined || (failed !== undefined && isRetryable(failed))) throw outcome.ok ? failed : outcome.error;
    await this.control("savepoint (rollback)", `ROLLBACK TO SAVEPOINT ${name}`);
    this.failure = failureBefore;
    // A statement failure `fn` swallowed is still the outcome: its writes were undone.
    throw outcome.ok ? failed : outcome.error;
  }

  /** Waits until every statement started so far has settled, then refuses the caller's further statements. */
  async close(): Promise<void> {
    for (;;) {
      const tail = this.tail;
      await tail;
      // Checked and set in one step: nothing can be queued in between.
      if (tail === this.tail) {
        this.closed = true;
        return;
      }
    }
  }

  /** Why the connection must be discarded rather than reused, if it must. */
  broken(): OrgKitError | undefined {
    const lost = this.lostConnection();
    return this.brokenBy ?? (lost === undefined ? undefined : toOrgKitError(lost, "connection"));
  }

  private enqueue(operation: string, text: string, params: readonly unknown[], context: FailureContext = {}): Promise<PostgresQueryResult> {
    const next = this.tail.then(() => this.send(operation, text, params, context));
    this.tail = next.catch(() => undefined);
    return next;
  }

  private async send(operation: string, text: string, params: readonly unknown[], context: FailureContext): Promise<PostgresQueryResult> {
    const lostBefore = this.lostConnection();
    // Known dead: nothing is sent, so nothing of this statement can have happened.
    if (lostBefore !== undefined) throw this.fail(toOrgKitError(lostBefore, operation));
    try {
      return await this.connection.query(text, params as unknown[]);
    } catch (error) {
      // pg answers "not queryable" once it has seen the connection fail; that failure says more.
      const lost = this.lostConnection();
      const cause = sqlStateOf(error) === undefined && lost !== undefined ? lost : error;
      throw this.fail(toOrgKitError(cause, operation, context));
    }
  }

  private fail(error: OrgKitError): OrgKitError {
    this.failure ??= error;
    if (isInfrastructureFailure(error)) this.infrastructureFailure ??= error;
    if (breaksConnection(error)) this.brokenBy ??= error;
    return error;
  }
}

function transactionEnded(operation: string): OrgKitError {
  return new OrgKitError("STORAGE_FAILURE", `${operation}: this transaction has already ended; its session can no longer be used`, {
    details: { reason: "transaction_ended", operation },
  });
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** What ends an attempt: the callback's result, or the error to rethrow (retried when it is retryable). */
function settle<T>(executor: TransactionExecutor, outcome: Outcome<T>): T {
  const failure = executor.failure;
  if (failure !== undefined && isRetryable(failure)) throw failure;
  if (executor.infrastructureFailure !== undefined) throw executor.infrastructureFailure;
  if (failure !== undefined && outcome.ok) throw failure;
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}

async function runCallback<T>(executor: TransactionExecutor, fn: (executor: TransactionExecutor) => Promise<T>): Promise<T> {
  let outcome: Outcome<T>;
  try {
    outcome = { ok: true, value: await fn(executor) };
  } catch (error) {
    outcome = { ok: false, error };
  }
  // Statements the callback started without awaiting them finish before COMMIT or ROLLBACK.
  await executor.close();
  return settle(executor, outcome);
}

/** A pooled connection that turned out dead at `BEGIN`: nothing ran, so another connection may be tried. */
class DeadAtBegin extends Error {
  constructor(readonly failure: OrgKitError) {
    super(failure.message, { cause: failure });
  }
}

async function attemptOnPool<T>(
  client: PostgresPool,
  isolation: IsolationLevel,
  operation: string,
  fn: (executor: TransactionExecutor) => Promise<T>
): Promise<T> {
  let connection: PostgresPoolConnection;
  try {
    connection = await client.connect();
  } catch (error) {
    throw toOrgKitError(error, `${operation} (connect)`);
  }
  const watch = new ConnectionWatch(connection);
  const executor = new TransactionExecutor(connection, () => watch.lost);
  let began = false;
  let rollbackFailure: unknown;
  try {
    await executor.control(`${operation} (begin)`, `BEGIN ISOLATION LEVEL ${isolation}`);
    began = true;
    const result = await runCallback(executor, fn);
    // A serialization failure can surface at COMMIT; it is mapped and retried like any other.
    // A connection lost while COMMIT is in flight leaves the outcome unknown.
    await executor.control(`${operation} (commit)`, "COMMIT", { inDoubt: true });
    return result;
  } catch (error) {
    const broken = executor.broken();
    if (broken === undefined) {
      try {
        await executor.control(`${operation} (rollback)`, "ROLLBACK");
      } catch (failure) {
        // The connection is in an unknown state: let the pool discard it.
        rollbackFailure = failure;
      }
    } else if (!began) {
      throw new DeadAtBegin(broken);
    }
    throw error;
  } finally {
    await executor.close();
    watch.detach();
    // An error makes the pool destroy the connection instead of handing it out again.
    const discard = executor.broken() ?? rollbackFailure;
    connection.release(discard === undefined ? undefined : discard instanceof Error ? discard : new Error(String(discard)));
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
      await executor.control(`${operation} (begin)`, `SET TRANSACTION ISOLATION LEVEL ${isolation}`);
      state.phase = "callback";
      const result = await runCallback(executor, fn);
      state.phase = "commit";
      return result;
    });
  } catch (error) {
    throw state.phase === "callback" ? error : toOrgKitError(error, `${operation} (${state.phase})`, { inDoubt: state.phase === "commit" });
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
 * after that, `CONFLICT` (reason `serialization`). A pooled connection found dead at
 * `BEGIN` (it died idle in the pool) is discarded and the attempt made again on another
 * at once, within the same budget; after that, `STORAGE_FAILURE` (reason `connection_lost`).
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
      if (error instanceof DeadAtBegin) {
        if (attempt > settings.maxRetries) throw error.failure;
        continue;
      }
      if (!isRetryable(error)) throw error;
      if (attempt > settings.maxRetries) throw serializationConflict(error, operation, attempt);
      await new Promise((resolve) => setTimeout(resolve, backoffMs(attempt)));
    }
  }
}
