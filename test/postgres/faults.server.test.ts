/**
 * PostgreSQL faults on a real server become errors, never crashes: a backend killed in
 * the middle of a use case (between statements, while a statement runs, during COMMIT,
 * or while idle in the pool), statement, lock and idle-in-transaction timeouts, and
 * serialization failures past the retry budget. In each case the process survives (an
 * unhandled `error` event would fail the run), the use case rejects with the documented
 * code, nothing of it is in the database (read with raw SQL), and the next use case
 * succeeds. Runs only when ORGKIT_PG_URL is set.
 */
import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { postgresStorage, type PostgresStorageSession } from "../../src/adapters/postgres/index.js";
import { createOrgKit, SYSTEM_ACTOR } from "../../src/index.js";
import { buildOrganization, buildUser } from "../../src/testing/builders.js";
import { expectOrgKitError } from "../../src/testing/conformance/assertions.js";
import { useTestApi } from "../../src/testing/conformance/test-api.js";
import { Barrier, outcome } from "./concurrency-scenarios.js";
import { Admin, hookedPool, type BeforeStatement } from "./fault-injection.js";
import { SERVER_URL, serverTarget, type TestTarget } from "./targets.js";

// expectOrgKitError asserts with the runner it is given.
useTestApi({ describe, it, beforeEach, expect });

