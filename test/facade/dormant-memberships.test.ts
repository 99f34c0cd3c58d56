/**
 * Issue 10, "Nothing is lost": discontinuing an organization keeps its memberships
 * (dormant), re-linking a user never touches them, and reactivating wakes them up
 * unchanged and links the users its rules gained meanwhile. Runs on memory storage and
 * on PostgreSQL (PGlite).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Membership, MembershipPolicy, OrgKit } from "../../src/index.js";
import { memoryStorage } from "../../src/adapters/memory/index.js";
import { pgliteTarget, type TestTarget } from "../postgres/targets.js";
import { admin, setup, system } from "./setup.js";
import type { Storage } from "../../src/storage/index.js";

interface Backend {
  readonly name: string;
  storage(): Promise<Storage>;
}

let pglite: TestTarget | undefined;
beforeAll(async () => {
  pglite = await pgliteTarget();
});
afterAll(async () => {
  await pglite?.close();
});

const backends: readonly Backend[] = [
  { name: "memory", storage: async () => memoryStorage() },
  { name: "PGlite", storage: () => pglite!.storage() },
];

/** A kit with organization `acme` (domain rule acme.example, an asset) and `other`; `ann` joined acme by its rule and was made a manager and admin there. */
async function world(backend: Backend, membershipPolicy: MembershipPolicy) {
  const { kit } = await setup({ membershipPolicy }, await backend.storage());
  await kit.organizations.create(admin, { id: "acme", name: "Acme" });
  await kit.organizations.create(admin, { id: "other", name: "Other" });
  const domainRule = (await kit.rules.add(admin, "acme", { kind: "domain", value: "acme.example" })).rule;
  await kit.resources.assign(admin, { kind: "asset", id: "press", organizationId: "acme" });
  await kit.users.upsert(system, { id: "ann", emails: [{ value: "ann@acme.example", verified: true }] });
  await kit.memberships.setRole(admin, "ann", "acme", "manager");
  const before = await kit.memberships.setAdmin(admin, "ann", "acme", true);
  expect(before.source).toEqual({ type: "rule", ruleId: domainRule.id });
  return { kit, domainRule, before };
}

/** The membership as far as issue 10 cares: everything but the time of the last change. */
function essence(membership: Membership | null) {
  if (membership === null) return null;
  const { updatedAt: _updatedAt, ...rest } = membership;
  return rest;
}

async function organizationsOf(kit: OrgKit, userId: string) {
  return (await kit.memberships.listByUser(admin, userId)).map((m) => m.organizationId);
}

