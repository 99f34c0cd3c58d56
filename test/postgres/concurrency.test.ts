/**
 * Concurrency on a real server (separate connections, real SERIALIZABLE conflicts).
 * Runs only when ORGKIT_PG_URL is set.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MemberRuleRecord } from "../../src/domain/membership/model.js";
import pg from "pg";
import { migrate, type PostgresStorage } from "../../src/adapters/postgres/index.js";
import { buildOrganization, buildUser } from "../../src/testing/builders.js";
import { Barrier, claimRule, moveOrganization, moveUser, outcome, renameOrganization } from "./concurrency-scenarios.js";
import { randomSchema, SERVER_URL, serverTarget, type TestTarget } from "./targets.js";

const AT = "2024-01-01T00:00:00.000Z";

describe.skipIf(!SERVER_URL)("postgres concurrency (server)", () => {
  let target: TestTarget;
  let storage: PostgresStorage;

  beforeAll(async () => {
    target = await serverTarget(24);
    storage = await target.storage({ maxRetries: 10 });
  });
  afterAll(async () => {
    await target?.close();
  });

  /** Walks up from `id` with raw SQL (not the adapter) and fails on a loop. */
  async function rawChainIsAcyclic(id: string): Promise<boolean> {
    const seen = new Set<string>();
    let current: string | null = id;
    while (current !== null) {
      if (seen.has(current)) return false;
      seen.add(current);
      const result = await target.client.query(`SELECT parent_id FROM "${storage.schema}".organizations WHERE id = $1`, [current]);
      current = ((result.rows[0] as { parent_id: string | null } | undefined)?.parent_id ?? null) as string | null;
    }
    return true;
  }

  it("concurrent migrate() runs on a fresh schema: all succeed, each version is applied once", async () => {
    const schema = randomSchema();
    const pools = Array.from({ length: 4 }, () => new pg.Pool({ connectionString: SERVER_URL, max: 1 }));
    try {
      const results = await Promise.all(pools.map((pool) => migrate(pool, { schema })));
      expect(results.flatMap((r) => r.applied).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 11]);
      expect(results.map((r) => r.version)).toEqual([11, 11, 11, 11]);
      const recorded = await target.client.query(`SELECT version FROM "${schema}".orgkit_migrations ORDER BY version`);
      expect(recorded.rows).toEqual([{ version: 0 }, { version: 1 }, { version: 2 }, { version: 3 }, { version: 4 }, { version: 5 }, { version: 6 }, { version: 11 }]);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
      await target.client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    }
  });

  it("tenants do not wait for each other: a write held open in one tenant blocks its own next writer, never another tenant's", async () => {
    const event = { type: "organization.updated", organizationId: "acme", actor: { type: "system", id: "system" }, at: AT, data: {} } as const;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let appended!: () => void;
    const hasAppended = new Promise<void>((resolve) => (appended = resolve));
    // Tenant a appends (taking its write lock) and stays open until released.
    const open = storage.forTenant("tenant-a").transaction(async (tx) => {
      await tx.events.append([event]);
      appended();
      await held;
    });
    await hasAppended;
    const started = Date.now();
    const other = await storage.forTenant("tenant-b").events.append([event]);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(other).toHaveLength(1);
    // Tenant a's next writer waits for the open transaction.
    let sameTenantDone = false;
    const same = storage.forTenant("tenant-a").events.append([event]).then((events) => {
      sameTenantDone = true;
      return events;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sameTenantDone).toBe(false);
    release();
    await open;
    const [later] = await same;
    const [first] = await storage.forTenant("tenant-a").events.list({ limit: 1 });
    expect(later!.sequence).toBeGreaterThan(first!.sequence);
  });

  it("(a) two concurrent cross-moves: exactly one succeeds and no cycle exists", async () => {
    for (let round = 0; round < 8; round++) {
      const a = buildOrganization({ id: `xa${round}`, name: `Cross A ${round}` });
      const b = buildOrganization({ id: `xb${round}`, name: `Cross B ${round}` });
      await storage.organizations.insertMany([a, b]);
      const barrier = new Barrier(2);
      const results = await Promise.all([
        outcome(() => moveOrganization(storage, a.id, b.id, barrier)),
        outcome(() => moveOrganization(storage, b.id, a.id, barrier)),
      ]);
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      const failure = results.find((r) => !r.ok);
      // The loser either saw the winner's move on retry (cycle refused) or ran out of retries.
      expect(failure).toBeDefined();
      if (failure !== undefined && !failure.ok) expect(["HIERARCHY_CYCLE", "CONFLICT"]).toContain(failure.code);
      expect(await rawChainIsAcyclic(a.id)).toBe(true);
      expect(await rawChainIsAcyclic(b.id)).toBe(true);
      const parents = [(await storage.organizations.get(a.id))!.parentId, (await storage.organizations.get(b.id))!.parentId];
      expect(parents.filter((p) => p !== null)).toHaveLength(1);
    }
  });

  it("(b) 20 concurrent read-modify-write updates of one organization: none lost", async () => {
    const org = buildOrganization({ id: "hot", name: "Hot" });
    await storage.organizations.insert(org);
    const barrier = new Barrier(20);
    const seenVersions: number[] = [];
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        outcome(async () => {
          seenVersions[i] = await renameOrganization(storage, org.id, `Hot ${i}`, barrier);
        })
      )
    );
    for (const r of results) if (!r.ok) expect(r.code).toBe("CONFLICT");
    const applied = results.filter((r) => r.ok).length;
    expect(applied).toBeGreaterThanOrEqual(1);
    const stored = await storage.organizations.get(org.id);
    expect(stored!.version).toBe(1 + applied);
    // Every applied update started from a different version: no two overwrote the same state.
    const started = results.flatMap((r, i) => (r.ok ? [seenVersions[i]!] : []));
    expect(new Set(started).size).toBe(applied);
    const raw = await target.client.query(`SELECT version FROM "${storage.schema}".organizations WHERE id = $1`, [org.id]);
    expect(Number((raw.rows[0] as { version: number }).version)).toBe(1 + applied);
  });

  it("(b') 20 concurrent updates with the same stale expectedVersion: exactly one applies", async () => {
    const org = buildOrganization({ id: "hot2", name: "Hot two" });
    await storage.organizations.insert(org);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => outcome(() => storage.organizations.update({ ...org, name: `Hot two ${i}`, version: 2 }, 1)))
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    for (const r of results) if (!r.ok) expect([r.code, r.reason]).toEqual(["CONFLICT", "version"]);
    expect((await storage.organizations.get(org.id))!.version).toBe(2);
  });

  it("(c) concurrent single-organization moves of one user: it ends in exactly one organization", async () => {
    const targets = Array.from({ length: 6 }, (_, i) => buildOrganization({ id: `dest${i}`, name: `Destination ${i}` }));
    await storage.organizations.insertMany(targets);
    for (const start of ["empty", "member"] as const) {
      const user = buildUser({ id: `mover_${start}` });
      await storage.users.insert(user);
      if (start === "member") await moveUser(storage, user.id, targets[0]!.id, AT);
      const barrier = new Barrier(targets.length);
      const results = await Promise.all(targets.map((o) => outcome(() => moveUser(storage, user.id, o.id, AT, barrier))));
      for (const r of results) if (!r.ok) expect([r.code, r.reason]).toEqual(["CONFLICT", "serialization"]);
      expect(results.some((r) => r.ok)).toBe(true);
      const memberships = await storage.memberships.listByUser(user.id);
      expect(memberships).toHaveLength(1);
      const raw = await target.client.query(`SELECT count(*) AS n FROM "${storage.schema}".memberships WHERE user_id = $1`, [user.id]);
      expect(Number((raw.rows[0] as { n: unknown }).n)).toBe(1);
    }
  });

  it("(d) two organizations claiming the same domain at once: one wins, the other gets a conflict", async () => {
    for (let round = 0; round < 5; round++) {
      const value = `claim${round}.example`;
      const rule = (id: string, organizationId: string): MemberRuleRecord => ({
        id,
        organizationId,
        kind: "domain",
        value,
        includeSubdomains: false,
        exclusive: true,
      });
      const barrier = new Barrier(2);
      const results = await Promise.all([
        outcome(() => claimRule(storage, rule(`r${round}a`, "claimant_a"), barrier)),
        outcome(() => claimRule(storage, rule(`r${round}b`, "claimant_b"), barrier)),
      ]);
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      const loser = results.find((r) => !r.ok);
      // CONFLICT from the unique index (or serialization), or RULE_CONFLICT when its retry saw the winner.
      if (loser !== undefined && !loser.ok) expect(["CONFLICT", "RULE_CONFLICT"]).toContain(loser.code);
      const claims = await storage.rules.findByKeys([{ kind: "domain", value }]);
      expect(claims).toHaveLength(1);
    }
  });

  it("(d') two blind exclusive inserts of the same value at once: exactly one CONFLICT (unique)", async () => {
    const rule = (id: string, organizationId: string): MemberRuleRecord => ({
      id,
      organizationId,
      kind: "email",
      value: "ceo@blind.example",
      includeSubdomains: false,
      exclusive: true,
    });
    const results = await Promise.all([outcome(() => storage.rules.insert(rule("blind_a", "oa"))), outcome(() => storage.rules.insert(rule("blind_b", "ob")))]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok)).toEqual([{ ok: false, code: "CONFLICT", reason: "unique" }]);
  });
});
