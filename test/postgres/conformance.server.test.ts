/** The storage conformance suite on the PostgreSQL server at ORGKIT_PG_URL, with raw SQL readers. */
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { postgresInspector, type PostgresStorage } from "../../src/adapters/postgres/index.js";
import { runStorageConformance } from "../../src/testing/index.js";
import { SERVER_URL, serverTarget, type TestTarget } from "./targets.js";

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
});

afterAll(async () => {
  await target?.close();
});
