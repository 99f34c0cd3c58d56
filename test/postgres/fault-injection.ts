/**
 * Fault injection for the PostgreSQL adapter tests: a client wrapper that sees every
 * statement before it runs (and may fail it, or act on the server first), and an admin
 * connection that terminates backends the way an operator, a failover or a crash does.
 */
import type { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import type { PostgresPool, PostgresPoolConnection, PostgresQueryable, PostgresTransactional } from "../../src/adapters/postgres/index.js";

/** One statement about to run on a checked-out connection (or a PGlite transaction). */
export interface Statement {
  readonly text: string;
  /** Its position among the statements of this checkout, from 0 (`BEGIN …`). */
  readonly index: number;
  /** The backend's process id (`pg_backend_pid()`); 0 on PGlite. */
  readonly pid: number;
}

/** Called before each statement; throwing fails the statement with that error. */
export type BeforeStatement = (statement: Statement) => Promise<void> | void;

/** A pool whose checked-out connections call `before` first; `pids` lists every connection handed out. */
export interface HookedPool extends PostgresPool {
  readonly pids: number[];
}

/** Wraps a `pg.Pool`: the adapter sees a pool as usual, and `before` sees each statement of each checkout. */
export function hookedPool(pool: pg.Pool, before: BeforeStatement): HookedPool {
  const pids: number[] = [];
  return {
    pids,
    query: (text, params) => pool.query(text, params),
    async connect(): Promise<PostgresPoolConnection> {
      const raw = await pool.connect();
      // pg keeps the pid from the server's BackendKeyData; no query needed to learn it.
      const pid = (raw as unknown as { processID: number }).processID;
      pids.push(pid);
      let index = 0;
      return {
        async query(text, params) {
          await before({ text, index: index++, pid });
          return raw.query(text, params);
        },
        release: (error) => raw.release(error),
        on: (event, listener) => raw.on(event, listener),
        off: (event, listener) => raw.off(event, listener),
      };
    },
  };
}

/** Wraps a PGlite instance: statements inside `transaction(fn)` call `before` first. */
export function hookedPglite(db: PGlite, before: BeforeStatement): PostgresTransactional {
  return {
    query: (text, params) => db.query(text, params),
    transaction: (fn) =>
      db.transaction((tx) => {
        let index = 0;
        const hooked: PostgresQueryable = {
          async query(text, params) {
            await before({ text, index: index++, pid: 0 });
            return tx.query(text, params);
          },
        };
        return fn(hooked);
      }),
  };
}

/** An error shaped like the driver's `DatabaseError` for a SQLSTATE. */
export function driverError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code, severity: "ERROR" });
}

/** A connection of its own to the server for killing and watching other backends. */
export class Admin {
  private constructor(readonly client: pg.Client) {}

  static async open(url: string): Promise<Admin> {
    const client = new pg.Client({ connectionString: url, application_name: "orgkit-test-admin" });
    await client.connect();
    return new Admin(client);
  }

  /** Terminates a backend (`pg_terminate_backend`) and waits until it is gone. */
  async terminate(pid: number): Promise<void> {
    await this.client.query("SELECT pg_terminate_backend($1)", [pid]);
    await this.poll(pid, "NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = $1)");
  }

  /**
   * Waits until the backend's `pg_stat_activity` row satisfies `condition` (SQL over
   * its columns: `state`, `wait_event_type`, `wait_event`, `query`).
   */
  until(pid: number, condition: string): Promise<void> {
    return this.poll(pid, `EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND (${condition}))`);
  }

  private async poll(pid: number, test: string, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const result = await this.client.query(`SELECT ${test} AS ok`, [pid]);
      if ((result.rows[0] as { ok: boolean }).ok) return;
      if (Date.now() > deadline) throw new Error(`backend ${pid}: timed out waiting for ${test}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Runs a statement on the admin connection. */
  query(text: string, params?: unknown[]): Promise<pg.QueryResult> {
    return this.client.query(text, params);
  }

  close(): Promise<void> {
    return this.client.end();
  }
}
