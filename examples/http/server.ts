/**
 * Runs the example API (`app.ts`) with demo data: on PGlite (PostgreSQL in process) by
 * default, or on a PostgreSQL server with DATABASE_URL. Listens on PORT (default 3000).
 *
 *   npx tsx examples/http/server.ts
 *   curl -s -X POST localhost:3000/signup -H 'content-type: application/json' \
 *        -d '{"userId":"jane","email":"jane@acme.example"}'
 *   curl -s localhost:3000/api/me/tickets -H 'x-session: session-jane'
 */
import { serve, type ServerType } from "@hono/node-server";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { migrate, postgresStorage, type PostgresClient } from "../../src/adapters/postgres/index.js";
import { createOrgKit, SYSTEM_ACTOR } from "../../src/index.js";
import { createApp } from "./app.js";

/** A running example server. */
export interface ExampleServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Starts the API on `port` (0: any free port) with the demo data; `databaseUrl` selects a PostgreSQL server. */
export async function startExampleServer(options: { readonly port?: number; readonly databaseUrl?: string; readonly schema?: string } = {}): Promise<ExampleServer> {
  const schema = options.schema ?? "orgkit";
  const pool = options.databaseUrl ? new pg.Pool({ connectionString: options.databaseUrl, max: 4 }) : null;
  const pglite = pool ? null : await PGlite.create();
  const db: PostgresClient = pool ?? pglite!;
  await migrate(db, { schema });
  const kit = createOrgKit({ storage: postgresStorage({ client: db, schema }), config: { membershipPolicy: "single" } });
  await seed(kit, db);
  const sessions = new Map([["session-root", "root"], ["session-sam", "sam"], ["session-mia", "mia"]]);
  const app = createApp({ kit, db, orgkitSchema: schema, tenant: "default", sessions });

  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: options.port ?? 3000, hostname: "127.0.0.1" }, () => resolve(s));
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : options.port;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (pool) {
        await pool.query(`DROP TABLE IF EXISTS tickets`);
        await pool.end();
      }
      if (pglite) await pglite.close();
    },
  };
}

/** Acme (a domain rule for acme.example) with two offices, Globex, a support agent, an admin, and some tickets. */
async function seed(kit: ReturnType<typeof createOrgKit>, db: PostgresClient): Promise<void> {
  await kit.users.upsert(SYSTEM_ACTOR, { id: "root", kind: "agent", platformRole: "admin", registered: true });
  const acme = await kit.organizations.create(SYSTEM_ACTOR, { name: "Acme Manufacturing", type: "customer", states: ["service"] });
  await kit.organizations.create(SYSTEM_ACTOR, { name: "Acme Boston Office", parentId: acme.id, states: ["service"] });
  await kit.organizations.create(SYSTEM_ACTOR, { name: "Acme Denver Office", parentId: acme.id, states: ["outreach"] });
  const globex = await kit.organizations.create(SYSTEM_ACTOR, { name: "Globex", type: "customer", states: ["opportunities"] });
  await kit.rules.add(SYSTEM_ACTOR, acme.id, { kind: "domain", value: "acme.example" });
  const desk = await kit.profiles.create(SYSTEM_ACTOR, { name: "Service desk", organizations: { service: ["read"] } });
  await kit.users.upsert(SYSTEM_ACTOR, { id: "sam", kind: "agent", profileId: desk.id, registered: true });
  // Mia manages Acme: she sees all of Acme's tickets.
  await kit.users.upsert(SYSTEM_ACTOR, { id: "mia", registered: true });
  await kit.memberships.add(SYSTEM_ACTOR, { userId: "mia", organizationId: acme.id, role: "manager" });
  await db.query(`DROP TABLE IF EXISTS tickets`);
  await db.query(`CREATE TABLE tickets (id text PRIMARY KEY, title text NOT NULL, requester_id text NOT NULL, organization_id text)`);
  const tickets = [
    ["T1", "Printer down", "mia", acme.id],
    ["T2", "Renewal quote", "gus", globex.id],
    ["T3", "Password reset", "jane", acme.id],
    ["T4", "Lost badge", "jane", null],
  ];
  for (const t of tickets) await db.query(`INSERT INTO tickets (id, title, requester_id, organization_id) VALUES ($1, $2, $3, $4)`, t);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const server = await startExampleServer({ port: Number(process.env["PORT"] ?? 3000), ...(process.env["DATABASE_URL"] ? { databaseUrl: process.env["DATABASE_URL"] } : {}) });
  console.log(`orgkit example API on ${server.url} (sessions: x-session: session-root | session-sam; POST /signup for more)`);
}
