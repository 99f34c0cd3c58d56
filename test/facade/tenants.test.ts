/**
 * Tenant isolation: two tenants of one storage hold identical data (same ids, names,
 * external ids, domain claims, users), and every use case and read on one never sees,
 * changes or conflicts with the other. On memory, on PostgreSQL plain and hash-partitioned
 * by tenant (PGlite; the server too when ORGKIT_PG_URL is set).
 */
import { PGlite } from "@electric-sql/pglite";
import { afterAll, describe, expect, it } from "vitest";
import { createOrgKit, SYSTEM_ACTOR, type OrgKit } from "../../src/index.js";
import { memoryStorage } from "../../src/adapters/memory/index.js";
import { migrate, postgresStorage, type PostgresTransactional } from "../../src/adapters/postgres/index.js";
import { createTestClock } from "../../src/testing/test-clock.js";
import { createTestIds } from "../../src/testing/test-ids.js";
import { randomSchema, SERVER_URL, serverTarget, type TestTarget } from "../postgres/targets.js";
import { dumpThroughPorts } from "./storage-targets.js";
import { admin, rejects } from "./setup.js";
import type { Storage } from "../../src/storage/index.js";

const system = SYSTEM_ACTOR;

/** A storage that can hand out tenants: memory, or PostgreSQL in a fresh schema of a layout. */
interface TenantTarget {
  readonly name: string;
  base(): Promise<Storage & { forTenant(tenant: string): Storage }>;
}

let db: Promise<PGlite> | undefined;
let server: Promise<TestTarget> | undefined;
afterAll(async () => {
  if (db) await (await db).close();
  if (server) await (await server).close();
});
const onPglite = (partitions?: number) => async () => {
  const client = await (db ??= PGlite.create());
  const schema = randomSchema("tenants");
  await migrate(client, partitions === undefined ? { schema } : { schema, partitions });
  return postgresStorage({ client, schema });
};
const targets: TenantTarget[] = [
  { name: "memory", base: async () => memoryStorage() },
  { name: "PGlite", base: onPglite() },
  { name: "PGlite, hash-partitioned", base: onPglite(4) },
  ...(SERVER_URL
    ? [
        { name: "server", base: async () => (await (server ??= serverTarget(4))).storage({}, randomSchema("tenants")) },
        { name: "server, hash-partitioned", base: async () => (await (server ??= serverTarget(4))).storage({}, randomSchema("tenants"), { partitions: 8 }) },
      ]
    : []),
];

/** A kit on one tenant, with the clock and ids every tenant's kit shares (so both hold the same ids). */
function kitOn(storage: Storage): OrgKit {
  return createOrgKit({ storage, clock: createTestClock().now, ids: createTestIds(), config: { ruleConflict: "reject" } });
}

/**
 * The same helpdesk set up in a tenant: a tree with external ids, an exclusive domain
 * claim that links verified users, a manual member and org admin, a usergroup linked to
 * the organization, a staff profile, an agent, resources, events and revisions.
 */
async function populate(kit: OrgKit) {
  await kit.users.upsert(system, { id: "admin", kind: "agent", platformRole: "admin", registered: true });
  const group = await kit.usergroups.create(admin, { id: "portal", name: "Portal users", permissions: ["portal.tickets.read"] });
  const profile = await kit.profiles.create(admin, { id: "support", name: "Support", organizations: { service: ["read", "edit"], none: ["read"] } });
  await kit.users.upsert(system, { id: "agent", kind: "agent", profileId: profile.id, registered: true });
  const acme = await kit.organizations.create(admin, { id: "acme", externalId: "CUST-1", name: "Acme", states: ["service"] });
  const east = await kit.organizations.create(admin, { id: "acme-east", externalId: "CUST-2", name: "Acme East", parentId: acme.id });
  await kit.organizations.create(admin, { id: "acme-boston", externalId: "CUST-3", name: "Acme Boston", parentId: east.id });
  await kit.rules.add(admin, acme.id, { kind: "domain", value: "acme.example" });
  await kit.users.upsert(system, { id: "ann", emails: [{ value: "ann@acme.example", verified: true }], registered: true });
  await kit.users.upsert(system, { id: "bob", emails: [{ value: "bob@acme.example", verified: true }] });
  await kit.memberships.add(admin, { userId: "bob", organizationId: east.id, role: "manager" });
  await kit.memberships.setAdmin(admin, "ann", acme.id, true);
  await kit.usergroups.linkOrganization(admin, acme.id, group.id);
  await kit.resources.assign(admin, { kind: "asset", id: "laptop-1", organizationId: east.id });
  await kit.organizations.import(admin, [
    { externalId: "CUST-10", name: "Globex", parentExternalId: null },
    { externalId: "CUST-11", name: "Globex West", parentExternalId: "CUST-10" },
  ]);
  const invited = await kit.invitations.create(admin, { organizationId: acme.id, email: "dora@partner.example", role: "member" });
  await kit.invitations.accept(invited.token, "dora");
  const withdrawn = await kit.invitations.create(admin, { organizationId: east.id, email: "eli@partner.example" });
  await kit.invitations.revoke(admin, withdrawn.invitation.id);
  await kit.invitations.create(admin, { organizationId: east.id, phone: "+1 415 555 0100" });
}

