/** The storage conformance suite on the PostgreSQL server at ORGKIT_PG_URL, with raw SQL readers. */
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { postgresInspector, type PostgresStorage } from "../../src/adapters/postgres/index.js";
import { seedNeighbour, SERVER_URL, serverTarget, type TestTarget } from "./targets.js";
import { runStorageConformance } from "../../src/storage/index.js";

let target: TestTarget | undefined;
let ready: Promise<PostgresStorage> | undefined;
const storage = (): Promise<PostgresStorage> =>
  (ready ??= serverTarget().then((made) => {
    target = made;
    return made.storage();
  }));

describe.skipIf(!SERVER_URL)("server", () => {
  runStorageConformance("postgres on the server", {
    test: { describe, it, beforeEach, expect },
    storage,
    inspect: (s) => postgresInspector(target!.client, { schema: (s as PostgresStorage).schema }),
  });

  // The partitioned layout, for a tenant other than the default one, beside a default tenant holding rows of its own.
  let partitioned: Promise<PostgresStorage> | undefined;
  runStorageConformance("postgres on the server, hash-partitioned by tenant", {
    test: { describe, it, beforeEach, expect },
    storage: () =>
      (partitioned ??= storage().then(async () => {
        const neighbour = await target!.storage({}, undefined, { partitions: 8 });
        await seedNeighbour(neighbour);
        return neighbour.forTenant("tenant:42");
      })),
    inspect: (s) => postgresInspector(target!.client, { schema: (s as PostgresStorage).schema, tenant: (s as PostgresStorage).tenant }),
  });
});

afterAll(async () => {
  await target?.close();
});