describe.each(backends)("dormant memberships on $name", (backend) => {
  describe.each(["multiple", "single"] as const)("%s policy", (policy) => {
    it("a rule membership of a discontinued organization survives a re-link (phone added)", async () => {
      const { kit, before } = await world(backend, policy);
      await kit.organizations.discontinue(admin, "acme");
      await kit.users.upsert(system, { id: "ann", phones: [{ value: "+1 623-434-8050", verified: true }] });
      expect(essence(await kit.memberships.get(admin, "ann", "acme"))).toEqual(essence(before));
    });

    it("a rule membership of a discontinued organization survives a re-link caused by another organization's rule", async () => {
      const { kit, before } = await world(backend, policy);
      await kit.organizations.discontinue(admin, "acme");
      await kit.rules.add(admin, "other", { kind: "email", value: "ann@acme.example" });
      expect(essence(await kit.memberships.get(admin, "ann", "acme"))).toEqual(essence(before));
      // Under "single" the dormant membership is still ann's one organization: the other rule does not move her.
      expect(await organizationsOf(kit, "ann")).toEqual(policy === "single" ? ["acme"] : ["acme", "other"]);
    });

    it("a rule membership of a discontinued organization survives a change of the very identity its rule matched", async () => {
      const { kit, before } = await world(backend, policy);
      await kit.organizations.discontinue(admin, "acme");
      await kit.users.upsert(system, { id: "ann", emails: [{ value: "ann@elsewhere.example", verified: true }] });
      expect(essence(await kit.memberships.get(admin, "ann", "acme"))).toEqual(essence(before));
    });

    it("reactivating restores the membership and the user is a member again", async () => {
      const { kit, before } = await world(backend, policy);
      await kit.organizations.discontinue(admin, "acme");
      expect((await kit.policy()).canAccessResource("ann", { kind: "asset", id: "press" })).toBe(false);
      await kit.users.upsert(system, { id: "ann", phones: [{ value: "+1 623-434-8050", verified: true }] });
      await kit.rules.add(admin, "other", { kind: "phone", value: "+1 623-434-8050" });
      await kit.organizations.reactivate(admin, "acme");
      // Same role, admin flag and source: woken up, not re-created.
      expect(essence(await kit.memberships.get(admin, "ann", "acme"))).toEqual(essence(before));
      const policyNow = await kit.policy();
      expect(policyNow.canAccessResource("ann", { kind: "asset", id: "press" })).toBe(true);
      expect(await organizationsOf(kit, "ann")).toEqual(policy === "single" ? ["acme"] : ["acme", "other"]);
    });

    it("a user who signed up while the organization was discontinued is linked on reactivation", async () => {
      const { kit, domainRule } = await world(backend, policy);
      await kit.organizations.discontinue(admin, "acme");
      await kit.users.upsert(system, { id: "bob", emails: [{ value: "bob@acme.example", verified: true }] });
      await kit.users.upsert(system, { id: "cy", emails: [{ value: "cy@before.example", verified: true }] });
      await kit.users.upsert(system, { id: "cy", emails: [{ value: "cy@acme.example", verified: true }] });
      expect(await organizationsOf(kit, "bob")).toEqual([]); // discontinued organizations accept no new members
      const sequence = (await kit.events.list(admin, { limit: 1000 })).at(-1)!.sequence;

      await kit.organizations.reactivate(admin, "acme");
      for (const id of ["bob", "cy"]) {
        const membership = await kit.memberships.get(admin, id, "acme");
        expect(membership, id).toMatchObject({ role: "member", admin: false, source: { type: "rule", ruleId: domainRule.id } });
      }
      const events = (await kit.events.list(admin, { organizationId: "acme", after: sequence, limit: 1000 })).map((e) => [e.type, e.data["userId"] ?? null]);
      expect(events).toEqual([
        ["organization.reactivated", null],
        ["membership.added", "bob"],
        ["membership.added", "cy"],
      ]);
    });

    it("removing a rule of a discontinued organization ends the memberships it created, re-sourcing those another of its rules matches", async () => {
      const { kit, domainRule } = await world(backend, policy);
      const exact = (await kit.rules.add(admin, "acme", { kind: "email", value: "bea@acme.example" })).rule;
      await kit.users.upsert(system, { id: "bea", emails: [{ value: "bea@acme.example", verified: true }] });
      expect((await kit.memberships.get(admin, "bea", "acme"))?.source).toEqual({ type: "rule", ruleId: exact.id });
      await kit.organizations.discontinue(admin, "acme");

      expect((await kit.rules.previewRemove(admin, "acme", exact.id)).leaving).toEqual([]);
      await kit.rules.remove(admin, "acme", exact.id);
      expect((await kit.memberships.get(admin, "bea", "acme"))?.source).toEqual({ type: "rule", ruleId: domainRule.id });
      const leaving = (await kit.rules.previewRemove(admin, "acme", domainRule.id)).leaving.map((l) => l.userId);
      expect(leaving.sort()).toEqual(["ann", "bea"]);
      await kit.rules.remove(admin, "acme", domainRule.id);
      expect(await kit.memberships.listByOrganization(admin, "acme")).toEqual([]);
    });
  });

  it("single policy: a user whose one organization is dormant is moved only by hand", async () => {
    const { kit } = await world(backend, "single");
    await kit.organizations.discontinue(admin, "acme");
    await kit.rules.add(admin, "other", { kind: "email", value: "ann@acme.example" });
    expect(await organizationsOf(kit, "ann")).toEqual(["acme"]);
    await kit.memberships.add(admin, { userId: "ann", organizationId: "other" });
    expect((await kit.memberships.listByUser(admin, "ann")).map((m) => [m.organizationId, m.source.type])).toEqual([["other", "manual"]]);
  });

  it("single policy: after reactivation the woken rule membership follows the rules again at the next re-link", async () => {
    const { kit } = await world(backend, "single");
    await kit.organizations.discontinue(admin, "acme");
    await kit.rules.add(admin, "other", { kind: "email", value: "ann@acme.example" });
    await kit.organizations.reactivate(admin, "acme");
    expect(await organizationsOf(kit, "ann")).toEqual(["acme"]);
    // The exact email rule outranks the domain rule: the next re-link moves her.
    await kit.users.upsert(system, { id: "ann", phones: [{ value: "+1 623-434-8050", verified: true }] });
    expect(await organizationsOf(kit, "ann")).toEqual(["other"]);
  });

  it("single policy: a user who signed up while the organization was discontinued moves to it on reactivation when it is the better match", async () => {
    const { kit } = await world(backend, "single");
    await kit.rules.add(admin, "acme", { kind: "email", value: "dan@acme.example" });
    await kit.rules.add(admin, "other", { kind: "phone", value: "+1 623-434-8050" });
    await kit.organizations.discontinue(admin, "acme");
    await kit.users.upsert(system, { id: "dan", emails: [{ value: "dan@acme.example", verified: true }], phones: [{ value: "+1 623-434-8050", verified: true }] });
    expect(await organizationsOf(kit, "dan")).toEqual(["other"]);
    await kit.organizations.reactivate(admin, "acme");
    // An exact email outranks a phone: dan moves, as if acme had never been discontinued.
    expect(await organizationsOf(kit, "dan")).toEqual(["acme"]);
  });
});