describe.skipIf(!SERVER_URL)("PostgreSQL faults (server)", () => {
  let target: TestTarget;
  let schema: string;
  let admin: Admin;
  /** The pool the hooked clients wrap. */
  let pool: pg.Pool;
  const pools: pg.Pool[] = [];
  /**
   * What reached the pools' `error` listeners (which docs/postgres.md asks hosts to
   * attach). A connection the adapter holds never reports there: only idle ones do.
   */
  const poolErrors: Error[] = [];

  /** A pool of its own (closed after the file), with an `error` listener (`onError`, or one that records into `poolErrors`). */
  function newPool(config: pg.PoolConfig = {}, onError: (error: Error) => void = (error) => poolErrors.push(error)): pg.Pool {
    const made = new pg.Pool({ connectionString: SERVER_URL, max: 4, ...config });
    made.on("error", onError);
    pools.push(made);
    return made;
  }

  /** A storage on the shared schema whose checked-out connections call `before` first. */
  function hookedStorage(before: BeforeStatement, options: { maxRetries?: number } = {}) {
    const client = hookedPool(pool, before);
    return { client, storage: postgresStorage({ client, schema, ...options }) };
  }

  /** Counts rows with raw SQL (not through the adapter). */
  async function count(from: string, params: unknown[] = []): Promise<number> {
    const result = await target.client.query(`SELECT count(*)::int AS n FROM "${schema}".${from}`, params);
    return (result.rows[0] as { n: number }).n;
  }

  beforeAll(async () => {
    target = await serverTarget();
    schema = (await target.storage()).schema;
    admin = await Admin.open(SERVER_URL!);
    pool = newPool();
    // COMMIT of an organization named "Slow commit…" runs this deferred trigger, so a
    // test can kill the backend while it is inside COMMIT.
    await target.client.query(`
      CREATE FUNCTION "${schema}".slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN PERFORM pg_sleep(5); RETURN NULL; END $$`);
    await target.client.query(`
      CREATE CONSTRAINT TRIGGER slow_commit AFTER INSERT ON "${schema}".organizations
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.name LIKE 'Slow commit%')
        EXECUTE FUNCTION "${schema}".slow_commit()`);
  });
  afterAll(async () => {
    await admin?.close();
    await Promise.all(pools.map((p) => p.end()));
    await target?.close();
    expect(poolErrors).toEqual([]);
  });

  /** Holds ACCESS EXCLUSIVE locks on `tables` from another connection until `release()`. */
  async function lockTables(...tables: string[]): Promise<{ release(): Promise<void> }> {
    const locker = await Admin.open(SERVER_URL!);
    await locker.query("BEGIN");
    await locker.query(`LOCK TABLE ${tables.map((t) => `"${schema}".${t}`).join(", ")} IN ACCESS EXCLUSIVE MODE`);
    return {
      async release() {
        await locker.query("ROLLBACK");
        await locker.close();
      },
    };
  }

  describe("a backend killed in the middle of a use case", () => {
    it("a long import through the facade killed midway: STORAGE_FAILURE (connection_lost), nothing written, the next use case succeeds", async () => {
      let killed = false;
      let inserts = 0;
      // The import writes its 300 new rows in multi-row inserts of 100: killed before the second one.
      const { storage } = hookedStorage(async ({ text, pid }) => {
        if (!killed && /^WITH inserted AS \(INSERT INTO \S+\.organizations /.test(text) && ++inserts === 2) {
          killed = true;
          await admin.terminate(pid);
        }
      });
      const kit = createOrgKit({ storage });
      const rows = Array.from({ length: 300 }, (_, i) => ({ externalId: `killed-${i}`, name: `Killed import ${i}` }));
      const eventsBefore = await count("events");

      const error = await expectOrgKitError(kit.organizations.import(SYSTEM_ACTOR, rows), "STORAGE_FAILURE", "connection_lost");
      expect(killed).toBe(true);
      expect(error.details["commitUnknown"]).toBe(false);
      expect(await count("organizations WHERE external_id LIKE 'killed-%'")).toBe(0);
      expect(await count("events")).toBe(eventsBefore);

      const next = await kit.organizations.import(SYSTEM_ACTOR, rows.slice(0, 5));
      expect(next.created).toBe(5);
      expect(await count("organizations WHERE external_id LIKE 'killed-%'")).toBe(5);
    });

    it("a host storage.transaction killed between two statements: STORAGE_FAILURE (connection_lost), nothing written, the next transaction succeeds", async () => {
      let killed = false;
      const { storage } = hookedStorage(async ({ index, pid }) => {
        if (!killed && index === 6) {
          killed = true;
          await admin.terminate(pid);
        }
      });
      const run = storage.transaction(async (session) => {
        for (let i = 0; i < 20; i++) await session.organizations.insert(buildOrganization({ id: `between-${i}`, name: `Between ${i}` }));
      });
      const error = await expectOrgKitError(run, "STORAGE_FAILURE", "connection_lost");
      expect(killed).toBe(true);
      expect(error.details["commitUnknown"]).toBe(false);
      expect(error.details["sqlState"]).toBe("57P01");
      expect(await count("organizations WHERE id LIKE 'between-%'")).toBe(0);

      await storage.transaction((session) => session.organizations.insert(buildOrganization({ id: "between-after", name: "Between after" })));
      expect(await count("organizations WHERE id LIKE 'between-%'")).toBe(1);
    });

    it("a host storage.transaction killed while its statement runs (waiting on a lock): STORAGE_FAILURE (connection_lost), nothing written, the next transaction succeeds", async () => {
      const lock = await lockTables("users", "user_identities");
      let reportPid!: (pid: number) => void;
      const blockedPid = new Promise<number>((resolve) => (reportPid = resolve));
      const { storage } = hookedStorage(({ pid }) => reportPid(pid));
      const run = expectOrgKitError(
        storage.transaction(async (session) => {
          await session.organizations.insert(buildOrganization({ id: "running-org", name: "Running" }));
          await session.users.insert(buildUser({ id: "running-user" }));
        }),
        "STORAGE_FAILURE",
        "connection_lost"
      );
      const pid = await blockedPid;
      await admin.until(pid, "wait_event_type = 'Lock'");
      await admin.terminate(pid);
      await lock.release();

      const error = await run;
      expect(error.details["commitUnknown"]).toBe(false);
      expect(await count("organizations WHERE id = 'running-org'")).toBe(0);
      expect(await count("users WHERE id = 'running-user'")).toBe(0);

      await storage.transaction((session) => session.users.insert(buildUser({ id: "running-after" })));
      expect(await count("users WHERE id = 'running-after'")).toBe(1);
    });

    it("a connection lost during COMMIT: STORAGE_FAILURE (connection_lost) with commitUnknown, and the next transaction succeeds", async () => {
      let watcher: Promise<void> | undefined;
      const { storage } = hookedStorage(({ text, pid }) => {
        // Kill the backend once it is inside COMMIT (running the slow deferred trigger).
        if (text === "COMMIT") watcher ??= admin.until(pid, "query = 'COMMIT' AND wait_event = 'PgSleep'").then(() => admin.terminate(pid));
      });
      const error = await expectOrgKitError(
        storage.transaction((session) => session.organizations.insert(buildOrganization({ id: "slow-commit", name: "Slow commit 1" }))),
        "STORAGE_FAILURE",
        "connection_lost"
      );
      await watcher;
      expect(error.details["commitUnknown"]).toBe(true);
      // The server had not finished the commit: nothing is there. The caller could not know.
      expect(await count("organizations WHERE id = 'slow-commit'")).toBe(0);

      await storage.transaction((session) => session.organizations.insert(buildOrganization({ id: "after-commit-loss", name: "After commit loss" })));
      expect(await count("organizations WHERE id = 'after-commit-loss'")).toBe(1);
    });
  });

  describe("an idle pooled connection killed while idle", () => {
    it("an idle pooled connection killed while idle: the host's pool 'error' listener gets it, the next use case succeeds", async () => {
      const seen: Error[] = [];
      const idlePool = newPool({ max: 1 }, (error) => seen.push(error));
      const storage = postgresStorage({ client: idlePool, schema });
      await storage.transaction((session) => session.organizations.insert(buildOrganization({ id: "idle-1", name: "Idle 1" })));
      const pid = ((await idlePool.query("SELECT pg_backend_pid() AS pid")).rows[0] as { pid: number }).pid;

      await admin.terminate(pid);
      await vi.waitFor(() => expect(seen).toHaveLength(1));
      expect((seen[0] as Error & { code?: string }).code).toBe("57P01");

      await storage.transaction((session) => session.organizations.insert(buildOrganization({ id: "idle-2", name: "Idle 2" })));
      expect(await count("organizations WHERE id IN ('idle-1', 'idle-2')")).toBe(2);
    });

    it("a pooled connection that died while idle and is found dead at BEGIN: retried on a fresh connection (STORAGE_FAILURE connection_lost with maxRetries 0)", async () => {
      // The kill lands after checkout and before BEGIN: the pool could not notice it.
      const killAtBegin = (): BeforeStatement => {
        let killed = false;
        return async ({ index, pid }) => {
          if (!killed && index === 0) {
            killed = true;
            await admin.terminate(pid);
          }
        };
      };
      const insert = (id: string) => (session: PostgresStorageSession) => session.organizations.insert(buildOrganization({ id, name: id }));

      const strict = hookedStorage(killAtBegin(), { maxRetries: 0 });
      const error = await expectOrgKitError(strict.storage.transaction(insert("dead-at-begin-0")), "STORAGE_FAILURE", "connection_lost");
      expect(error.details["commitUnknown"]).toBe(false);
      expect(await count("organizations WHERE id = 'dead-at-begin-0'")).toBe(0);
      await strict.storage.transaction(insert("dead-at-begin-0"));

      const retrying = hookedStorage(killAtBegin());
      await retrying.storage.transaction(insert("dead-at-begin-1"));
      expect(retrying.client.pids).toHaveLength(2);
      expect(await count("organizations WHERE id LIKE 'dead-at-begin-%'")).toBe(2);
    });
  });

  describe("timeouts", () => {
    it("a statement timeout: STORAGE_TIMEOUT (statement_timeout), rolled back, the connection kept, the next transaction succeeds", async () => {
      const timed = postgresStorage({ client: newPool({ statement_timeout: 200, max: 1 }), schema });
      const lock = await lockTables("users", "user_identities");
      try {
        const error = await expectOrgKitError(
          timed.transaction(async (session) => {
            await session.organizations.insert(buildOrganization({ id: "timed-org", name: "Timed" }));
            await session.users.insert(buildUser({ id: "timed-user" }));
          }),
          "STORAGE_TIMEOUT",
          "statement_timeout"
        );
        expect(error.details["sqlState"]).toBe("57014");
        expect(error.details["commitUnknown"]).toBe(false);
      } finally {
        await lock.release();
      }
      expect(await count("organizations WHERE id = 'timed-org'")).toBe(0);
      await timed.transaction((session) => session.users.insert(buildUser({ id: "timed-after" })));
      expect(await count("users WHERE id = 'timed-after'")).toBe(1);
    });

    it("a lock timeout: STORAGE_TIMEOUT (lock_timeout), rolled back, the next transaction succeeds", async () => {
      const timed = postgresStorage({ client: newPool({ lock_timeout: 200, max: 1 }), schema });
      const lock = await lockTables("users", "user_identities");
      try {
        const error = await expectOrgKitError(
          timed.transaction(async (session) => {
            await session.organizations.insert(buildOrganization({ id: "locked-org", name: "Locked" }));
            await session.users.insert(buildUser({ id: "locked-user" }));
          }),
          "STORAGE_TIMEOUT",
          "lock_timeout"
        );
        expect(error.details["sqlState"]).toBe("55P03");
      } finally {
        await lock.release();
      }
      expect(await count("organizations WHERE id = 'locked-org'")).toBe(0);
      await timed.transaction((session) => session.users.insert(buildUser({ id: "locked-after" })));
      expect(await count("users WHERE id = 'locked-after'")).toBe(1);
    });

    it("an idle-in-transaction timeout (the server closes the connection): STORAGE_TIMEOUT (idle_in_transaction_timeout), nothing written, the next transaction succeeds", async () => {
      const timed = postgresStorage({ client: newPool({ idle_in_transaction_session_timeout: 200, max: 1 }), schema });
      const error = await expectOrgKitError(
        timed.transaction(async (session) => {
          await session.organizations.insert(buildOrganization({ id: "idle-tx-org", name: "Idle transaction" }));
          await new Promise((resolve) => setTimeout(resolve, 600));
          await session.organizations.insert(buildOrganization({ id: "idle-tx-org-2", name: "Idle transaction 2" }));
        }),
        "STORAGE_TIMEOUT",
        "idle_in_transaction_timeout"
      );
      expect(error.details["sqlState"]).toBe("25P03");
      expect(await count("organizations WHERE id LIKE 'idle-tx-org%'")).toBe(0);
      await timed.transaction((session) => session.organizations.insert(buildOrganization({ id: "idle-tx-after", name: "Idle transaction after" })));
      expect(await count("organizations WHERE id = 'idle-tx-after'")).toBe(1);
    });
  });

  it("a serialization failure past the retry budget: CONFLICT (serialization) after maxRetries + 1 attempts, the loser wrote nothing", async () => {
    const strict = postgresStorage({ client: newPool(), schema, maxRetries: 0 });
    await strict.organizations.insertMany([buildOrganization({ id: "skew-a", name: "Skew A" }), buildOrganization({ id: "skew-b", name: "Skew B" })]);
    const barrier = new Barrier(2);
    // Write skew: each reads both rows, then updates the other one.
    const write = (read: string, written: string) =>
      strict.transaction(async (session) => {
        const [a, b] = await session.organizations.getMany(["skew-a", "skew-b"]);
        await barrier.arrive();
        const target = written === "skew-a" ? a! : b!;
        await session.organizations.update({ ...target, summary: `written by ${read}`, version: target.version + 1 }, target.version);
      });
    const results = await Promise.all([outcome(() => write("a", "skew-b")), outcome(() => write("b", "skew-a"))]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.find((r) => !r.ok)).toEqual({ ok: false, code: "CONFLICT", reason: "serialization" });
    expect(await count("organizations WHERE id IN ('skew-a', 'skew-b') AND version = 2")).toBe(1);
  });

  it("the adapter's error listener lives only while it holds the connection: one pooled connection used by 20 transactions carries none of them", async () => {
    const single = newPool({ max: 1 });
    const storage = postgresStorage({ client: single, schema });
    for (let i = 0; i < 20; i++) await storage.transaction((session) => session.organizations.get("skew-a"));
    const connection = await single.connect();
    try {
      // pg-pool removes its own idle listener on checkout: anything left would be ours.
      expect(connection.listenerCount("error")).toBe(0);
    } finally {
      connection.release();
    }
  });

  it("overlapping reads on a transaction's session: no overlapping queries on its connection (pg's DeprecationWarning)", async () => {
    const storage = postgresStorage({ client: pool, schema });
    const found = await storage.transaction((session) =>
      Promise.all([session.organizations.get("skew-a"), session.users.get("nobody"), session.organizations.getMany(["skew-b"]), session.events.lastSequence()])
    );
    expect(found[0]?.id).toBe("skew-a");
    // The facade's policy() reads its whole snapshot in one transaction.
    const kit = createOrgKit({ storage });
    const policy = await kit.policy();
    expect(policy).toBeDefined();
  });
});
