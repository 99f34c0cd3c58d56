/**
 * Fuzzing every use case of the facade and every repository method of the storage
 * adapters, on memory and on PostgreSQL (PGlite here; the server too when
 * ORGKIT_PG_URL is set), with hostile values: wrong types, strings no storage should
 * take, ids padded with white space, throwing getters, revoked proxies, cyclic objects.
 * Only `OrgKitError` may be thrown, and after every failure the stored data is
 * unchanged, byte for byte (on PostgreSQL read straight from the tables, not through
 * the adapter).
 */
import { PGlite } from "@electric-sql/pglite";
import fc from "fast-check";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOrgKit, isOrgKitError, SYSTEM_ACTOR, type OrgKit } from "../../src/index.js";
import { memoryStorage } from "../../src/adapters/memory/index.js";
import { migrate, postgresStorage, type PostgresQueryable } from "../../src/adapters/postgres/index.js";
import { tableNames } from "../../src/adapters/postgres/sql.js";
import { createTestClock } from "../../src/testing/test-clock.js";
import { createTestIds } from "../../src/testing/test-ids.js";
import { dumpThroughPorts } from "../facade/storage-targets.js";
import { hostileString, junk, materialize } from "./hostile-values.js";
import type { Storage } from "../../src/storage/index.js";

const system = SYSTEM_ACTOR;
const admin = { type: "user", id: "admin" } as const;
const SERVER_URL = process.env["ORGKIT_PG_URL"];
const RUNS = Number(process.env["ORGKIT_FUZZ_RUNS"] ?? 400);

interface Target {
  readonly name: string;
  storage(): Promise<{ storage: Storage; dump: () => Promise<string> }>;
  close(): Promise<void>;
}

/** Every row of every table, read with SQL. */
async function dumpTables(client: PostgresQueryable, schema: string): Promise<string> {
  const out: unknown[] = [];
  const { changeRevisions: _revisions, eventSequence: _events, ...tables } = tableNames(schema); // sequences, not tables
  for (const table of Object.values(tables)) {
    out.push((await client.query(`SELECT to_jsonb(t) AS row FROM ${table} t ORDER BY to_jsonb(t)::text`)).rows);
  }
  return JSON.stringify(out);
}

function postgresTarget(name: string, open: () => Promise<{ client: PostgresQueryable & Parameters<typeof migrate>[0]; close: () => Promise<void> }>): Target {
  let opened: Awaited<ReturnType<typeof open>> | undefined;
  let count = 0;
  const schemas: string[] = [];
  return {
    name,
    async storage() {
      opened ??= await open();
      const schema = `fuzz_${Date.now().toString(36)}_${++count}`;
      schemas.push(schema);
      await migrate(opened.client, { schema });
      const client = opened.client;
      return { storage: postgresStorage({ client, schema }), dump: () => dumpTables(client, schema) };
    },
    async close() {
      if (!opened) return;
      for (const schema of schemas) await opened.client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await opened.close();
    },
  };
}

const targets: Target[] = [
  {
    name: "memory",
    async storage() {
      const storage = memoryStorage();
      return { storage, dump: () => dumpThroughPorts(storage) };
    },
    async close() {},
  },
  postgresTarget("PGlite", async () => {
    const db = await PGlite.create();
    return { client: db, close: () => db.close() };
  }),
  ...(SERVER_URL
    ? [
        postgresTarget("PostgreSQL server", async () => {
          const pool = new pg.Pool({ connectionString: SERVER_URL, max: 4 });
          return { client: pool, close: () => pool.end() };
        }),
      ]
    : []),
];

/** A small world to aim at: organizations in a tree, members, a rule, a resource, a group, a profile. */
async function world(storage: Storage): Promise<OrgKit> {
  const kit = createOrgKit({ storage, clock: createTestClock().now, ids: createTestIds() });
  await kit.users.upsert(system, { id: "admin", kind: "agent", platformRole: "admin", registered: true });
  const parent = await kit.organizations.create(admin, { id: "org", name: "Acme" });
  await kit.organizations.create(admin, { id: "child", name: "Acme East", parentId: parent.id });
  await kit.rules.add(admin, "org", { kind: "domain", value: "acme.example" });
  await kit.users.upsert(system, { id: "u", emails: ["u@acme.example"] });
  await kit.memberships.add(admin, { userId: "u", organizationId: "child" });
  await kit.resources.assign(admin, { kind: "asset", id: "laptop", organizationId: "org" });
  await kit.usergroups.create(admin, { id: "ug", name: "Portal", permissions: ["kb.read"] });
  await kit.profiles.create(admin, { id: "prof", name: "Agents", organizations: { none: ["read"] } });
  await kit.invitations.create(admin, { organizationId: "org", email: "invited@acme.example" }); // inv_0001
  return kit;
}

type Call = (...args: unknown[]) => Promise<unknown>;

