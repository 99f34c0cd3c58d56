/**
 * orgkit on PostgreSQL: migrate, then the facade on `postgresStorage` — import the
 * seed's Acme tree by external id, link a user by a domain rule, search, refuse a cycle,
 * read the audit trail — plus the adapter's own tree queries. Runs on PGlite (PostgreSQL
 * compiled to WebAssembly, in process) by default, and on a real server when
 * ORGKIT_PG_URL is set:
 *
 *   npx tsx examples/postgres.ts
 *   ORGKIT_PG_URL=postgres://postgres@127.0.0.1:5432/test npx tsx examples/postgres.ts
 */
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { createOrgKit, isOrgKitError, SYSTEM_ACTOR } from "../src/index.js";
import { migrate, postgresStorage, type PostgresClient } from "../src/adapters/postgres/index.js";

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
  const kit = createOrgKit({ storage });
  await kit.users.upsert(SYSTEM_ACTOR, { id: "admin", kind: "agent", platformRole: "admin" });
  const admin = { type: "user", id: "admin" } as const;

  // The seed's Acme tree, imported by external id (children before parents is fine).
  const imported = await kit.organizations.import(admin, [
    { externalId: "BOS", name: "Acme Boston Office", parentExternalId: "EAST", tags: ["Key"] },
    { externalId: "NY", name: "Acme New York Office", parentExternalId: "EAST" },
    { externalId: "EAST", name: "Acme East Region", parentExternalId: "ACME" },
    { externalId: "LA", name: "Acme LA Office", parentExternalId: "WEST" },
    { externalId: "WEST", name: "Acme West Region", parentExternalId: "ACME" },
    { externalId: "ACME", name: "Acme Manufacturing", type: "customer", tags: ["Key"], states: ["service"] },
  ]);
  console.log(`\nimport: ${imported.created} created; again:`, (await kit.organizations.import(admin, [{ externalId: "ACME", name: "Acme Manufacturing", type: "customer", tags: ["Key"], states: ["service"] }])).unchanged, "unchanged");
  const acme = (await kit.organizations.getByExternalId(admin, "ACME"))!;
  const print = (node: NonNullable<Awaited<ReturnType<typeof kit.organizations.tree>>>, indent = ""): void => {
    console.log(`${indent}${node.organization.name}`);
    for (const child of node.children) print(child, `${indent}  `);
  };
  print((await kit.organizations.tree(admin, acme.id))!);
  console.log(`descendants (one indexed query on the materialized ancestry): ${(await storage.organizations.descendants(acme.id)).length}, height ${await storage.organizations.subtreeHeight(acme.id)}`);

  // A domain rule links users automatically, in the same transaction as the user write.
  await kit.rules.add(admin, acme.id, { kind: "domain", value: "acme.example", includeSubdomains: true });
  await kit.users.upsert(SYSTEM_ACTOR, { id: "jane", emails: [{ value: "jane@boston.acme.example", verified: true }] });
  console.log(`\n${(await kit.memberships.explain(admin, "jane", acme.id)).reason}`);

  const page = await kit.organizations.search(admin, { text: "office", tags: ["key"] });
  console.log(`search "office" tagged key: ${page.items.map((o) => o.name).join(", ")} (total ${page.total})`);

  // Moves are checked inside a SERIALIZABLE transaction: a cycle is refused even against a concurrent move.
  const boston = (await kit.organizations.getByExternalId(admin, "BOS"))!;
  try {
    await kit.organizations.setParent(admin, acme.id, boston.id);
  } catch (error) {
    if (!isOrgKitError(error, "HIERARCHY_CYCLE")) throw error;
    console.log(`\nmoving Acme under Boston: ${error.code}, loop ${JSON.stringify(error.details.path)}`);
  }
  const trail = await kit.events.list(admin, { organizationId: acme.id });
  console.log(`Acme's audit trail: ${trail.map((e) => e.type).join(", ")}`);
} finally {
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  if (client instanceof pg.Pool) await client.end();
  else await (client as PGlite).close();
}
