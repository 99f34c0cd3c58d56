/**
 * PostgreSQL-specific behaviour of the adapter: migrations, SQL-side hierarchy and
 * search semantics (collation!), identity matching, error mapping and transaction
 * handling. The generic port contract is the conformance suite's job. Registered by
 * `adapter.pglite.test.ts` (always) and `adapter.server.test.ts` (with ORGKIT_PG_URL).
 */
import { PGlite } from "@electric-sql/pglite";
import type pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { migrate, postgresMigrations, postgresStorage, type PostgresClient, type PostgresStorage } from "../../src/adapters/postgres/index.js";
import { isOrgKitError, type SerializationConflictDetails, type UniqueConflictDetails } from "../../src/errors.js";
import type { Membership, User } from "../../src/domain/membership/model.js";
import type { Organization } from "../../src/domain/organization/schema.js";
import { buildOrganization, buildUser } from "../../src/testing/builders.js";
import { expectOrgKitError } from "../../src/testing/conformance/assertions.js";
import { useTestApi } from "../../src/testing/conformance/test-api.js";

// The conformance helpers used here assert with the runner the suite was given.
useTestApi({ describe, it, beforeEach, expect });
import { randomSchema, type TestTarget } from "./targets.js";

const AT = "2024-01-01T00:00:00.000Z";
/** Every migration version, in order, and the last: what a fresh schema ends at. */
const VERSIONS = postgresMigrations().map((m) => m.version);
const LATEST = VERSIONS.at(-1)!;

