/**
 * Issue 12 on the PostgreSQL server: kits on separate pools over one database. The two
 * defects the issue names, each as a test:
 * - a call that joined a policy rebuild already in flight was answered from a snapshot
 *   older than a revocation that committed before the call;
 * - with `orderedEvents: false` a revoke whose event committed after a later-numbered one
 *   was never noticed;
 * and every kind of revoke reaching a second kit, with and without a consistency token.
 * Runs only when ORGKIT_PG_URL is set.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOrgKit, SYSTEM_ACTOR, type OrgKit } from "../../src/index.js";
import { migrate, postgresStorage } from "../../src/adapters/postgres/index.js";
import { changeChannel } from "../../src/adapters/postgres/sql.js";
import { randomSchema, SERVER_URL } from "../postgres/targets.js";
import type { Storage, StorageSession } from "../../src/storage/index.js";

const system = SYSTEM_ACTOR;

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `storage` whose transactions can be held: `pauseScan` stops the next snapshot read at `users.scan`; `holdCommit` stops the next write just before COMMIT. */
function controllable(storage: Storage) {
  const control = {
    pauseScan: null as null | { reached: () => void; release: Promise<void> },
    holdCommit: null as null | { reached: () => void; release: Promise<void> },
  };
  const session = (inner: StorageSession): StorageSession =>
    new Proxy(inner, {
      get(target, key) {
        const value = Reflect.get(target, key, target);
        if (key !== "users") return value;
        return new Proxy(value as object, {
          get(users, method) {
            const fn = Reflect.get(users, method, users);
            if (method !== "scan" || control.pauseScan === null) return typeof fn === "function" ? fn.bind(users) : fn;
            const pause = control.pauseScan;
            control.pauseScan = null;
            return async (...args: unknown[]) => {
              pause.reached();
              await pause.release;
              return (fn as (...a: unknown[]) => unknown).apply(users, args);
            };
          },
        });
      },
    });
  const wrapped = new Proxy(storage, {
    get(target, key) {
      if (key !== "transaction") {
        const value = Reflect.get(target, key, target);
        return typeof value === "function" ? value.bind(target) : value;
      }
      return <T>(fn: (s: StorageSession) => Promise<T>) =>
        target.transaction(async (inner) => {
          const value = await fn(session(inner));
          const hold = control.holdCommit;
          if (hold !== null) {
            control.holdCommit = null;
            hold.reached();
            await hold.release;
          }
          return value;
        });
    },
  });
  return { storage: wrapped as Storage, control };
}