/** What a tenant's kit answers to the reads a host makes, as one comparable value. */
async function reads(kit: OrgKit) {
  const policy = await kit.policy();
  return JSON.stringify({
    search: await kit.organizations.search(admin, { text: "acme", limit: 50 }),
    all: await kit.organizations.search(admin, { limit: 50 }),
    byExternalId: await kit.organizations.getByExternalId(admin, "CUST-2"),
    tree: await kit.organizations.tree(admin, "acme"),
    ancestors: await kit.organizations.ancestors(admin, "acme-boston"),
    members: await kit.memberships.listByOrganization(admin, "acme"),
    ann: await kit.memberships.listByUser(admin, "ann"),
    rules: await kit.rules.list(admin, "acme"),
    resources: await kit.resources.listByOrganization(admin, "acme-east"),
    invitations: [await kit.invitations.list(admin, "acme"), await kit.invitations.list(admin, "acme-east")],
    groups: await kit.usergroups.list(admin),
    profiles: await kit.profiles.list(admin),
    events: await kit.events.list(admin, { limit: 1000 }),
    can: [policy.can("ann", "portal.tickets.read"), policy.canAccessResource("bob", { kind: "asset", id: "laptop-1" })],
    revision: await kit.revision(),
  });
}

/** A dump with event sequences, revisions and invitation token hashes (each token is random) left out. */
function withoutNumbers(dump: string): unknown {
  return JSON.parse(dump, (key, value: unknown) => (key === "sequence" || key === "revision" || key === "tokenHash" ? undefined : value));
}

