/**
 * A scripted stand-in for `pg.Pool` and its connections, for faults a real server cannot
 * produce on demand (a COMMIT lost on the wire) and for checks a real driver only warns
 * about (two statements at once on one connection).
 */
import { EventEmitter } from "node:events";
import type { PostgresPool, PostgresQueryResult } from "../../src/adapters/postgres/index.js";

/** Decides the outcome of a statement: an error to fail it with, or `undefined` for `{ rows: [] }`. */
export type Script = (text: string) => Error | undefined;

/**
 * A connection like `pg.PoolClient`: an EventEmitter, one statement at a time (a second
 * `query()` while one is pending fails the test), `release(error?)` recorded.
 */
export class FakeConnection extends EventEmitter {
  /** Every statement sent, in order. */
  readonly log: string[] = [];
  /** What each `release` was called with. */
  readonly released: (Error | boolean | undefined)[] = [];
  /** Statements that were sent while another was still running. */
  readonly overlaps: string[] = [];
  private running: string | undefined;
  private lost: Error | undefined;

  constructor(private readonly script: Script = () => undefined) {
    super();
  }

  async query(text: string): Promise<PostgresQueryResult> {
    if (this.running !== undefined) {
      this.overlaps.push(text);
      throw new Error(`query() called while '${this.running}' is still running`);
    }
    // What pg answers once it has seen the connection fail.
    if (this.lost !== undefined) throw new Error("Client has encountered a connection error and is not queryable");
    this.running = text;
    this.log.push(text);
    try {
      await new Promise((resolve) => setTimeout(resolve, 1));
      const failure = this.script(text);
      if (failure !== undefined) throw failure;
      return { rows: [] };
    } finally {
      this.running = undefined;
    }
  }

  release(error?: Error | boolean): void {
    this.released.push(error);
  }

  /**
   * What pg does when the server or the network drops the connection while no statement
   * runs: on a later turn of the event loop, it emits `error` (an uncaught exception when
   * nobody listens) and refuses further statements.
   */
  drop(error: Error): void {
    this.lost = error;
    setImmediate(() => this.emit("error", error));
  }
}

/** A pool that hands out `connections` in order (and fails `connect()` once they run out). */
export function fakePool(...connections: FakeConnection[]): PostgresPool {
  let next = 0;
  return {
    query: async () => ({ rows: [] }),
    async connect() {
      const connection = connections[next++];
      if (connection === undefined) throw new Error("fake pool: no connection left");
      return connection;
    },
  };
}

/** Lets pending I/O callbacks (such as a dropped connection's `error` event) run. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