describe.skipIf(!SERVER_URL)("live policy across instances (server)", () => {
  const pools: pg.Pool[] = [];
  const schemas: string[] = [];
  const pool = () => {
    const p = new pg.Pool({ connectionString: SERVER_URL, max: 4 });
    pools.push(p);
    return p;
  };
  let admin: pg.Pool;
  beforeAll(() => {
    admin = pool();
  });
  afterAll(async () => {
    for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await Promise.all(pools.map((p) => p.end()));
  });

  /** A fresh schema with a member u1 of o1 (linked to usergroup g: "portal.use") and an agent a1 reading "service" organizations. */
  async function world(options: { orderedEvents?: boolean } = {}) {
    const schema = randomSchema("orgkit_live");
    schemas.push(schema);
    await migrate(admin, { schema });
    const storage = () => postgresStorage({ client: pool(), schema, ...options });
    const writer = createOrgKit({ storage: storage() });
    await writer.usergroups.create(system, { id: "g", name: "Portal", permissions: ["portal.use"] });
    await writer.profiles.create(system, { id: "p", name: "Agents", organizations: { service: ["read"] } });
    await writer.organizations.create(system, { id: "o1", name: "One", states: ["service"], usergroupIds: ["g"] });
    await writer.users.upsert(system, { id: "u1" });
    await writer.users.upsert(system, { id: "a1", kind: "agent", profileId: "p" });
    await writer.memberships.add(system, { userId: "u1", organizationId: "o1" });
    return { writer, storage };
  }

  it("a call that joins a policy rebuild already in flight answers from a state that includes a revocation committed before the call", async () => {
    const { writer, storage } = await world();
    const { storage: gatedStorage, control } = controllable(storage());
    const reader = createOrgKit({ storage: gatedStorage });
    const reached = deferred();
    const release = deferred();
    control.pauseScan = { reached: reached.resolve, release: release.promise };
    const first = reader.can("u1", "portal.use"); // a rebuild starts and stops mid-snapshot (it still sees the membership)
    await reached.promise;
    await writer.memberships.remove(system, "u1", "o1"); // committed before the next call
    const second = reader.can("u1", "portal.use");
    await sleep(50);
    release.resolve();
    expect(await second).toBe(false);
    await first;
    expect(await reader.can("u1", "portal.use")).toBe(false);
  });

  it("with orderedEvents: false, a revoke that commits after a later-numbered write is noticed", async () => {
    const { writer, storage } = await world({ orderedEvents: false });
    const { storage: heldStorage, control } = controllable(storage());
    const slowWriter = createOrgKit({ storage: heldStorage });
    const reader = createOrgKit({ storage: storage() });
    expect(await reader.can("u1", "portal.use")).toBe(true);
    const reached = deferred();
    const release = deferred();
    control.holdCommit = { reached: reached.resolve, release: release.promise };
    const revoke = slowWriter.memberships.remove(system, "u1", "o1"); // numbered first, held before COMMIT
    await reached.promise;
    const later = writer.usergroups.create(system, { id: "g2", name: "Two", permissions: [] }); // numbered after it (and in no conflict with the revoke, so neither is retried)
    await Promise.race([later, sleep(500)]);
    await reader.policy(); // the reader catches up with whatever committed so far
    release.resolve();
    await revoke;
    await later;
    expect(await reader.can("u1", "portal.use")).toBe(false);
  });

  it("every kind of revoke reaches a second kit: with the writer's revision as token, and without it once committed", async () => {
    const { writer, storage } = await world();
    const reader = createOrgKit({ storage: storage() });
    const other = createOrgKit({ storage: storage() });
    expect(await reader.can("u1", "portal.use")).toBe(true);
    expect((await other.policy()).canOnOrganization("a1", "read", "o1")).toBe(true);
    const steps: [string, () => Promise<unknown>, (k: OrgKit, atLeast?: number) => Promise<boolean>][] = [
      ["usergroup unlinked", () => writer.usergroups.unlinkOrganization(system, "o1", "g"), (k, atLeast) => k.can("u1", "portal.use", { atLeast })],
      ["membership removed", async () => {
        await writer.usergroups.linkOrganization(system, "o1", "g");
        expect(await reader.can("u1", "portal.use", { atLeast: writer.revision() })).toBe(true);
        return writer.memberships.remove(system, "u1", "o1");
      }, (k, atLeast) => k.can("u1", "portal.use", { atLeast })],
      ["organization discontinued", async () => {
        await writer.memberships.add(system, { userId: "u1", organizationId: "o1" });
        expect(await reader.can("u1", "portal.use", { atLeast: writer.revision() })).toBe(true);
        return writer.organizations.discontinue(system, "o1");
      }, (k, atLeast) => k.can("u1", "portal.use", { atLeast })],
      ["profile cell cleared", async () => {
        await writer.organizations.reactivate(system, "o1");
        return writer.profiles.update(system, "p", { organizations: {} });
      }, async (k, atLeast) => (await k.policy({ atLeast })).canOnOrganization("a1", "read", "o1")],
    ];
    for (const [name, revoke, check] of steps) {
      await revoke();
      const token = writer.revision();
      expect(await check(reader, token), `${name}, with the token`).toBe(false);
      expect(await check(other), `${name}, without a token`).toBe(false);
      expect((await reader.policy()).version).toBeGreaterThanOrEqual(token);
    }
  });

  it("a connection lost before COMMIT leaves nothing of the transaction in the feed", async () => {
    const { writer } = await world();
    const schema = schemas[schemas.length - 1]!;
    const victim = new pg.Pool({ connectionString: SERVER_URL, max: 1, application_name: "orgkit_live_victim" });
    pools.push(victim);
    victim.on("error", () => undefined); // the terminated idle client reports here
    const { storage: heldStorage, control } = controllable(postgresStorage({ client: victim, schema }));
    const doomed = createOrgKit({ storage: heldStorage });
    const before = await writer.changes.latest();
    const reached = deferred();
    const release = deferred();
    control.holdCommit = { reached: reached.resolve, release: release.promise };
    const revoke = doomed.memberships.remove(system, "u1", "o1");
    await reached.promise;
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'orgkit_live_victim'`);
    release.resolve();
    await expect(revoke).rejects.toMatchObject({ code: "STORAGE_FAILURE" });
    expect(await writer.changes.latest()).toBe(before);
    expect((await writer.changes.since(before)).entries).toEqual([]);
    expect(await writer.can("u1", "portal.use")).toBe(true);
    expect(await writer.memberships.get(system, "u1", "o1")).not.toBeNull();
  });

  it("a listener whose connection is lost stops vouching for freshness, falls back to a query per call, and comes back", async () => {
    const { writer } = await world();
    const schema = schemas[schemas.length - 1]!;
    const readerPool = new pg.Pool({ connectionString: SERVER_URL, max: 3, application_name: "orgkit_live_listener" });
    pools.push(readerPool);
    readerPool.on("error", () => undefined);
    const reader = createOrgKit({ storage: postgresStorage({ client: readerPool, schema }), config: { maxStalenessMs: 60_000 } });
    const listener = await reader.changes.listen();
    expect(listener.active).toBe(true);
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'orgkit_live_listener' AND query LIKE 'LISTEN%'`);
    for (let i = 0; i < 100 && listener.active; i++) await sleep(10);
    expect(listener.active).toBe(false);
    // Not listening: a revoke is seen by the very next call (one query), not after the staleness bound.
    await writer.memberships.remove(system, "u1", "o1");
    expect(await reader.can("u1", "portal.use")).toBe(false);
    for (let i = 0; i < 300 && !listener.active; i++) await sleep(10);
    expect(listener.active).toBe(true);
    await writer.memberships.add(system, { userId: "u1", organizationId: "o1" });
    for (let i = 0; i < 300 && !(await reader.can("u1", "portal.use")); i++) await sleep(10);
    expect(await reader.can("u1", "portal.use")).toBe(true);
    await listener.close();
  });

  it("a stray announcement ahead of the feed (anyone may NOTIFY the channel) does not break calls", async () => {
    const { writer } = await world();
    const schema = schemas[schemas.length - 1]!;
    const reader = createOrgKit({ storage: postgresStorage({ client: pool(), schema }), config: { maxStalenessMs: 60_000 } });
    const listener = await reader.changes.listen();
    await admin.query(`SELECT pg_notify($1, '999999')`, [changeChannel(schema)]);
    await sleep(100);
    expect(await reader.can("u1", "portal.use")).toBe(true);
    await writer.memberships.remove(system, "u1", "o1");
    expect(await reader.can("u1", "portal.use", { atLeast: writer.revision() })).toBe(false);
    await expect(reader.policy({ atLeast: 999_999 })).rejects.toMatchObject({ code: "VALIDATION_FAILED" });
    await listener.close();
  });

  it("a token ahead of everything committed is refused, not waited for", async () => {
    const { writer } = await world();
    await expect(writer.policy({ atLeast: writer.revision() + 1000 })).rejects.toMatchObject({ code: "VALIDATION_FAILED" });
  });
});
