/**
 * Many helpdesks (tenants) in one storage: a kit per tenant from a map, two tenants with
 * the same organization, external id and domain claim, neither seeing the other. On the
 * in-memory storage, then on PostgreSQL (PGlite in process, or the server at
 * ORGKIT_PG_URL) with the tables hash-partitioned by tenant_id:
 *
 *   npx tsx examples/tenants.ts
 */
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { createOrgKit, SYSTEM_ACTOR, type OrgKit } from "../src/index.js";
import { memoryStorage } from "../src/adapters/memory/index.js";
import { migrate, postgresStorage, type PostgresClient } from "../src/adapters/postgres/index.js";
import type { Storage } from "../src/storage/index.js";

const admin = { type: "user", id: "admin" } as const;

/** One kit per tenant, made on first use and kept (use an LRU map for thousands of tenants). */
function kitsFor(storage: Storage & { forTenant(tenant: string): Storage }): (tenant: string) => OrgKit {
  const kits = new Map<string, OrgKit>();
  return (tenant) => {
    let kit = kits.get(tenant);
    if (!kit) kits.set(tenant, (kit = createOrgKit({ storage: storage.forTenant(tenant) })));
    return kit;
  };
}

async function twoHelpdesks(kitFor: (tenant: string) => OrgKit): Promise<void> {
  for (const tenant of ["globex-support", "initech-helpdesk"]) {
    const kit = kitFor(tenant);
    await kit.users.upsert(SYSTEM_ACTOR, { id: "admin", kind: "agent", platformRole: "admin" });
    // The same id, external id, name and exclusive domain claim in both tenants: no conflict.
    const acme = await kit.organizations.create(admin, { id: "acme", externalId: "CUST-1", name: "Acme" });
    await kit.rules.add(admin, acme.id, { kind: "domain", value: "acme.example" });
    await kit.users.upsert(SYSTEM_ACTOR, { id: "jane", emails: [{ value: "jane@acme.example", verified: true }] });
  }
  const globex = kitFor("globex-support");
  const initech = kitFor("initech-helpdesk");
  await globex.organizations.rename(admin, "acme", "Acme (a Globex customer)");
  await initech.organizations.create(admin, { name: "Only Initech serves this one" });
  for (const [name, kit] of [["globex-support", globex], ["initech-helpdesk", initech]] as const) {
    const page = await kit.organizations.search(admin, { limit: 10 });
    const members = await kit.memberships.listByOrganization(admin, "acme");
    console.log(`  ${name}: ${page.items.map((o) => o.name).join(", ")} · acme members: ${members.map((m) => m.userId).join(", ")} · revision ${await kit.revision()}`);
  }
}

console.log("memory storage, two tenants:");
await twoHelpdesks(kitsFor(memoryStorage()));

const url = process.env["ORGKIT_PG_URL"];
const server = url !== undefined && url !== "";
const client: PostgresClient = server ? new pg.Pool({ connectionString: url }) : await PGlite.create();
const schema = `orgkit_tenants_example_${Math.random().toString(36).slice(2, 8)}`;
try {
  // One schema for every tenant, its tables hash-partitioned by tenant_id (as Citus would distribute them).
  await migrate(client, { schema, partitions: 4 });
  console.log(`\n${server ? "PostgreSQL server" : "PGlite"}, schema ${schema} hash-partitioned into 4, two tenants on one client:`);
  await twoHelpdesks(kitsFor(postgresStorage({ client, schema })));
  const rows = await client.query(`SELECT tableoid::regclass::text AS partition, tenant_id, count(*)::int AS organizations FROM "${schema}".organizations GROUP BY 1, 2 ORDER BY 2`);
  for (const row of rows.rows as { partition: string; tenant_id: string; organizations: number }[]) {
    console.log(`  ${row.tenant_id}: ${row.organizations} organizations in ${row.partition}`);
  }
} finally {
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  if (server) await (client as pg.Pool).end();
  else await (client as PGlite).close();
}
