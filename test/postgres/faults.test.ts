/**
 * PostgreSQL faults become documented errors, never crashes: the error mapping for
 * timeouts, lost connections and commit outcomes, and what a transaction does with its
 * connection when it fails — on a scripted pool (faults on demand) and on PGlite
 * (injected driver errors; PGlite runs no timers, so it cannot time out by itself). The
 * same faults on a real server: `faults.server.test.ts`.
 */
import { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { migrate, postgresStorage, type PostgresStorageSession } from "../../src/adapters/postgres/index.js";
import { toOrgKitError } from "../../src/adapters/postgres/errors.js";
import type { OrgKitError } from "../../src/errors.js";
import { buildOrganization } from "../../src/testing/builders.js";
import { expectOrgKitError } from "../../src/testing/conformance/assertions.js";
import { useTestApi } from "../../src/testing/conformance/test-api.js";
import { fakePool, FakeConnection, nextTurn } from "./fake-pool.js";
import { driverError, hookedPglite } from "./fault-injection.js";
import { randomSchema } from "./targets.js";

/** An error's details as a plain record: the mapped errors span several codes. */
const detailsOf = (error: OrgKitError): Readonly<Record<string, unknown>> => ({ ...error.details });

// expectOrgKitError asserts with the runner it is given.
useTestApi({ describe, it, beforeEach, expect });

/** An error like Node's socket errors (a string `code` that is not a SQLSTATE). */
function socketError(code: string): Error {
  return Object.assign(new Error(`read ${code}`), { code, errno: -104, syscall: "read" });
}

describe("error mapping", () => {
  const cases: [string, unknown, string, string | undefined][] = [
    ["57014 statement timeout", driverError("57014", "canceling statement due to statement timeout"), "STORAGE_TIMEOUT", "statement_timeout"],
    ["57014 cancel request", driverError("57014", "canceling statement due to user request"), "STORAGE_TIMEOUT", "canceled"],
    ["55P03 lock timeout", driverError("55P03", "canceling statement due to lock timeout"), "STORAGE_TIMEOUT", "lock_timeout"],
    ["25P03 idle-in-transaction timeout", driverError("25P03", "terminating connection due to idle-in-transaction timeout"), "STORAGE_TIMEOUT", "idle_in_transaction_timeout"],
    ["pg-pool connect timeout", new Error("timeout exceeded when trying to connect"), "STORAGE_TIMEOUT", "connect_timeout"],
    ["pg connect timeout", new Error("Connection terminated due to connection timeout"), "STORAGE_TIMEOUT", "connect_timeout"],
    ["pg query_timeout", new Error("Query read timeout"), "STORAGE_TIMEOUT", "query_timeout"],
    ["08006 connection failure", driverError("08006", "connection failure"), "STORAGE_FAILURE", "connection_lost"],
    ["08003 connection does not exist", driverError("08003", "connection does not exist"), "STORAGE_FAILURE", "connection_lost"],
    ["57P01 admin shutdown", driverError("57P01", "terminating connection due to administrator command"), "STORAGE_FAILURE", "connection_lost"],
    ["57P02 crash shutdown", driverError("57P02", "terminating connection because of crash of another server process"), "STORAGE_FAILURE", "connection_lost"],
    ["57P03 cannot connect now", driverError("57P03", "the database system is starting up"), "STORAGE_FAILURE", "connection_lost"],
    ["Connection terminated unexpectedly", new Error("Connection terminated unexpectedly"), "STORAGE_FAILURE", "connection_lost"],
    ["Connection terminated", new Error("Connection terminated"), "STORAGE_FAILURE", "connection_lost"],
    ["not queryable", new Error("Client has encountered a connection error and is not queryable"), "STORAGE_FAILURE", "connection_lost"],
    ["closed", new Error("Client was closed and is not queryable"), "STORAGE_FAILURE", "connection_lost"],
    ["ECONNRESET", socketError("ECONNRESET"), "STORAGE_FAILURE", "connection_lost"],
    ["EPIPE", socketError("EPIPE"), "STORAGE_FAILURE", "connection_lost"],
    ["ECONNREFUSED", socketError("ECONNREFUSED"), "STORAGE_FAILURE", "connection_lost"],
    ["23505 unique violation", driverError("23505", "duplicate key value"), "CONFLICT", "unique"],
    ["40001 serialization failure", driverError("40001", "could not serialize access"), "CONFLICT", "serialization"],
    ["22P02 anything else", driverError("22P02", "invalid input syntax"), "STORAGE_FAILURE", undefined],
  ];

  it.each(cases)("maps %s", (_, error, code, reason) => {
    const mapped = toOrgKitError(error, "organizations.get");
    expect([mapped.code, detailsOf(mapped)["reason"]]).toEqual([code, reason]);
    expect(mapped.cause).toBe(error);
    expect(detailsOf(mapped)["operation"]).toBe("organizations.get");
  });

  it("says whether a commit's outcome is unknown: only when the connection failed while the statement was in flight", () => {
    const lost = new Error("Connection terminated unexpectedly");
    expect(detailsOf(toOrgKitError(lost, "transaction (commit)", { inDoubt: true }))["commitUnknown"]).toBe(true);
    expect(detailsOf(toOrgKitError(new Error("Query read timeout"), "transaction (commit)", { inDoubt: true }))["commitUnknown"]).toBe(true);
    expect(detailsOf(toOrgKitError(lost, "organizations.get"))["commitUnknown"]).toBe(false);
    // The server answered (it rolled back), or the statement never left: the outcome is known.
    expect(detailsOf(toOrgKitError(driverError("57014", "canceling statement due to statement timeout"), "transaction (commit)", { inDoubt: true }))["commitUnknown"]).toBe(false);
    expect(detailsOf(toOrgKitError(socketError("ECONNREFUSED"), "organizations.insert", { inDoubt: true }))["commitUnknown"]).toBe(false);
    expect(detailsOf(toOrgKitError(new Error("timeout exceeded when trying to connect"), "organizations.insert", { inDoubt: true }))["commitUnknown"]).toBe(false);
  });
});

describe("a connection that fails during a transaction (scripted pool)", () => {
  const read = (id: string) => (session: PostgresStorageSession) => session.organizations.get(id);

  it("a connection dropped between statements: STORAGE_FAILURE (connection_lost), released as broken, its error listener removed", async () => {
    const connection = new FakeConnection();
    const storage = postgresStorage({ client: fakePool(connection) });
    const run = storage.transaction(async (session) => {
      await session.organizations.get("a");
      connection.drop(driverError("57P01", "terminating connection due to administrator command"));
      await nextTurn();
      await session.organizations.get("b");
    });
    const error = await expectOrgKitError(run, "STORAGE_FAILURE", "connection_lost");
    expect(error.details["sqlState"]).toBe("57P01");
    expect(error.details["commitUnknown"]).toBe(false);
    expect(connection.released).toHaveLength(1);
    expect(connection.released[0]).toBeInstanceOf(Error);
    expect(connection.listenerCount("error")).toBe(0);
    expect(connection.log.filter((s) => s === "COMMIT" || s === "ROLLBACK")).toEqual([]);
  });

  it("a connection dropped after the last statement: COMMIT is not sent and the outcome is known (commitUnknown false)", async () => {
    const connection = new FakeConnection();
    const run = postgresStorage({ client: fakePool(connection) }).transaction(async (session) => {
      await session.organizations.get("a");
      connection.drop(new Error("Connection terminated unexpectedly"));
      await nextTurn();
    });
    const error = await expectOrgKitError(run, "STORAGE_FAILURE", "connection_lost");
    expect(error.details["commitUnknown"]).toBe(false);
    expect(connection.log).not.toContain("COMMIT");
    expect(connection.released[0]).toBeInstanceOf(Error);
  });

  it("a connection lost during COMMIT: STORAGE_FAILURE (connection_lost) with commitUnknown true, released as broken", async () => {
    const connection = new FakeConnection((text) => (text === "COMMIT" ? new Error("Connection terminated unexpectedly") : undefined));
    const error = await expectOrgKitError(postgresStorage({ client: fakePool(connection) }).transaction(read("a")), "STORAGE_FAILURE", "connection_lost");
    expect(error.details["commitUnknown"]).toBe(true);
    expect(error.details["operation"]).toBe("transaction (commit)");
    expect(connection.log).not.toContain("ROLLBACK");
    expect(connection.released[0]).toBeInstanceOf(Error);
    expect(connection.listenerCount("error")).toBe(0);
  });

  it("a connection found dead at BEGIN is discarded and the transaction runs on the next one (within maxRetries)", async () => {
    const dead = new FakeConnection((text) => (text.startsWith("BEGIN") ? new Error("Connection terminated unexpectedly") : undefined));
    const healthy = new FakeConnection();
    const result = await postgresStorage({ client: fakePool(dead, healthy) }).transaction(async (session) => {
      await session.organizations.get("a");
      return "done";
    });
    expect(result).toBe("done");
    expect(dead.released[0]).toBeInstanceOf(Error);
    expect(healthy.log[0]).toMatch(/^BEGIN/);
    expect(healthy.log.at(-1)).toBe("COMMIT");
    expect(healthy.released).toEqual([undefined]);

    const deadAgain = new FakeConnection((text) => (text.startsWith("BEGIN") ? new Error("Connection terminated unexpectedly") : undefined));
    const error = await expectOrgKitError(postgresStorage({ client: fakePool(deadAgain), maxRetries: 0 }).transaction(read("a")), "STORAGE_FAILURE", "connection_lost");
    expect(error.details["commitUnknown"]).toBe(false);
  });

  it("a timeout is rolled back and the connection kept: STORAGE_TIMEOUT, ROLLBACK sent, released as healthy", async () => {
    const connection = new FakeConnection((text) => (text.startsWith("SELECT") ? driverError("57014", "canceling statement due to statement timeout") : undefined));
    const error = await expectOrgKitError(postgresStorage({ client: fakePool(connection) }).transaction(read("a")), "STORAGE_TIMEOUT", "statement_timeout");
    expect(error.details["commitUnknown"]).toBe(false);
    expect(connection.log.at(-1)).toBe("ROLLBACK");
    expect(connection.released).toEqual([undefined]);
  });

  it("a connect() failure: STORAGE_FAILURE (connection_lost) or STORAGE_TIMEOUT (connect_timeout), never retried", async () => {
    let calls = 0;
    const refusing = {
      query: async () => ({ rows: [] }),
      connect: async (): Promise<never> => {
        calls += 1;
        throw socketError("ECONNREFUSED");
      },
    };
    await expectOrgKitError(postgresStorage({ client: refusing }).transaction(async () => 1), "STORAGE_FAILURE", "connection_lost");
    expect(calls).toBe(1);
    const exhausted = { ...refusing, connect: async (): Promise<never> => Promise.reject(new Error("timeout exceeded when trying to connect")) };
    await expectOrgKitError(postgresStorage({ client: exhausted }).transaction(async () => 1), "STORAGE_TIMEOUT", "connect_timeout");
  });

  it("a lost connection or a timeout wins over the error the callback turned it into", async () => {
    class Translated extends Error {}
    const connection = new FakeConnection((text) => (text.startsWith("SELECT") ? new Error("Connection terminated unexpectedly") : undefined));
    const run = postgresStorage({ client: fakePool(connection) }).transaction(async (session) => {
      try {
        await session.organizations.get("a");
      } catch {
        throw new Translated("the caller's own error");
      }
    });
    await expectOrgKitError(run, "STORAGE_FAILURE", "connection_lost");
  });

  it("a session used after its transaction ended is refused (STORAGE_FAILURE, transaction_ended), never run on a connection back in the pool", async () => {
    const connection = new FakeConnection();
    let leaked: PostgresStorageSession | undefined;
    await postgresStorage({ client: fakePool(connection) }).transaction(async (session) => {
      leaked = session;
    });
    const sent = connection.log.length;
    await expectOrgKitError(leaked!.organizations.get("a"), "STORAGE_FAILURE", "transaction_ended");
    expect(connection.log).toHaveLength(sent);
  });
});

describe("timeouts on PGlite (injected driver errors)", () => {
  let db: PGlite;
  const schema = randomSchema();

  beforeAll(async () => {
    db = await PGlite.create();
    await migrate(db, { schema });
  });
  afterAll(async () => {
    await db?.close();
  });

  async function count(where: string): Promise<number> {
    return ((await db.query(`SELECT count(*)::int AS n FROM "${schema}".organizations WHERE ${where}`)).rows[0] as { n: number }).n;
  }

  for (const [state, message, reason] of [
    ["57014", "canceling statement due to statement timeout", "statement_timeout"],
    ["55P03", "canceling statement due to lock timeout", "lock_timeout"],
  ] as const) {
    it(`a ${reason.replace("_", " ")} inside storage.transaction: STORAGE_TIMEOUT (${reason}), rolled back, the next transaction succeeds`, async () => {
      let armed = true;
      const client = hookedPglite(db, ({ index }) => {
        // 0 is SET TRANSACTION, 1 the first insert, 2 the second.
        if (armed && index === 2) {
          armed = false;
          throw driverError(state, message);
        }
      });
      const storage = postgresStorage({ client, schema });
      const error = await expectOrgKitError(
        storage.transaction(async (session) => {
          await session.organizations.insert(buildOrganization({ id: `${reason}-1`, name: `${reason} 1` }));
          await session.organizations.insert(buildOrganization({ id: `${reason}-2`, name: `${reason} 2` }));
        }),
        "STORAGE_TIMEOUT",
        reason
      );
      expect(error.details["sqlState"]).toBe(state);
      expect(error.details["commitUnknown"]).toBe(false);
      expect(await count(`id LIKE '${reason}-%'`)).toBe(0);

      await storage.transaction((session) => session.organizations.insert(buildOrganization({ id: `${reason}-after`, name: `${reason} after` })));
      expect(await count(`id = '${reason}-after'`)).toBe(1);
    });
  }

  it("a savepoint does not forget a timeout: the transaction still ends with STORAGE_TIMEOUT, nothing written", async () => {
    let armed = true;
    // 0 is SET TRANSACTION, 1 the first insert, 2 SAVEPOINT, 3 the insert inside it.
    const client = hookedPglite(db, ({ index }) => {
      if (armed && index === 3) {
        armed = false;
        throw driverError("57014", "canceling statement due to statement timeout");
      }
    });
    const storage = postgresStorage({ client, schema });
    await expectOrgKitError(
      storage.transaction(async (session) => {
        await session.organizations.insert(buildOrganization({ id: "sp-timeout-1", name: "Savepoint timeout 1" }));
        // The caller catches the savepoint's failure, as a per-row import does for a row's.
        await session.savepoint!(() => session.organizations.insert(buildOrganization({ id: "sp-timeout-2", name: "Savepoint timeout 2" }))).catch(() => undefined);
      }),
      "STORAGE_TIMEOUT",
      "statement_timeout"
    );
    expect(await count(`id LIKE 'sp-timeout-%'`)).toBe(0);
  });

  it("a savepoint does not forget a serialization failure: the whole transaction is retried", async () => {
    let armed = true;
    let attempts = 0;
    const client = hookedPglite(db, ({ index }) => {
      if (index === 0) attempts++;
      if (armed && index === 3) {
        armed = false;
        throw driverError("40001", "could not serialize access due to read/write dependencies among transactions");
      }
    });
    const storage = postgresStorage({ client, schema });
    await storage.transaction(async (session) => {
      await session.organizations.insert(buildOrganization({ id: "sp-retry-1", name: "Savepoint retry 1" }));
      await session.savepoint!(() => session.organizations.insert(buildOrganization({ id: "sp-retry-2", name: "Savepoint retry 2" }))).catch(() => undefined);
    });
    expect(attempts).toBe(2);
    expect(await count(`id LIKE 'sp-retry-%'`)).toBe(2);
  });
});