describe.each(targets)("tenants on $name", (target) => {
  it("two tenants hold identical data side by side: same ids, names, external ids, claims and users, no conflict", async () => {
    const base = await target.base();
    const a = kitOn(base.forTenant("tenant-a"));
    const b = kitOn(base.forTenant("tenant-b"));
    await populate(a);
    await populate(b);
    // Identical, but for the numbers PostgreSQL draws from sequences the tenants share
    // (event sequences, revisions: increasing within each tenant, with gaps).
    expect(withoutNumbers(await dumpThroughPorts(base.forTenant("tenant-a")))).toEqual(withoutNumbers(await dumpThroughPorts(base.forTenant("tenant-b"))));
    expect(withoutNumbers(await reads(a))).toEqual(withoutNumbers(await reads(b)));
    // The default tenant of the same storage is empty.
    expect(await base.organizations.scan({ after: null, limit: 10 })).toEqual([]);
    expect(await base.changes.latestRevision()).toBe(0);
  });

  it("every use case on one tenant leaves the other exactly as it was, and reads on one never see the other", async () => {
    const base = await target.base();
    const storageB = base.forTenant("tenant-b");
    const a = kitOn(base.forTenant("tenant-a"));
    const b = kitOn(storageB);
    await populate(a);
    await populate(b);
    const dumpB = await dumpThroughPorts(storageB);
    const readsB = await reads(b);
    const revisionB = await b.revision();

    // Writes through every use case on tenant A, on the ids tenant B also holds.
    await a.organizations.rename(admin, "acme", "Acme Corporation");
    await a.organizations.update(admin, "acme-east", { description: "moved", states: ["service"] });
    await a.organizations.setParent(admin, "acme-boston", "acme");
    await a.organizations.detach(admin, "acme-east");
    await a.organizations.discontinue(admin, "acme-east");
    await a.organizations.reactivate(admin, "acme-east");
    await a.organizations.create(admin, { id: "only-a", externalId: "CUST-99", name: "Only in A", parentId: "acme" });
    const rule = await a.rules.add(admin, "acme", { kind: "email", value: "carol@elsewhere.example" });
    await a.rules.remove(admin, "acme", rule.rule.id);
    const domainRule = (await a.rules.list(admin, "acme")).find((r) => r.kind === "domain")!;
    await a.rules.remove(admin, "acme", domainRule.id);
    await a.users.upsert(system, { id: "ann", emails: [{ value: "ann@other.example", verified: true }] });
    await a.memberships.add(admin, { userId: "ann", organizationId: "acme-east" });
    await a.memberships.setRole(admin, "bob", "acme-east", "member");
    await a.memberships.remove(admin, "bob", "acme-east");
    await a.resources.assign(admin, { kind: "asset", id: "laptop-1", organizationId: "acme" });
    await a.resources.unassign(admin, "asset", "laptop-1");
    await a.usergroups.update(admin, "portal", { permissions: ["portal.chat"] });
    await a.usergroups.unlinkOrganization(admin, "acme", "portal");
    await a.usergroups.delete(admin, "portal");
    await a.profiles.update(admin, "support", { add: true });
    await a.organizations.import(admin, [{ externalId: "CUST-10", name: "Globex Renamed", parentExternalId: null }]);
    // Merging duplicates: members, resources and children of an organization B holds too move to another B holds.
    await a.resources.assign(admin, { kind: "asset", id: "laptop-1", organizationId: "acme-east" });
    await a.organizations.setParent(admin, "acme-boston", "acme-east");
    await a.organizations.previewMerge(admin, "acme-east", "acme");
    await a.organizations.merge(admin, "acme-east", "acme");
    await a.organizations.import(admin, [{ externalId: "CUST-2", name: "Acme Corporation", description: "through the duplicate" }]);
    const [pendingInA] = await a.invitations.list(admin, "acme-east", { status: "pending" });
    await a.invitations.revoke(admin, pendingInA!.id);
    const again = await a.invitations.create(admin, { organizationId: "acme", email: "dora@partner.example", role: "manager" });
    await a.invitations.accept(again.token, "dora");

    expect(await dumpThroughPorts(storageB)).toBe(dumpB);
    expect(await reads(b)).toBe(readsB);
    expect(await b.revision()).toBe(revisionB);

    // A's reads do not see what only B holds.
    await b.organizations.create(admin, { id: "only-b", externalId: "CUST-77", name: "Only in B" });
    expect(await a.organizations.get(admin, "only-b")).toBeNull();
    expect(await a.organizations.getByExternalId(admin, "CUST-77")).toBeNull();
    expect((await a.organizations.search(admin, { text: "only in", limit: 10 })).items.map((o) => o.id)).toEqual(["only-a"]);
    expect((await b.organizations.search(admin, { text: "only in", limit: 10 })).total).toBe(1);
    // Uniqueness is per tenant: B may take A's new name and external id, and A still refuses its own duplicate.
    await b.organizations.create(admin, { id: "b-copy", externalId: "CUST-99", name: "Only in A" });
    await rejects(a.organizations.create(admin, { name: "only in a" }), "CONFLICT");
  });

  it("a tenant's revisions and feed are its own: a write on one wakes no listener or subscriber of the other", async () => {
    const base = await target.base();
    const storageA = base.forTenant("tenant-a");
    const a = kitOn(storageA);
    const b = kitOn(base.forTenant("tenant-b"));
    await populate(b);
    const heard: number[] = [];
    const listener = await storageA.listen!({ onRevision: (revision) => heard.push(revision), onError: () => undefined });
    const delivered: number[] = [];
    const subscription = a.changes.subscribe((entry) => void delivered.push(entry.revision), { from: 0, pollMs: 10 });
    try {
      await b.organizations.rename(admin, "acme", "Renamed in B");
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(heard).toEqual([]);
      expect(delivered).toEqual([]);
      expect(await a.revision()).toBe(0);
      expect((await a.changes.since(0)).entries).toEqual([]);
      await a.users.upsert(system, { id: "admin", kind: "agent", platformRole: "admin" });
      const revision = await a.revision();
      for (let i = 0; i < 100 && (heard.length === 0 || delivered.length === 0); i++) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(heard).toEqual([revision]);
      expect(delivered).toEqual([revision]);
    } finally {
      await subscription.close();
      await listener.close();
    }
  });
});

