/**
 * orgkit's PostgreSQL storage, at the storage level: migrate, insert the seed's Acme
 * tree, query its descendants and ancestors, search, and show a transaction refusing a
 * cycle. Runs on PGlite (PostgreSQL compiled to WebAssembly, in process) by default, and
 * on a real server when ORGKIT_PG_URL is set:
 *
 *   npx tsx examples/postgres.ts
 *   ORGKIT_PG_URL=postgres://postgres@127.0.0.1:5432/test npx tsx examples/postgres.ts
 */
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { migrate, postgresStorage, type PostgresClient } from "../src/adapters/postgres/index.js";
import { createOrganization } from "../src/domain/organization/commands.js";
import type { Organization } from "../src/domain/organization/schema.js";
import { isOrgKitError, OrgKitError } from "../src/errors.js";

const url = process.env["ORGKIT_PG_URL"];
const server = url !== undefined && url !== "";
// The adapter never imports a driver: the host creates the client and hands it over.
const client: PostgresClient = server ? new pg.Pool({ connectionString: url }) : await PGlite.create();
// Its own schema, so running the example never touches anything else in the database.
const schema = `orgkit_example_${Math.random().toString(36).slice(2, 8)}`;

try {
  console.log(`Running on ${server ? "the PostgreSQL server" : "PGlite"}, schema ${schema}`);
  console.log("migrate:", await migrate(client, { schema }));
  console.log("migrate again (no-op):", await migrate(client, { schema }));
  const storage = postgresStorage({ client, schema });

  // The seed's Acme tree, made by the pure domain command (validated and normalized).
  const now = "2026-11-24T09:00:00.000Z";
  const org = (id: string, name: string, parentId: string | null, tags: string[] = []): Organization =>
    createOrganization({ name, parentId, tags, type: "customer", states: ["service"] }, { id, now }).organization;
  await storage.organizations.insertMany([
    org("acme", "Acme Manufacturing", null, ["Key"]),
    org("east", "Acme East Region", "acme"),
    org("boston", "Acme Boston Office", "east", ["Key"]),
    org("newyork", "Acme New York Office", "east"),
    org("west", "Acme West Region", "acme"),
    org("la", "Acme LA Office", "west"),
  ]);

  const tree = await storage.organizations.descendants("acme");
  console.log("\nAcme and its descendants (depth-first, siblings by id):");
  console.log((await storage.organizations.get("acme"))!.name);
  for (const o of tree) {
    const depth = (await storage.organizations.ancestors(o.id)).length;
    console.log(`${"  ".repeat(depth)}${o.name}`);
  }
  console.log("Ancestors of LA:", (await storage.organizations.ancestors("la")).map((o) => o.id).join(" <- "));
  console.log("Height of Acme's tree:", await storage.organizations.subtreeHeight("acme"));

  const page = await storage.organizations.search({ text: "office", tags: ["key"], limit: 10 });
  console.log(`\nSearch "office" tagged key: ${page.items.map((o) => o.name).join(", ")} (total ${page.total})`);

  // A move as the service does it: read the new parent's ancestors, refuse a cycle, write.
  // SERIALIZABLE makes the check still hold at commit, even against a concurrent move.
  const move = (childId: string, parentId: string) =>
    storage.transaction(async (tx) => {
      const chain = [parentId, ...(await tx.organizations.ancestors(parentId)).map((o) => o.id)];
      if (chain.includes(childId)) throw new OrgKitError("HIERARCHY_CYCLE", `${childId} cannot move under its own descendant ${parentId}`);
      const child = (await tx.organizations.get(childId))!;
      await tx.organizations.update({ ...child, parentId, version: child.version + 1 }, child.version);
    });
  await move("la", "east");
  console.log("\nMoved LA under East:", (await storage.organizations.children("east")).map((o) => o.id).join(", "));
  try {
    await move("acme", "boston");
  } catch (error) {
    if (!isOrgKitError(error)) throw error;
    console.log(`Moving Acme under Boston refused: ${error.code}`);
  }

  try {
    await storage.organizations.insert(org("dup", "ACME manufacturing", null));
  } catch (error) {
    if (!isOrgKitError(error)) throw error;
    console.log(`A second "acme manufacturing" refused: ${error.code} (${String(error.details["reason"])})`);
  }
} finally {
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  if (client instanceof pg.Pool) await client.end();
  else await (client as PGlite).close();
}
