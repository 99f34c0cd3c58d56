/**
 * One statement at a time on one connection. A connection runs one statement at a time:
 * `pg` queues a second `query()` with a DeprecationWarning (pg 9 refuses it), and the
 * two can interleave with BEGIN/COMMIT. The transaction executor queues its statements,
 * whatever its caller does, and the snapshot reader reads one thing at a time.
 */
import { describe, expect, it } from "vitest";
import { postgresStorage } from "../../src/adapters/postgres/index.js";
import { runTransaction } from "../../src/adapters/postgres/executor.js";
import { readFullSnapshot } from "../../src/service/snapshot.js";
import type { StorageSession } from "../../src/storage/ports.js";
import { fakePool, FakeConnection } from "./fake-pool.js";

describe("statements on one connection never overlap", () => {
  it("runTransaction with Promise.all inside: the statements run one after another, then COMMIT", async () => {
    const connection = new FakeConnection();
    const results = await runTransaction(fakePool(connection), { isolation: "SERIALIZABLE", maxRetries: 0 }, "test", (executor) =>
      Promise.all([1, 2, 3, 4].map((n) => executor.rows("test.select", `SELECT ${n}`)))
    );
    expect(results).toEqual([[], [], [], []]);
    expect(connection.overlaps).toEqual([]);
    expect(connection.log).toEqual(["BEGIN ISOLATION LEVEL SERIALIZABLE", "SELECT 1", "SELECT 2", "SELECT 3", "SELECT 4", "COMMIT"]);
  });

  it("a session's reads started together inside storage.transaction do not overlap", async () => {
    const connection = new FakeConnection();
    await postgresStorage({ client: fakePool(connection) }).transaction((session) =>
      Promise.all([session.organizations.get("a"), session.users.get("b"), session.organizations.getMany(["c", "d"])])
    );
    expect(connection.overlaps).toEqual([]);
    expect(connection.log.at(-1)).toBe("COMMIT");
  });

  it("a statement the callback did not await finishes before COMMIT", async () => {
    const connection = new FakeConnection();
    await postgresStorage({ client: fakePool(connection) }).transaction(async (session) => {
      void session.organizations.get("a");
    });
    expect(connection.overlaps).toEqual([]);
    expect(connection.log).toHaveLength(3);
    expect(connection.log.at(-1)).toBe("COMMIT");
  });
});

describe("readFullSnapshot", () => {
  it("reads one thing at a time (its session may be a transaction on one connection)", async () => {
    let active = 0;
    let mostActive = 0;
    const read = <T>(value: T) => async (): Promise<T> => {
      active += 1;
      mostActive = Math.max(mostActive, active);
      await new Promise((resolve) => setTimeout(resolve, 2));
      active -= 1;
      return value;
    };
    const session = {
      events: { lastSequence: read(7) },
      organizations: { scan: read([]) },
      users: { scan: read([]) },
      memberships: { scan: read([]) },
      resources: { scan: read([]) },
      usergroups: { list: read([]) },
      profiles: { list: read([]) },
    } as unknown as StorageSession;
    const snapshot = await readFullSnapshot(session, ["open"]);
    expect(snapshot.version).toBe(7);
    expect(mostActive).toBe(1);
  });
});
