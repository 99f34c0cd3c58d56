/**
 * The storages a facade test runs on: memory, PostgreSQL on one PGlite instance per test
 * file (it takes seconds to start), and, when ORGKIT_PG_URL is set (CI), the PostgreSQL
 * server; each storage in a fresh schema, dropped after the file. Call `storageTargets()`
 * at the top of a test file and use `describe.each(targets)`.
 */
import { PGlite } from "@electric-sql/pglite";
import { afterAll } from "vitest";
import { memoryStorage } from "../../src/adapters/memory/index.js";
import { memoryInspector } from "../../src/adapters/memory/raw-inspector.js";
import { migrate, postgresInspector, postgresStorage, type PostgresStorage } from "../../src/adapters/postgres/index.js";
import type { RawInspector } from "../../src/storage/raw-inspector.js";
import { randomSchema, SERVER_URL, serverTarget, type TestTarget } from "../postgres/targets.js";
import type { Storage, StorageSession } from "../../src/storage/index.js";

/** One storage to run a suite on. */
export interface StorageTarget {
  readonly name: "memory" | "PGlite" | "server";
  /** A new, empty storage. */
  storage(): Promise<Storage>;
  /** The raw inspector of a storage this target made (reads the backend directly). */
  inspect(storage: Storage): RawInspector;
}

/** Memory and PGlite targets; the PGlite instance starts on first use and closes after the file. */
export function storageTargets(): readonly StorageTarget[] {
  let db: Promise<PGlite> | undefined;
  let schemas = 0;
  let server: Promise<TestTarget> | undefined;
  afterAll(async () => {
    if (db) await (await db).close();
    if (server) await (await server).close();
  });
  let serverClient: TestTarget["client"] | undefined;
  let pgliteClient: PGlite | undefined;
  const onServer: StorageTarget[] = SERVER_URL
    ? [
        {
          name: "server",
          async storage() {
            const target = await (server ??= serverTarget(4));
            serverClient = target.client;
            return target.storage({}, randomSchema("orgkit_facade"));
          },
          inspect: (storage) => postgresInspector(serverClient!, { schema: (storage as PostgresStorage).schema, tenant: (storage as PostgresStorage).tenant }),
        },
      ]
    : [];
  return [
    { name: "memory", storage: async () => memoryStorage(), inspect: (storage) => memoryInspector(storage) },
    {
      name: "PGlite",
      inspect: (storage) => postgresInspector(pgliteClient!, { schema: (storage as PostgresStorage).schema, tenant: (storage as PostgresStorage).tenant }),
      async storage() {
        db ??= PGlite.create();
        const client = await db;
        pgliteClient = client;
        const schema = `facade_${++schemas}`;
        await migrate(client, { schema });
        return postgresStorage({ client, schema });
      },
    },
    ...onServer,
  ];
}

/** Everything the repositories hold, read through them, for "nothing was written" checks. */
export async function dumpThroughPorts(storage: Storage): Promise<string> {
  const page = { after: null, limit: 1000 };
  return JSON.stringify([
    await storage.organizations.scan(page),
    await storage.users.scan(page),
    await storage.memberships.scan(page),
    await storage.rules.scan(page),
    await storage.resources.scan(page),
    (await storage.invitations?.scan(page)) ?? null,
    await storage.usergroups.list(),
    await storage.profiles.list(),
    await storage.events.list({ limit: 1000 }),
    (await storage.settings?.get("configuration")) ?? null,
  ]);
}

/**
 * A storage as an adapter written before the set-wise methods would be: `storage` without
 * `getManyByExternalId`, `findActiveByNames`, `ancestorIdsOfMany`, `insertMany` and
 * `savepoint` (the service falls back to one call per row, and writes the rows of a
 * per-row import one by one).
 */
export function withoutSetMethods(storage: Storage): Storage {
  const strip = <S extends StorageSession>(session: S): S => {
    const { getManyByExternalId, findActiveByNames, ancestorIdsOfMany, insertMany, ...organizations } = session.organizations;
    const { savepoint, ...rest } = session;
    return { ...rest, organizations } as S;
  };
  return { ...strip(storage), transaction: (fn) => storage.transaction((session) => fn(strip(session))) };
}
