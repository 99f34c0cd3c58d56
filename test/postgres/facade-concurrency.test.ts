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
});