describe("every statement is scoped to its tenant", () => {
  it("each statement the adapter sends about orgkit's tables names the tenant (PGlite, recorded while every use case runs)", async () => {
    const client = await (db ??= PGlite.create());
    const schema = randomSchema("tenants_audit");
    await migrate(client, { schema });
    const sent: string[] = [];
    const recording: PostgresTransactional = {
      query: (text, params) => {
        sent.push(text);
        return client.query(text, params as unknown[]);
      },
      transaction: (fn) =>
        client.transaction((tx) =>
          fn({
            query: (text: string, params?: readonly unknown[]) => {
              sent.push(text);
              return tx.query(text, params as unknown[]);
            },
          } as never),
        ),
    };
    const kit = kitOn(postgresStorage({ client: recording, schema, tenant: "audited" }));
    await populate(kit);
    await kit.organizations.setParent(admin, "acme-boston", "acme");
    await kit.organizations.discontinue(admin, "acme-east");
    await reads(kit);
    await kit.rules.previewAdd(admin, "acme", { kind: "domain", value: "acme.example" }).catch(() => undefined);
    // Users: list, export, remove and erase (scrubbing the trail and the feed).
    await kit.users.list(admin, { limit: 2 });
    await kit.users.list(admin, { organizationId: "acme" });
    await kit.users.export(admin, "ann");
    await kit.users.upsert(system, { id: "fresh" });
    await kit.users.remove(admin, "fresh");
    await kit.users.erase(admin, "ann");
    // Merging duplicates: the set-wise moves of children, members and resources, and the lookups that follow merges.
    await kit.organizations.create(admin, { id: "dup", externalId: "CUST-D", name: "Duplicate" });
    await kit.organizations.create(admin, { id: "dup-kid", name: "Duplicate's child", parentId: "dup" });
    await kit.memberships.add(admin, { userId: "bob", organizationId: "dup" });
    await kit.resources.assign(admin, { kind: "asset", id: "laptop-d", organizationId: "dup" });
    await kit.organizations.previewMerge(admin, "dup", "acme");
    await kit.organizations.merge(admin, "dup", "acme");
    await kit.organizations.get(admin, "dup");
    await kit.organizations.getByExternalId(admin, "CUST-D");
    await kit.organizations.import(admin, [{ externalId: "CUST-D", name: "Acme", summary: "through the duplicate" }]);
    const aboutTables = sent.filter((text) => text.includes(`"${schema}".`));
    expect(aboutTables.length).toBeGreaterThan(50);
    const unscoped = aboutTables.filter((text) => !text.includes("'audited'"));
    expect(unscoped).toEqual([]);
  });
});

describe("tenant ids", () => {
  it("are checked: a bad tenant id is VALIDATION_FAILED before any query", async () => {
    for (const bad of ["", "a'b", "semi;colon", "with space", "-leading", "x".repeat(129), "tab\t"]) {
      expect(() => memoryStorage({ tenant: bad })).toThrow(/tenant/);
      expect(() => memoryStorage().forTenant(bad)).toThrow(/tenant/);
      expect(() => postgresStorage({ client: { query: async () => ({ rows: [] }), transaction: async () => undefined } as never, tenant: bad })).toThrow(/tenant/);
    }
    expect(memoryStorage({ tenant: "550e8400-e29b-41d4-a716-446655440000" }).tenant).toBe("550e8400-e29b-41d4-a716-446655440000");
    const memory = memoryStorage();
    expect(memory.tenant).toBe("default");
    expect(memory.forTenant("t1")).toBe(memory.forTenant("t1"));
  });
});
