/** The storage conformance suite on PGlite, with raw SQL readers. Always runs (no server needed). */
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { postgresInspector, type PostgresStorage } from "../../src/adapters/postgres/index.js";
import { runStorageConformance } from "../../src/testing/index.js";
import { pgliteTarget, type TestTarget } from "./targets.js";

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

afterAll(async () => {
  await target?.close();
});
