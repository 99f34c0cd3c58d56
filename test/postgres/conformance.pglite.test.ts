/** The storage conformance suite on PGlite, with raw SQL readers. Always runs (no server needed). */
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { postgresInspector, type PostgresStorage } from "../../src/adapters/postgres/index.js";
import { pgliteTarget, seedNeighbour, type TestTarget } from "./targets.js";
import { runStorageConformance } from "../../src/storage/index.js";

// One PGlite per file (it takes seconds to start), one schema for the whole run: the
// suite namespaces every test's rows, so no reset is needed between tests.
let target: TestTarget | undefined;
let ready: Promise<PostgresStorage> | undefined;
const storage = (): Promise<PostgresStorage> =>
  (ready ??= pgliteTarget().then((made) => {
    target = made;
    return made.storage();
  }));

runStorageConformance("postgres on PGlite", {
  test: { describe, it, beforeEach, expect },
  storage,
  inspect: (s) => postgresInspector(target!.client, { schema: (s as PostgresStorage).schema }),
});

// The partitioned layout (tables hash-partitioned by tenant_id, as on Citus), for a tenant
// other than the default one, beside a default tenant holding rows of its own.
let partitioned: Promise<PostgresStorage> | undefined;
runStorageConformance("postgres on PGlite, hash-partitioned by tenant", {
  test: { describe, it, beforeEach, expect },
  storage: () =>
    (partitioned ??= storage().then(async () => {
      const neighbour = await target!.storage({}, undefined, { partitions: 4 });
      await seedNeighbour(neighbour);
      return neighbour.forTenant("acme-corp");
    })),
  inspect: (s) => postgresInspector(target!.client, { schema: (s as PostgresStorage).schema, tenant: (s as PostgresStorage).tenant }),
});

afterAll(async () => {
  await target?.close();
});