/** The groups of methods that the facade and the storage both have. */
const GROUPS = ["organizations", "users", "memberships", "rules", "resources", "invitations", "usergroups", "profiles", "events"] as const;

/** Every method of `source[group]` for each group, named `group.method`. */
function methodsOf(source: object, groups: readonly string[]): Record<string, Call> {
  const out: Record<string, Call> = {};
  for (const group of groups) {
    const api = (source as Record<string, unknown>)[group];
    for (const [name, fn] of Object.entries(api as Record<string, unknown>)) {
      if (typeof fn === "function") out[`${group}.${name}`] = (...args) => (fn as Call).apply(api, args);
    }
  }
  return out;
}

// Actors: real ones, and hostile ones (a super admin id with a tab must not pass as it).
const actor = fc.oneof(
  fc.constant(admin),
  fc.constant(system),
  fc.constant({ type: "user", id: "u" }),
  hostileString.map((id) => ({ type: "user", id })),
  junk,
);
// Arguments that are often almost right: real ids, and junk.
const argument = fc.oneof(fc.constantFrom("org", "child", "u", "admin", "laptop", "ug", "prof", "asset", "inv_0001"), junk);

let tried = 0;
afterAll(() => {
  console.log(`storage and facade fuzz: ${tried} calls with hostile input`);
});

async function expectOnlyOrgKitErrors(name: string, call: () => Promise<unknown>, dump: () => Promise<string>): Promise<void> {
  tried++;
  const before = await dump();
  try {
    await call();
  } catch (error) {
    expect(isOrgKitError(error), `${name} threw ${String(error)}`).toBe(true);
    expect(await dump(), `${name} failed but changed the stored data`).toBe(before);
  }
}

describe("fuzzing the storage factories", () => {
  it("memoryStorage, postgresStorage and migrate throw only OrgKitError", async () => {
    await fc.assert(
      fc.asyncProperty(junk, junk, async (first, second) => {
        for (const [name, call] of [
          ["memoryStorage", () => memoryStorage(materialize(first) as never)],
          ["postgresStorage", () => postgresStorage(materialize(first) as never)],
          ["postgresStorage(client: junk)", () => postgresStorage({ client: materialize(first) as never, schema: materialize(second) as never })],
          ["migrate", () => migrate(materialize(first) as never, materialize(second) as never)],
        ] as const) {
          tried++;
          try {
            await call();
          } catch (error) {
            expect(isOrgKitError(error), `${name} threw ${String(error)}`).toBe(true);
          }
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe.each(targets)("fuzzing on $name", (target) => {
  let storage: Storage;
  let dump: () => Promise<string>;
  let kit: OrgKit;
  beforeAll(async () => {
    ({ storage, dump } = await target.storage());
    kit = await world(storage);
  });
  afterAll(async () => {
    await target.close();
  });

  it("every use case of the facade throws only OrgKitError and writes nothing when it fails", async () => {
    const cases = methodsOf(kit, [...GROUPS, "configuration"]);
    const names = Object.keys(cases);
    expect(names.length).toBeGreaterThanOrEqual(40);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...names), actor, fc.array(argument, { maxLength: 4 }), async (name, who, args) => {
        await expectOnlyOrgKitErrors(name, () => cases[name]!(materialize(who), ...(materialize(args) as unknown[])), dump);
      }),
      { numRuns: RUNS * 3 },
    );
  });

  it("kit.can and kit.explain never throw", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(argument, { minLength: 2, maxLength: 2 }), async ([first, second]) => {
        tried += 2;
        await kit.can(materialize(first) as string, materialize(second) as string);
        await kit.explain(materialize(first) as never);
      }),
      { numRuns: RUNS },
    );
  });

  it("every repository method of the storage throws only OrgKitError and writes nothing when it fails", async () => {
    const repositories = methodsOf(storage, [...GROUPS, "settings"]);
    const names = Object.keys(repositories);
    expect(names.length).toBeGreaterThanOrEqual(40);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...names), fc.array(argument, { maxLength: 3 }), async (name, args) => {
        // A write that succeeds is a write (junk can be a valid key); only failures must leave no trace.
        await expectOnlyOrgKitErrors(name, () => repositories[name]!(...(materialize(args) as unknown[])), dump);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it("storage.transaction with a hostile body or a body that writes then fails leaves nothing", async () => {
    await fc.assert(
      fc.asyncProperty(junk, async (value) => {
        await expectOnlyOrgKitErrors("transaction(junk)", () => storage.transaction(materialize(value) as never), dump);
        await expectOnlyOrgKitErrors(
          "transaction(write, then junk)",
          () =>
            storage.transaction(async (session) => {
              await session.memberships.delete("u", "child");
              await session.organizations.get(materialize(value) as string);
              await session.users.insert(materialize(value) as never);
            }),
          dump,
        );
      }),
      { numRuns: RUNS / 4 },
    );
  });
});
