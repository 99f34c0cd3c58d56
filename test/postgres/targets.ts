/**
 * Databases for the PostgreSQL adapter tests: one PGlite instance per test file (it
 * takes seconds to start), and, when ORGKIT_PG_URL is set, a pool on the server with a
 * schema of the file's own (dropped afterwards) so parallel files never collide.
 */
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { buildAuditEvent, buildInvitation, buildMemberRule, buildMembership, buildOrganization, buildResource, buildStaffProfile, buildUser, buildUsergroup } from "../../src/testing/index.js";
import { migrate, postgresStorage, type MigrateOptions, type PostgresClient, type PostgresStorage, type PostgresStorageOptions } from "../../src/adapters/postgres/index.js";

/** The server URL, when a server is available. */
export const SERVER_URL = process.env["ORGKIT_PG_URL"];

/** A fresh, unique schema name (`orgkit_test_<random>`). */
export function randomSchema(prefix = "orgkit_test"): string {
  return `${prefix}_${Math.random().toString(36).slice(2, 10)}`;
}

/** A database to test against: the client, and a way to make migrated storages in fresh schemas. */
export interface TestTarget {
  readonly name: "pglite" | "server";
  readonly client: PostgresClient;
  /** Migrates a new schema (with `layout`, e.g. `{ partitions: 4 }`) and returns a storage on it. */
  storage(options?: Omit<PostgresStorageOptions, "client" | "schema">, schema?: string, layout?: Omit<MigrateOptions, "schema">): Promise<PostgresStorage>;
  /** Drops the schemas made and closes the client. */
  close(): Promise<void>;
}

async function target(name: TestTarget["name"], client: PostgresClient, closeClient: () => Promise<void>): Promise<TestTarget> {
  const schemas: string[] = [];
  return {
    name,
    client,
    async storage(options = {}, schema = randomSchema(), layout = {}) {
      schemas.push(schema);
      await migrate(client, { ...layout, schema });
      return postgresStorage({ client, schema, ...options });
    },
    async close() {
      for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
      await closeClient();
    },
  };
}

/** An in-process PGlite database. */
export async function pgliteTarget(): Promise<TestTarget> {
  const db = await PGlite.create();
  return target("pglite", db, () => db.close());
}

/** A pool on the server at ORGKIT_PG_URL (call only when it is set). */
export async function serverTarget(max = 10): Promise<TestTarget> {
  const pool = new pg.Pool({ connectionString: SERVER_URL, max });
  return target("server", pool, () => pool.end());
}

/**
 * Fills a storage's tenant with rows that a storage of another tenant in the same tables
 * must never see, change or conflict with: common ids, names, external ids, exclusive
 * domain claims, users with common emails, memberships, resources, invitations, events and a change
 * entry (the conformance suites on a partitioned layout run beside it).
 */
export async function seedNeighbour(storage: PostgresStorage): Promise<void> {
  const at = "2026-01-01T00:00:00.000Z";
  await storage.transaction(async (tx) => {
    for (let i = 1; i <= 5; i++) {
      await tx.organizations.insert(buildOrganization({ id: `org-${i}`, externalId: `EXT-${i}`, name: `Acme ${i}`, parentId: i === 1 ? null : "org-1" }));
      await tx.users.insert(buildUser({ id: `user-${i}`, emails: [`ann${i}@acme.example`], verifiedEmails: [`ann${i}@acme.example`] }));
      await tx.memberships.put(buildMembership({ userId: `user-${i}`, organizationId: `org-${i}` }));
      await tx.resources.put(buildResource({ kind: "asset", id: `asset-${i}`, organizationId: `org-${i}` }));
    }
    await tx.rules.insert(buildMemberRule({ id: "rule-1", organizationId: "org-1", kind: "domain", value: "acme.example", exclusive: true }));
    // Invitations with the ids, addresses and token hashes a neighbour's tests could use.
    await tx.invitations.insert(buildInvitation({ id: "inv-1", organizationId: "org-1", address: "invitee@example.com" }));
    await tx.invitations.insert(buildInvitation({ id: "inv-2", organizationId: "org-2", address: "ann1@acme.example", status: "accepted", endedBy: { type: "user", id: "user-1" }, endedAt: at }));
    await tx.usergroups.insert(buildUsergroup({ id: "group-1", name: "Everyone" }));
    await tx.profiles.insert(buildStaffProfile({ id: "profile-1", name: "Agent" }));
    await tx.events.append([buildAuditEvent({ type: "organization.created", organizationId: "org-1", at })]);
    await tx.changes.append({ at, changes: [], events: [] });
  });
}
