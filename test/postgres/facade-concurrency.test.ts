/**
 * The concurrency guarantees, through the facade, on a real server: concurrent use
 * cases on separate pool connections. Runs only when ORGKIT_PG_URL is set.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOrgKit, isOrgKitError, SYSTEM_ACTOR, type OrgKit } from "../../src/index.js";
import type { PostgresStorage } from "../../src/adapters/postgres/index.js";
import { SERVER_URL, serverTarget, type TestTarget } from "./targets.js";

const system = SYSTEM_ACTOR;

function outcomes(results: PromiseSettledResult<unknown>[]) {
  return results.map((r) => (r.status === "fulfilled" ? "ok" : isOrgKitError(r.reason) ? r.reason.code : `non-orgkit: ${String(r.reason)}`));
}

describe.skipIf(!SERVER_URL)("facade concurrency on PostgreSQL (server)", () => {
  let target: TestTarget;
  let storage: PostgresStorage;
  let kit: OrgKit;

  beforeAll(async () => {
    target = await serverTarget(24);
    storage = await target.storage({ maxRetries: 10 });
    kit = createOrgKit({ storage, config: { membershipPolicy: "single" } });
  });
  afterAll(async () => {
    await target?.close();
  });

  it("two concurrent cross-moves: exactly one succeeds, the other is refused, no cycle", async () => {
    for (let round = 0; round < 6; round++) {
      const a = await kit.organizations.create(system, { name: `Cross A ${round}` });
      const b = await kit.organizations.create(system, { name: `Cross B ${round}` });
      const results = outcomes(await Promise.allSettled([kit.organizations.setParent(system, a.id, b.id), kit.organizations.setParent(system, b.id, a.id)]));
      expect(results.filter((r) => r === "ok")).toHaveLength(1);
      expect(results.filter((r) => r !== "ok")[0]).toMatch(/^(HIERARCHY_CYCLE|CONFLICT)$/);
      const [sa, sb] = await storage.organizations.getMany([a.id, b.id]);
      expect(sa!.parentId === b.id && sb!.parentId === a.id).toBe(false);
    }
  });

  it("20 concurrent updates with the same expectedVersion: one applies, the rest get CONFLICT, none lost", async () => {
    const org = await kit.organizations.create(system, { name: "Contended" });
    const results = outcomes(
      await Promise.allSettled(Array.from({ length: 20 }, (_, i) => kit.organizations.update(system, org.id, { industry: `v${i}` }, { expectedVersion: 1 }))),
    );
    expect(results.filter((r) => r === "ok")).toHaveLength(1);
    expect(results.filter((r) => r !== "ok").every((r) => r === "CONFLICT")).toBe(true);
    expect((await storage.organizations.get(org.id))!.version).toBe(2);
    // Without expectedVersion every update applies, one after another.
    const blind = outcomes(await Promise.allSettled(Array.from({ length: 20 }, (_, i) => kit.organizations.update(system, org.id, { summary: `s${i}` }))));
    expect(blind.filter((r) => r === "ok").length + blind.filter((r) => r === "CONFLICT").length).toBe(20);
    expect((await storage.organizations.get(org.id))!.version).toBe(2 + blind.filter((r) => r === "ok").length);
  });

  it("concurrent moves of one user under the single policy: it ends in exactly one organization", async () => {
    const orgs = [];
    for (let i = 0; i < 5; i++) orgs.push(await kit.organizations.create(system, { name: `Home ${i}` }));
    await kit.users.upsert(system, { id: "mover" });
    const results = outcomes(await Promise.allSettled(orgs.map((o) => kit.memberships.add(system, { userId: "mover", organizationId: o.id }))));
    expect(results.filter((r) => r === "ok").length).toBeGreaterThanOrEqual(1);
    const memberships = await storage.memberships.listByUser("mover");
    expect(memberships).toHaveLength(1);
  });

  it("two organizations claiming the same domain at once: one wins, the other gets RULE_CONFLICT", async () => {
    for (let round = 0; round < 4; round++) {
      const a = await kit.organizations.create(system, { name: `Claim A ${round}` });
      const b = await kit.organizations.create(system, { name: `Claim B ${round}` });
      const domain = `contested${round}.example`;
      const results = outcomes(
        await Promise.allSettled([kit.rules.add(system, a.id, { kind: "domain", value: domain }), kit.rules.add(system, b.id, { kind: "domain", value: domain })]),
      );
      expect(results.sort()).toEqual(["RULE_CONFLICT", "ok"]);
      const owners = (await storage.rules.findByKeys([{ kind: "domain", value: domain }])).map((r) => r.organizationId);
      expect(owners).toHaveLength(1);
    }
  });

  // ----- Merging duplicates, against concurrent moves and membership changes.

  it("a merge against a move of the survivor under the duplicate's child: never a cycle", async () => {
    for (let round = 0; round < 6; round++) {
      const d = await kit.organizations.create(system, { name: `Merge D ${round}` });
      const s = await kit.organizations.create(system, { name: `Merge S ${round}` });
      const c = await kit.organizations.create(system, { name: `Merge C ${round}`, parentId: d.id });
      const results = outcomes(await Promise.allSettled([kit.organizations.merge(system, d.id, s.id), kit.organizations.setParent(system, s.id, c.id)]));
      expect(results.every((r) => r === "ok" || r === "HIERARCHY_CYCLE" || r === "CONFLICT"), results.join()).toBe(true);
      const [sd, ss, sc] = await storage.organizations.getMany([d.id, s.id, c.id]);
      expect(sc!.parentId === ss!.id && ss!.parentId === sc!.id, "a cycle").toBe(false);
      if (sd!.mergedInto === s.id) expect(await storage.organizations.children(d.id)).toEqual([]);
    }
  });

  it("a merge against members joining the duplicate and its child moving away: no member lost, nothing left behind", async () => {
    for (let round = 0; round < 6; round++) {
      const d = await kit.organizations.create(system, { name: `Join D ${round}` });
      const s = await kit.organizations.create(system, { name: `Join S ${round}` });
      const x = await kit.organizations.create(system, { name: `Join X ${round}` });
      const c = await kit.organizations.create(system, { name: `Join C ${round}`, parentId: d.id });
      const users = [`joiner-${round}-a`, `joiner-${round}-b`, `joiner-${round}-c`];
      for (const id of users) await kit.users.upsert(system, { id });
      await kit.memberships.add(system, { userId: users[0]!, organizationId: d.id });
      const results = await Promise.allSettled([
        kit.organizations.merge(system, d.id, s.id),
        kit.memberships.add(system, { userId: users[1]!, organizationId: d.id }),
        kit.memberships.add(system, { userId: users[2]!, organizationId: d.id, role: "manager" }),
        kit.organizations.setParent(system, c.id, x.id),
      ]);
      expect(outcomes(results)[0]).toBe("ok");
      // The merge won: nothing stays with the duplicate, and every member who joined it is in the survivor.
      expect(await storage.memberships.listByOrganization(d.id, { limit: 10 })).toEqual([]);
      expect(await storage.organizations.children(d.id)).toEqual([]);
      for (const [i, userId] of users.entries()) {
        const joined = i === 0 || results[i]!.status === "fulfilled";
        expect((await storage.memberships.listByUser(userId)).map((m) => m.organizationId), userId).toEqual(joined ? [s.id] : []);
      }
      expect([s.id, x.id]).toContain((await storage.organizations.get(c.id))!.parentId);
    }
  });

  it("two merges of one duplicate, or of two organizations into each other, at once: exactly one applies", async () => {
    for (let round = 0; round < 4; round++) {
      const a = await kit.organizations.create(system, { name: `Twice A ${round}` });
      const b = await kit.organizations.create(system, { name: `Twice B ${round}` });
      const t = await kit.organizations.create(system, { name: `Twice T ${round}` });
      const sameDuplicate = outcomes(await Promise.allSettled([kit.organizations.merge(system, a.id, b.id), kit.organizations.merge(system, a.id, t.id)]));
      expect(sameDuplicate.filter((r) => r === "ok")).toHaveLength(1);
      expect(sameDuplicate.filter((r) => r !== "ok")).toEqual(["CONFLICT"]);
      const c = await kit.organizations.create(system, { name: `Twice C ${round}` });
      const d = await kit.organizations.create(system, { name: `Twice D ${round}` });
      const crossed = outcomes(await Promise.allSettled([kit.organizations.merge(system, c.id, d.id), kit.organizations.merge(system, d.id, c.id)]));
      expect(crossed.filter((r) => r === "ok")).toHaveLength(1);
      const [sc, sd] = await storage.organizations.getMany([c.id, d.id]);
      expect([sc!.mergedInto, sd!.mergedInto].filter((m) => m !== undefined)).toHaveLength(1);
    }
  });
});