/** Registers the adapter cases against the database `makeTarget` opens (once for the file). */
export function adapterCases(makeTarget: () => Promise<TestTarget>): void {
  let target: TestTarget;
  let storage: PostgresStorage;

  beforeAll(async () => {
    target = await makeTarget();
    storage = await target.storage();
  });
  afterAll(async () => {
    await target?.close();
  });

  const ids = (items: readonly { id: string }[]) => items.map((item) => item.id);
  const org = (id: string, overrides: Partial<Organization> = {}) => buildOrganization({ id, name: `Org ${id}`, ...overrides });

  describe("client interface", () => {
    it("accepts a pg.Pool and a PGlite instance as they are (type level)", () => {
      const acceptsPool = (pool: pg.Pool): PostgresClient => pool;
      const acceptsPglite = (db: PGlite): PostgresClient => db;
      expect([acceptsPool, acceptsPglite]).toHaveLength(2);
    });

    it("refuses a client with neither connect() nor transaction()", () => {
      const bare = { query: async () => ({ rows: [] }) } as unknown as PostgresClient;
      expect(() => postgresStorage({ client: bare })).toThrowError(expect.objectContaining({ code: "VALIDATION_FAILED" }));
    });
  });

  describe("migrate", () => {
    it("applies each version once; running it again is a no-op", async () => {
      const schema = randomSchema();
      const first = await migrate(target.client, { schema });
      expect(first).toEqual({ applied: [...VERSIONS], version: LATEST });
      const tables = async () =>
        (await target.client.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`, [schema])).rows;
      const before = await tables();
      expect(before.map((r) => (r as { table_name: string }).table_name)).toEqual([
        "change_feed_state",
        "changes",
        "events",
        "invitations",
        "member_rule_challenges",
        "member_rules",
        "memberships",
        "organization_closure",
        "organizations",
        "orgkit_migrations",
        "resources",
        "settings",
        "staff_profiles",
        "user_identities",
        "usergroups",
        "users",
      ]);
      expect(await migrate(target.client, { schema })).toEqual({ applied: [], version: LATEST });
      expect(await tables()).toEqual(before);
      const recorded = await target.client.query(`SELECT version FROM "${schema}".orgkit_migrations ORDER BY version`);
      expect(recorded.rows).toEqual([0, ...VERSIONS].map((version) => ({ version })));
      await target.client.query(`DROP SCHEMA "${schema}" CASCADE`);
    });

    it("version 2 gives users stored before identity verification empty verified lists (nothing of theirs is verified)", async () => {
      const schema = randomSchema();
      await migrate(target.client, { schema });
      const storage = postgresStorage({ client: target.client, schema });
      await storage.users.insert(buildUser({ id: "legacy", emails: ["ann@acme.example"], verifiedEmails: ["ann@acme.example"] }));
      // The row as version 1 wrote it, and version 2 not applied yet.
      await target.client.query(`UPDATE "${schema}".users SET doc = (doc::jsonb - 'verifiedEmails' - 'verifiedPhones' - 'usernameVerified')::json`);
      await target.client.query(`DELETE FROM "${schema}".orgkit_migrations WHERE version = 2`);
      expect(await storage.users.get("legacy")).not.toHaveProperty("verifiedEmails");
      expect(await migrate(target.client, { schema })).toEqual({ applied: [2], version: LATEST });
      expect(await storage.users.get("legacy")).toMatchObject({ emails: ["ann@acme.example"], verifiedEmails: [], verifiedPhones: [], usernameVerified: false });
      await target.client.query(`DROP SCHEMA "${schema}" CASCADE`);
    });

    it("version 8 gives domain rules stored before it their zone (reversed labels), unproven, and findWithinDomain finds them", async () => {
      const schema = randomSchema();
      await migrate(target.client, { schema });
      const storage = postgresStorage({ client: target.client, schema });
      await storage.organizations.insert(org("acme"));
      await storage.rules.insert({ id: "r1", organizationId: "acme", kind: "domain", value: "eu.acme.example", includeSubdomains: false, exclusive: true });
      await storage.rules.insert({ id: "r2", organizationId: "acme", kind: "email", value: "ann@acme.example", includeSubdomains: false, exclusive: true });
      // The rows as version 6 left them: no zone, no proven column, no challenges table.
      await target.client.query(`DROP TABLE "${schema}".member_rule_challenges`);
      await target.client.query(`DROP INDEX "${schema}".memberships_admin_idx`);
      await target.client.query(`ALTER TABLE "${schema}".member_rules DROP COLUMN zone, DROP COLUMN proven`);
      await target.client.query(`DELETE FROM "${schema}".orgkit_migrations WHERE version = 8`);
      expect(await migrate(target.client, { schema })).toEqual({ applied: [8], version: LATEST });
      const rows = await target.client.query(`SELECT id, zone, proven FROM "${schema}".member_rules ORDER BY id`);
      expect(rows.rows).toEqual([{ id: "r1", zone: "example.acme.eu", proven: false }, { id: "r2", zone: null, proven: false }]);
      expect((await storage.rules.findWithinDomain("acme.example", { limit: 10 })).map((r) => r.id)).toEqual(["r1"]);
      await target.client.query(`DROP SCHEMA "${schema}" CASCADE`);
    });

    it("version 6 keeps the rows stored before tenants as the default tenant's; event sequences and revisions go on from where they were", async () => {
      const schema = randomSchema();
      // The schema as versions 1–5 left it, with rows written by that layout.
      await migrate(target.client, { schema }); // bootstrap and lock row
      await target.client.query(`DROP SCHEMA "${schema}" CASCADE`);
      await target.client.query(`CREATE SCHEMA "${schema}"`);
      await target.client.query(`CREATE TABLE "${schema}".orgkit_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
      await target.client.query(`INSERT INTO "${schema}".orgkit_migrations (version, name) VALUES (0, '(lock)')`);
      for (const migration of postgresMigrations({ schema }).filter((m) => m.version <= 5)) {
        for (const statement of migration.statements) await target.client.query(statement);
        await target.client.query(`INSERT INTO "${schema}".orgkit_migrations (version, name) VALUES ($1, $2)`, [migration.version, migration.name]);
      }
      const acme = org("acme", { externalId: "CUST-1" });
      await target.client.query(
        `INSERT INTO "${schema}".organizations (id, external_id, name, name_lower, name_key, id_lower, external_id_lower, type, tags_lower, states, parent_id, status, created_at, updated_at, version, doc, ancestry)
         VALUES ('acme', 'CUST-1', $1, $2, $2, 'acme', 'cust-1', 'customer', '{}', '{}', NULL, 'active', $3, $3, 1, $4::json, '{acme}')`,
        [acme.name, acme.name.toLowerCase(), AT, JSON.stringify(acme)],
      );
      for (let i = 0; i < 3; i++) {
        await target.client.query(`INSERT INTO "${schema}".events (type, organization_id, actor_type, actor_id, at, doc) VALUES ('organization.created', 'acme', 'system', 'system', $1, '{}'::json)`, [AT]);
      }
      await target.client.query(`INSERT INTO "${schema}".changes (revision, at, doc) VALUES (nextval('"${schema}".change_revisions'), $1, '{"changes":[],"events":[]}'::json)`, [AT]);

      expect(await migrate(target.client, { schema })).toEqual({ applied: VERSIONS.filter((v) => v >= 6), version: LATEST });
      const migrated = postgresStorage({ client: target.client, schema });
      expect(await migrated.organizations.getByExternalId("CUST-1")).toEqual(acme);
      expect(await migrated.events.lastSequence()).toBe(3);
      expect(await migrated.changes.latestRevision()).toBe(1);
      const [appended] = await migrated.events.append([{ type: "organization.updated", organizationId: "acme", actor: { type: "system", id: "system" }, at: AT, data: {} }]);
      expect(appended!.sequence).toBe(4);
      expect(await migrated.changes.append({ at: AT, changes: [], events: [] })).toBe(2);
      // Another tenant of the upgraded schema starts empty.
      expect(await migrated.forTenant("other").organizations.get("acme")).toBeNull();
      const tenants = await target.client.query(`SELECT DISTINCT tenant_id FROM "${schema}".organizations`);
      expect(tenants.rows).toEqual([{ tenant_id: "default" }]);
      await target.client.query(`DROP SCHEMA "${schema}" CASCADE`);
    });

    it("version 11 fills the hierarchy's closure from the ancestry of the organizations stored before it, per tenant", async () => {
      const schema = randomSchema();
      await migrate(target.client, { schema });
      const storage = postgresStorage({ client: target.client, schema });
      await storage.organizations.insertMany([org("acme"), org("east", { parentId: "acme" }), org("boston", { parentId: "east" }), org("solo")]);
      await storage.forTenant("other").organizations.insertMany([org("acme"), org("west", { parentId: "acme" })]);
      // The tables as version 10 left them.
      await target.client.query(`DROP TABLE "${schema}".organization_closure`);
      await target.client.query(`DELETE FROM "${schema}".orgkit_migrations WHERE version = 11`);
      expect(await migrate(target.client, { schema })).toEqual({ applied: [11], version: LATEST });
      const rows = await target.client.query(`SELECT tenant_id, ancestor_id, descendant_id FROM "${schema}".organization_closure ORDER BY 1, 2, 3`);
      expect(rows.rows).toEqual([
        { tenant_id: "default", ancestor_id: "acme", descendant_id: "boston" },
        { tenant_id: "default", ancestor_id: "acme", descendant_id: "east" },
        { tenant_id: "default", ancestor_id: "east", descendant_id: "boston" },
        { tenant_id: "other", ancestor_id: "acme", descendant_id: "west" },
      ]);
      expect(await storage.organizations.descendantIds("acme")).toEqual(["boston", "east"]);
      expect(await storage.forTenant("other").organizations.descendantIds("acme")).toEqual(["west"]);
      await target.client.query(`DROP SCHEMA "${schema}" CASCADE`);
    });

    it("partitions: every table is hash-partitioned by tenant_id; a later run with another count is refused, and none is needed", async () => {
      const schema = randomSchema();
      expect(await migrate(target.client, { schema, partitions: 3 })).toMatchObject({ version: LATEST });
      const partitioned = await target.client.query(
        `SELECT c.relname AS name, pg_get_partkeydef(c.oid) AS key, (SELECT count(*)::int FROM pg_inherits i WHERE i.inhparent = c.oid) AS partitions
           FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = $1 ORDER BY 1`,
        [schema],
      );
      expect(partitioned.rows).toEqual(
        ["change_feed_state", "changes", "events", "invitations", "member_rule_challenges", "member_rules", "memberships", "organization_closure", "organizations", "resources", "settings", "staff_profiles", "user_identities", "usergroups", "users"].map(
          (name) => ({ name, key: "HASH (tenant_id)", partitions: 3 }),
        ),
      );
      expect(await migrate(target.client, { schema })).toEqual({ applied: [], version: LATEST });
      expect(await migrate(target.client, { schema, partitions: 3 })).toEqual({ applied: [], version: LATEST });
      const refused = await expectOrgKitError(migrate(target.client, { schema, partitions: 4 }), "VALIDATION_FAILED");
      expect(refused.details.issues).toMatchObject([{ path: "partitions", code: "layout_mismatch" }]);
      const plain = randomSchema();
      await migrate(target.client, { schema: plain });
      const refusedPlain = await expectOrgKitError(migrate(target.client, { schema: plain, partitions: 2 }), "VALIDATION_FAILED");
      expect(refusedPlain.message).toContain("plain (not partitioned)");
      for (const bad of [0, -1, 1.5, 1025, "4"]) {
        await expectOrgKitError(migrate(target.client, { schema, partitions: bad as number }), "VALIDATION_FAILED");
      }
      await target.client.query(`DROP SCHEMA "${schema}" CASCADE`);
      await target.client.query(`DROP SCHEMA "${plain}" CASCADE`);
    });

    it("version 7 (invitations) follows the layout in place: a schema partitioned at version 6 gets a partitioned invitations table without being told", async () => {
      const schema = randomSchema();
      // Versions 1–6, partitioned into 3, as a release before invitations left them.
      await migrate(target.client, { schema, partitions: 3 });
      await target.client.query(`DROP TABLE "${schema}".invitations`);
      await target.client.query(`DELETE FROM "${schema}".orgkit_migrations WHERE version = 7`);
      expect(await migrate(target.client, { schema })).toEqual({ applied: [7], version: LATEST });
      const partitions = await target.client.query(
        `SELECT (SELECT count(*)::int FROM pg_inherits i WHERE i.inhparent = c.oid) AS partitions, pg_get_partkeydef(c.oid) AS key
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = 'invitations'`,
        [schema],
      );
      expect(partitions.rows).toEqual([{ partitions: 3, key: "HASH (tenant_id)" }]);
      // Every b-tree index of the table leads with tenant_id.
      const indexes = await target.client.query(
        `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = 'invitations' ORDER BY indexname`,
        [schema],
      );
      expect(indexes.rows.length).toBeGreaterThanOrEqual(6);
      for (const row of indexes.rows as { indexname: string; indexdef: string }[]) expect(row.indexdef, row.indexname).toMatch(/USING btree \(tenant_id,/);
      await target.client.query(`DROP SCHEMA "${schema}" CASCADE`);
    });

    it("refuses a schema name that is not a plain identifier", async () => {
      await expectOrgKitError(migrate(target.client, { schema: 'x"; DROP TABLE y; --' }), "VALIDATION_FAILED");
      expect(() => postgresStorage({ client: target.client, schema: "no spaces" })).toThrow();
    });
  });

  describe("errors", () => {
    it("maps unique violations to CONFLICT (unique) with the driver error as cause", async () => {
      await storage.organizations.insert(org("e1", { externalId: "CUST-1", name: "Unique Name" }));
      const byId = await expectOrgKitError(storage.organizations.insert(org("e1", { name: "Other" })), "CONFLICT", "unique");
      expect((byId.cause as { code: string }).code).toBe("23505");
      expect((byId.details as UniqueConflictDetails).constraint).toBe("organizations_pkey");
      const byExternal = await expectOrgKitError(storage.organizations.insert(org("e2", { externalId: "CUST-1" })), "CONFLICT", "unique");
      expect((byExternal.details as UniqueConflictDetails).constraint).toBe("organizations_external_id_key");
      const byName = await expectOrgKitError(storage.organizations.insert(org("e3", { name: "UNIQUE name" })), "CONFLICT", "unique");
      expect((byName.details as UniqueConflictDetails).constraint).toBe("organizations_name_key_key");
    });

    it("compares names with JavaScript's case mapping, whatever the database locale", async () => {
      await storage.organizations.insert(org("e4", { name: "Électricité Öst" }));
      await expectOrgKitError(storage.organizations.insert(org("e5", { name: "éLECTRICITÉ öST" })), "CONFLICT", "unique");
      expect((await storage.organizations.findActiveByName("ÉLECTRICITÉ ÖST"))?.id).toBe("e4");
    });

    it("lets discontinued organizations share a name, and reactivation clash", async () => {
      const old = org("e6", { name: "Reused", status: "discontinued" });
      await storage.organizations.insert(old);
      await storage.organizations.insert(org("e7", { name: "reused" }));
      expect((await storage.organizations.findActiveByName("REUSED"))?.id).toBe("e7");
      await expectOrgKitError(storage.organizations.update({ ...old, status: "active", version: 2 }, 1), "CONFLICT", "unique");
    });

    it("does not enforce names when uniqueNames is false", async () => {
      const loose = await target.storage({ uniqueNames: false });
      await loose.organizations.insert(org("n1", { name: "Same" }));
      await loose.organizations.insert(org("n2", { name: "same" }));
      expect((await loose.organizations.findActiveByName("SAME"))?.id).toBe("n1");
    });

    it("maps other driver failures to STORAGE_FAILURE with the cause", async () => {
      const unmigrated = postgresStorage({ client: target.client, schema: "orgkit_never_migrated" });
      const error = await expectOrgKitError(unmigrated.organizations.get("x"), "STORAGE_FAILURE");
      expect((error.cause as { code: string }).code).toBe("42P01");
      expect(error.details["operation"]).toBe("organizations.get");
    });

    it("reports NOT_FOUND and CONFLICT (version) on updates", async () => {
      const o = org("v1");
      await storage.organizations.insert(o);
      await expectOrgKitError(storage.organizations.update({ ...org("v-missing"), version: 2 }, 1), "NOT_FOUND");
      await storage.organizations.update({ ...o, name: "v1 renamed", version: 2 }, 1);
      const stale = await expectOrgKitError(storage.organizations.update({ ...o, version: 2 }, 1), "CONFLICT", "version");
      expect(stale.details).toMatchObject({ expectedVersion: 1, actualVersion: 2 });
    });
  });

  describe("transactions", () => {
    it("rolls back everything when fn throws, and rethrows its error", async () => {
      const error = new Error("boom");
      await expect(
        storage.transaction(async (tx) => {
          await tx.organizations.insert(org("t1"));
          await tx.memberships.put({
            userId: "tu",
            organizationId: "t1",
            role: "member",
            admin: false,
            source: { type: "manual" },
            createdAt: AT,
            updatedAt: AT,
          });
          throw error;
        })
      ).rejects.toBe(error);
      const raw = await target.client.query(`SELECT count(*)::int AS n FROM "${storage.schema}".organizations WHERE id = 't1'`);
      expect(raw.rows).toEqual([{ n: 0 }]);
      expect(await storage.memberships.get("tu", "t1")).toBeNull();
    });

    it("fails with the statement's error when fn swallows it (PostgreSQL aborted the transaction)", async () => {
      await storage.organizations.insert(org("t2"));
      const failure = await expectOrgKitError(
        storage.transaction(async (tx) => {
          await tx.organizations.insert(org("t3"));
          await tx.organizations.insert(org("t2")).catch(() => undefined);
          return "done";
        }),
        "CONFLICT",
        "unique"
      );
      expect((failure.details as UniqueConflictDetails).constraint).toBe("organizations_pkey");
      expect(await storage.organizations.get("t3")).toBeNull();
    });

    it("returns fn's value and commits", async () => {
      const value = await storage.transaction(async (tx) => {
        await tx.organizations.insert(org("t4"));
        return (await tx.organizations.get("t4"))?.id;
      });
      expect(value).toBe("t4");
      expect((await storage.organizations.get("t4"))?.id).toBe("t4");
    });
  });

  describe("retries (scripted pool)", () => {
    /** A fake pool whose COMMIT fails with `state` the first `failures` times. */
    function scriptedPool(state: string, failures: number) {
      const log: string[] = [];
      let left = failures;
      const connection = {
        async query(text: string) {
          log.push(text.split(" ")[0]!);
          if (text === "COMMIT" && left > 0) {
            left -= 1;
            throw Object.assign(new Error("could not serialize access"), { code: state });
          }
          return { rows: [] };
        },
        release() {},
      };
      return { log, pool: { query: connection.query, connect: async () => connection } };
    }

    it("retries the whole transaction after a serialization failure or deadlock", async () => {
      for (const state of ["40001", "40P01"]) {
        const { pool, log } = scriptedPool(state, 2);
        let calls = 0;
        const result = await postgresStorage({ client: pool, maxRetries: 3 }).transaction(async () => ++calls);
        expect(result).toBe(3);
        expect(log.filter((s) => s === "BEGIN")).toHaveLength(3);
        expect(log.filter((s) => s === "ROLLBACK")).toHaveLength(2);
      }
    });

    it("gives up with CONFLICT (serialization) after maxRetries, the driver error as cause", async () => {
      const { pool } = scriptedPool("40001", 10);
      const error = await expectOrgKitError(
        postgresStorage({ client: pool, maxRetries: 2 }).transaction(async () => 1),
        "CONFLICT",
        "serialization"
      );
      expect((error.cause as { code: string }).code).toBe("40001");
      expect((error.details as SerializationConflictDetails).attempts).toBe(3);
    });

    it("does not retry other failures", async () => {
      const { pool, log } = scriptedPool("23505", 1);
      await expectOrgKitError(
        postgresStorage({ client: pool }).transaction(async () => 1),
        "CONFLICT",
        "unique"
      );
      expect(log.filter((s) => s === "BEGIN")).toHaveLength(1);
    });
  });

  describe("hierarchy in SQL", () => {
    it("descendants in depth-first pre-order, siblings by code unit, discontinued subtrees pruned on request", async () => {
      // Code-unit order: "B" < "Z" < "a" < "b" < "é"; a locale collation would interleave cases.
      await storage.organizations.insertMany([
        org("h"),
        org("h/b", { parentId: "h" }),
        org("h/a", { parentId: "h" }),
        org("h/Z", { parentId: "h" }),
        org("h/é", { parentId: "h" }),
        org("h/B", { parentId: "h", status: "discontinued" }),
        org("h/B/1", { parentId: "h/B" }),
        org("h/a/2", { parentId: "h/a" }),
        org("h/a/1", { parentId: "h/a" }),
        org("h/a/1/x", { parentId: "h/a/1" }),
      ]);
      expect(ids(await storage.organizations.descendants("h"))).toEqual(["h/B", "h/B/1", "h/Z", "h/a", "h/a/1", "h/a/1/x", "h/a/2", "h/b", "h/é"]);
      expect(ids(await storage.organizations.descendants("h", { includeDiscontinued: false }))).toEqual([
        "h/Z",
        "h/a",
        "h/a/1",
        "h/a/1/x",
        "h/a/2",
        "h/b",
        "h/é",
      ]);
      expect(ids(await storage.organizations.ancestors("h/a/1/x"))).toEqual(["h/a/1", "h/a", "h"]);
      expect(await storage.organizations.ancestors("h")).toEqual([]);
      expect(await storage.organizations.ancestors("unknown")).toEqual([]);
      expect(await storage.organizations.subtreeHeight("h")).toBe(3);
      expect(await storage.organizations.subtreeHeight("h/a/1/x")).toBe(0);
      expect(await storage.organizations.descendants("unknown")).toEqual([]);
      expect(ids(await storage.organizations.children("h", { limit: 2 }))).toEqual(["h/B", "h/Z"]);
      expect(ids(await storage.organizations.children("h", { after: "h/Z", limit: 2 }))).toEqual(["h/a", "h/b"]);
    });

    it("stops on a cycle in the stored data instead of recursing forever", async () => {
      // The service never writes a cycle; stored anyway, the materialized ancestry cuts it
      // somewhere (here: cy2 above cy1), and every query answers at once, never listing a
      // node among its own relatives.
      await storage.organizations.insertMany([org("cy1", { parentId: "cy2" }), org("cy2", { parentId: "cy1" })]);
      for (const id of ["cy1", "cy2"]) {
        const other = id === "cy1" ? "cy2" : "cy1";
        for (const relatives of [await storage.organizations.ancestors(id), await storage.organizations.descendants(id)]) {
          expect(ids(relatives).every((r) => r === other)).toBe(true);
        }
        expect(await storage.organizations.subtreeHeight(id)).toBeLessThanOrEqual(1);
      }
      expect(ids(await storage.organizations.ancestors("cy1"))).toEqual(["cy2"]);
      expect(await storage.organizations.descendantIds("cy2")).toEqual(["cy1"]);
      expect(await storage.organizations.descendantIds("cy1")).toEqual([]);
    });

    it("descendantIds reads ids holding its separator (U+001F, which the storage refuses in ids) correctly", async () => {
      // Written around the adapter (the storage door refuses control characters): the one-string answer must not split such an id.
      await storage.organizations.insertMany([org("sep"), org("sep/a", { parentId: "sep" }), org("sep/c", { parentId: "sep/a" })]);
      await target.client.query(`UPDATE "${storage.schema}".organization_closure SET descendant_id = 'sep/a' || chr(31) || 'b' WHERE descendant_id = 'sep/a'`);
      expect(await storage.organizations.descendantIds("sep")).toEqual(["sep/a\u001fb", "sep/c"]);
    });
  });

  describe("search in SQL", () => {
    let s: PostgresStorage;
    beforeAll(async () => {
      s = await target.storage();
      await s.organizations.insertMany([
        org("s1", { name: "100%_done", tags: ["Key", "EU"], states: ["service"], createdAt: "2024-01-03T00:00:00.000Z" }),
        org("s2", { name: "100x done", tags: ["key"], type: "oem", createdAt: "2024-01-02T00:00:00.000Z" }),
        org("s3", { name: "Zeta", externalId: "CUST_42", parentId: "s1", states: ["service", "outreach"], createdAt: "2024-01-01T00:00:00.000Z" }),
        org("s4", { name: "alpha", status: "discontinued", tags: ["EU"], createdAt: "2024-01-02T00:00:00.000Z" }),
      ]);
    });

    it("treats % and _ in the text literally and matches name, id or external id", async () => {
      expect(ids((await s.organizations.search({ text: "0%_" })).items)).toEqual(["s1"]);
      expect(ids((await s.organizations.search({ text: "100_" })).items)).toEqual([]);
      expect(ids((await s.organizations.search({ text: "cust_4" })).items)).toEqual(["s3"]);
      expect(ids((await s.organizations.search({ text: "S4" })).items)).toEqual(["s4"]);
    });

    it("filters by tags (all, case-insensitive), states, types, status and parent", async () => {
      expect(ids((await s.organizations.search({ tags: ["KEY", "eu"] })).items)).toEqual(["s1"]);
      expect(ids((await s.organizations.search({ tags: ["key"] })).items)).toEqual(["s1", "s2"]);
      expect(ids((await s.organizations.search({ states: ["outreach", "service"] })).items)).toEqual(["s3"]);
      expect(ids((await s.organizations.search({ types: ["oem"] })).items)).toEqual(["s2"]);
      expect((await s.organizations.search({ types: [] })).total).toBe(0);
      expect(ids((await s.organizations.search({ status: "discontinued" })).items)).toEqual(["s4"]);
      expect(ids((await s.organizations.search({ parentId: "s1" })).items)).toEqual(["s3"]);
      expect((await s.organizations.search({ parentId: null })).total).toBe(3);
    });

    it("sorts by lower-cased name then id, or by time, both directions, with keyset pages and a total", async () => {
      expect(ids((await s.organizations.search({})).items)).toEqual(["s1", "s2", "s4", "s3"]);
      const pages: string[][] = [];
      let cursor: string | null = null;
      let totals = new Set<number>();
      do {
        const page: Awaited<ReturnType<typeof s.organizations.search>> = await s.organizations.search({
          sort: "createdAt",
          direction: "desc",
          limit: 1,
          cursor,
        });
        pages.push(ids(page.items));
        totals.add(page.total);
        cursor = page.nextCursor;
      } while (cursor !== null);
      // s2 and s4 share a timestamp: the id breaks the tie (descending with the sort).
      expect(pages).toEqual([["s1"], ["s4"], ["s2"], ["s3"]]);
      expect([...totals]).toEqual([4]);
      totals = new Set();
    });

    it("refuses a malformed cursor, or one made for another ordering", async () => {
      await expectOrgKitError(s.organizations.search({ cursor: "not a cursor" }), "VALIDATION_FAILED");
      const page = await s.organizations.search({ limit: 1 });
      await expectOrgKitError(s.organizations.search({ limit: 1, cursor: page.nextCursor, sort: "updatedAt" }), "VALIDATION_FAILED");
      await expectOrgKitError(s.organizations.search({ limit: 0 }), "VALIDATION_FAILED");
    });
  });

  describe("users and identities", () => {
    const user = (id: string, overrides: Partial<User>): User => buildUser({ id, ...overrides });

    it("finds users by email, username, phone and domain (exact or with subdomains), a page at a time", async () => {
      await storage.users.insert(user("u1", { emails: ["ann@acme.com", "ann@mail.acme.com"], username: "ann", phones: ["+14155550100"] }));
      await storage.users.insert(user("u2", { emails: ["bob@eu.mail.acme.com"] }));
      await storage.users.insert(user("u3", { emails: ["eve@notacme.com", "eve@acme.co"] }));
      await storage.users.insert(user("u4", { emails: ["x@acme.com"] }));
      const find = async (kind: "email" | "domain" | "username" | "phone", value: string, includeSubdomains = false, after: string | null = null, limit = 10) =>
        ids(await storage.users.findMatching({ kind, value, includeSubdomains }, { after, limit }));
      expect(await find("email", "ann@acme.com")).toEqual(["u1"]);
      expect(await find("username", "ann")).toEqual(["u1"]);
      expect(await find("phone", "+14155550100")).toEqual(["u1"]);
      expect(await find("domain", "acme.com")).toEqual(["u1", "u4"]);
      expect(await find("domain", "acme.com", true)).toEqual(["u1", "u2", "u4"]);
      expect(await find("domain", "mail.acme.com", true)).toEqual(["u1", "u2"]);
      expect(await find("domain", "acme.com", true, "u1", 1)).toEqual(["u2"]);
      expect(await find("domain", "cme.com", true)).toEqual([]);
    });

    it("keeps identities in step with updates", async () => {
      const before = user("u5", { emails: ["old@old.example"] });
      await storage.users.insert(before);
      await storage.users.update({ ...before, emails: ["new@new.example"], version: 2 }, 1);
      expect(await storage.users.findMatching({ kind: "domain", value: "old.example", includeSubdomains: false }, { limit: 5 })).toEqual([]);
      expect(ids(await storage.users.findMatching({ kind: "email", value: "new@new.example", includeSubdomains: false }, { limit: 5 }))).toEqual(["u5"]);
      const identities = await target.client.query(`SELECT kind, value FROM "${storage.schema}".user_identities WHERE user_id = 'u5' ORDER BY kind`);
      expect(identities.rows).toEqual([
        { kind: "domain", value: "example.new" },
        { kind: "email", value: "new@new.example" },
      ]);
    });

    it("leaves no user and no identities behind when the insert clashes", async () => {
      await expectOrgKitError(storage.users.insert(user("u1", { emails: ["other@other.example"] })), "CONFLICT", "unique");
      expect(await storage.users.findMatching({ kind: "email", value: "other@other.example", includeSubdomains: false }, { limit: 5 })).toEqual([]);
    });
  });

  describe("memberships, resources and events", () => {
    const membership = (userId: string, organizationId: string, ruleId: string | null): Membership => ({
      userId,
      organizationId,
      role: "member",
      admin: false,
      source: ruleId === null ? { type: "manual" } : { type: "rule", ruleId },
      createdAt: AT,
      updatedAt: AT,
    });

    it("pages rule-created memberships by (organization id, user id) and drops the rule index entry when the source changes", async () => {
      for (const [u, o] of [
        ["m2", "mo1"],
        ["m1", "mo1"],
        ["m1", "mo2"],
      ] as const)
        await storage.memberships.put(membership(u, o, "rule-m"));
      const first = await storage.memberships.listBySourceRule("rule-m", { limit: 2 });
      expect(first.map((m) => `${m.organizationId}/${m.userId}`)).toEqual(["mo1/m1", "mo1/m2"]);
      const rest = await storage.memberships.listBySourceRule("rule-m", { after: "mo1\u0000m2", limit: 2 });
      expect(rest.map((m) => `${m.organizationId}/${m.userId}`)).toEqual(["mo2/m1"]);
      await storage.memberships.put({ ...membership("m1", "mo2", null), role: "manager" });
      expect(await storage.memberships.listBySourceRule("rule-m", { after: "mo1\u0000m2", limit: 2 })).toEqual([]);
      expect((await storage.memberships.get("m1", "mo2"))?.role).toBe("manager");
      await expectOrgKitError(storage.memberships.listBySourceRule("rule-m", { after: "no-separator", limit: 2 }), "VALIDATION_FAILED");
    });

    it("moves a resource's owner with a single upsert", async () => {
      await storage.resources.put({ kind: "asset", id: "pump-1", organizationId: "ro1", assignedAt: AT });
      await storage.resources.put({ kind: "asset", id: "pump-1", organizationId: "ro2", assignedAt: AT });
      expect(await storage.resources.listByOrganization("ro1", { limit: 10 })).toEqual([]);
      expect((await storage.resources.listByOrganization("ro2", { limit: 10 })).map((r) => r.id)).toEqual(["pump-1"]);
    });

    it("appends events in one statement with increasing sequences and lists them by organization", async () => {
      const s = await target.storage();
      const event = (type: string, organizationId: string | null) => ({
        type,
        organizationId,
        actor: { type: "system" as const, id: "import" },
        at: AT,
        data: { type },
      });
      const first = await s.events.append([event("a", "eo1"), event("b", null), event("c", "eo1")]);
      expect(first.map((e) => [e.sequence, e.type])).toEqual([
        [1, "a"],
        [2, "b"],
        [3, "c"],
      ]);
      const second = await s.events.append([event("d", "eo1")]);
      expect(second[0]!.sequence).toBe(4);
      expect(await s.events.lastSequence()).toBe(4);
      expect((await s.events.list({ organizationId: "eo1", after: 1, limit: 10 })).map((e) => e.type)).toEqual(["c", "d"]);
      expect(await s.events.list({ limit: 1 })).toEqual([{ sequence: 1, ...event("a", "eo1") }]);
      expect(await s.events.append([])).toEqual([]);
    });
  });

  describe("change feed by reference", () => {
    const event = (type: string) => ({ type, organizationId: "fo1", actor: { type: "system" as const, id: "suite" }, at: AT, data: { type, text: "ünïcode ✓" } });
    const rawDocs = async (schema: string) =>
      (await target.client.query(`SELECT revision, doc::text AS doc FROM "${schema}".changes ORDER BY revision`)).rows.map((row) => JSON.parse((row as { doc: string }).doc) as Record<string, unknown>);

    it("stores a transaction's own events once: the feed entry refers to them by sequence, and since() reads them back as stored", async () => {
      const s = await target.storage();
      const appended = await s.transaction(async (tx) => {
        const events = await tx.events.append([event("a"), event("b"), event("c")]);
        await tx.changes.append({ at: AT, changes: [], events });
        return events;
      });
      const [doc] = await rawDocs(s.schema);
      expect(doc).toEqual({ changes: [], eventRanges: [[appended[0]!.sequence, appended[2]!.sequence]] });
      const [entry] = await s.changes.since(0, 10);
      expect(entry!.events).toEqual(appended);
      expect(entry!.events).toEqual(await s.events.list({ limit: 10 }));
    });

    it("keeps events inline when they are not this transaction's own (given by the caller, or undone with a savepoint)", async () => {
      const s = await target.storage();
      const undone = await s.transaction(async (tx) => {
        let rolledBack: readonly unknown[] = [];
        await tx
          .savepoint!(async () => {
            rolledBack = await tx.events.append([event("undone")]);
            throw new Error("undo");
          })
          .catch(() => undefined);
        const kept = await tx.events.append([event("kept")]);
        await tx.changes.append({ at: AT, changes: [], events: kept });
        // Stored inline, as given: they are not rows of this transaction any more.
        await tx.changes.append({ at: AT, changes: [], events: rolledBack as never });
        return rolledBack;
      });
      const docs = await rawDocs(s.schema);
      expect(docs[0]).toHaveProperty("eventRanges");
      expect(docs[1]).toEqual({ changes: [], events: JSON.parse(JSON.stringify(undone)) });
      const entries = await s.changes.since(0, 10);
      expect(entries.map((e) => e.events.map((x) => x.type))).toEqual([["kept"], ["undone"]]);
      expect((await s.events.list({ limit: 10 })).map((e) => e.type)).toEqual(["kept"]);
    });
  });

  describe("bulk insert", () => {
    it("inserts many organizations in chunks, all or nothing", async () => {
      const s = await target.storage();
      const batch = Array.from({ length: 25 }, (_, i) => org(`bulk${String(i).padStart(2, "0")}`));
      await s.organizations.insertMany(batch.slice(0, 20), { chunkSize: 7 });
      expect((await s.organizations.scan({ limit: 100 })).length).toBe(20);
      // The clash (bulk03) is in the second chunk: the first chunk must not stay behind.
      const clashing = [...batch.slice(20), org("bulk99"), org("bulk98"), batch[3]!];
      const error = await s.organizations.insertMany(clashing, { chunkSize: 4 }).catch((e: unknown) => e);
      expect(isOrgKitError(error, "CONFLICT")).toBe(true);
      expect((await s.organizations.scan({ limit: 100 })).length).toBe(20);
    });
  });
}
