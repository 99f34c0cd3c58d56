/**
 * Issue 11, "Joining through identities" and "Rule hijack": nobody joins an organization
 * through someone else's say-so. Member rules link verified identities only, and only
 * the host (system actor) and platform admins mark an identity verified or change a
 * verified one; a claim that overlaps another organization's needs the right to edit
 * that organization too; and whatever use case starts it, no membership changes in an
 * organization where the actor has no rights. Runs on memory and PGlite.
 */
import { describe, expect, it } from "vitest";
import { createOrgKit, SYSTEM_ACTOR, type MembershipPolicy, type OrgKit } from "../../src/index.js";
import { createTestClock } from "../../src/testing/test-clock.js";
import { createTestIds } from "../../src/testing/test-ids.js";
import { rejects } from "./setup.js";
import { dumpThroughPorts, storageTargets } from "./storage-targets.js";
import type { Storage } from "../../src/storage/index.js";

const system = SYSTEM_ACTOR;
const admin = { type: "user", id: "admin" } as const;
const boss = { type: "user", id: "boss" } as const;
const agent = { type: "user", id: "agent" } as const;
const verified = (value: string) => ({ value, verified: true });
const targets = storageTargets();

/**
 * Acme (boss is its org admin, worker a plain member) and the Other family: a parent,
 * Other itself and its child and sibling, all claiming other.example. Victim claims
 * victim.example with subdomains and is hidden from the agent, which edits "service"
 * organizations (Acme) only and reads those without states (the Other family).
 */
async function world(storage: Storage, config: { membershipPolicy?: MembershipPolicy; identitiesVerifiedUpstream?: boolean } = {}): Promise<OrgKit> {
  const kit = createOrgKit({ storage, clock: createTestClock().now, ids: createTestIds(), config: { ruleConflict: "allow", ...config } });
  await kit.users.upsert(system, { id: "admin", kind: "agent", platformRole: "admin", registered: true });
  await kit.profiles.create(admin, { id: "desk", name: "Desk", organizations: { service: ["read", "edit"], none: ["read"] } });
  await kit.users.upsert(system, { id: "agent", kind: "agent", registered: true, profileId: "desk" });
  await kit.organizations.create(admin, { id: "acme", name: "Acme", states: ["service"], allowedRoles: ["member"] });
  await kit.organizations.create(admin, { id: "other-parent", name: "Other parent" });
  await kit.organizations.create(admin, { id: "other", name: "Other", parentId: "other-parent" });
  await kit.organizations.create(admin, { id: "other-child", name: "Other child", parentId: "other" });
  await kit.organizations.create(admin, { id: "other-sibling", name: "Other sibling", parentId: "other-parent" });
  for (const id of ["other-parent", "other", "other-child", "other-sibling"]) await kit.rules.add(admin, id, { kind: "domain", value: "other.example" });
  await kit.organizations.create(admin, { id: "victim", name: "Victim", states: ["opportunities"] });
  await kit.rules.add(admin, "victim", { kind: "domain", value: "victim.example", includeSubdomains: true });
  for (const id of ["boss", "worker"]) {
    await kit.users.upsert(system, { id, emails: [verified(`${id}@acme.example`)], registered: true });
    await kit.memberships.add(admin, { userId: id, organizationId: "acme" });
  }
  await kit.memberships.setAdmin(admin, "boss", "acme", true);
  return kit;
}

async function organizationsOf(kit: OrgKit, userId: string): Promise<string[]> {
  return (await kit.memberships.listByUser(system, userId)).map((m) => m.organizationId).sort();
}

describe.each(targets)("joining through identities on $name", ({ storage: makeStorage }) => {
  it("an org admin who gives a new user another organization's address does not plant it there", async () => {
    const kit = await world(await makeStorage());
    await kit.users.upsert(boss, { id: "planted", emails: ["planted@other.example"] }, { organizationId: "acme" });
    expect(await organizationsOf(kit, "planted")).toEqual(["acme"]);
  });

  it("an org admin who sets a member's email to another organization's address does not make it join", async () => {
    const kit = await world(await makeStorage());
    // Replacing the verified address is a change of what the user is matched by: refused.
    await rejects(kit.users.upsert(boss, { id: "worker", emails: ["worker@other.example"] }, { organizationId: "acme" }), "FORBIDDEN");
    // Adding the address beside it is allowed, and links nobody: it is not verified.
    await kit.users.upsert(boss, { id: "worker", emails: ["worker@acme.example", "worker@other.example"] }, { organizationId: "acme" });
    expect(await organizationsOf(kit, "worker")).toEqual(["acme"]);
  });

  it("an org admin cannot mark an identity verified, not even of a new user", async () => {
    const kit = await world(await makeStorage());
    await rejects(kit.users.upsert(boss, { id: "worker", emails: [verified("worker@other.example")] }, { organizationId: "acme" }), "FORBIDDEN");
    await rejects(kit.users.upsert(boss, { id: "fresh", phones: [verified("+1 623-434-8050")] }, { organizationId: "acme" }), "FORBIDDEN");
    expect(await kit.users.get(system, "fresh")).toBeNull();
    expect(await organizationsOf(kit, "worker")).toEqual(["acme"]);
  });

  it("an org admin cannot clear a member's verified emails, which would end its membership of another organization", async () => {
    const kit = await world(await makeStorage());
    await kit.users.upsert(system, { id: "worker", emails: [verified("worker@acme.example"), verified("worker@other.example")] });
    expect(await organizationsOf(kit, "worker")).toEqual(["acme", "other", "other-child", "other-parent", "other-sibling"]);
    await rejects(kit.users.upsert(boss, { id: "worker", emails: [] }, { organizationId: "acme" }), "FORBIDDEN");
    await rejects(kit.users.upsert(boss, { id: "worker", emails: [{ value: "worker@other.example", verified: false }] }, { organizationId: "acme" }), "FORBIDDEN");
    expect(await organizationsOf(kit, "worker")).toEqual(["acme", "other", "other-child", "other-parent", "other-sibling"]);
    // Adding an unverified address beside the verified ones changes nothing about matching, so it is allowed.
    await kit.users.upsert(boss, { id: "worker", emails: ["worker@acme.example", "worker@other.example", "w@victim.example"] }, { organizationId: "acme" });
    const stored = await kit.users.get(system, "worker");
    expect(stored?.verifiedEmails).toEqual(["worker@acme.example", "worker@other.example"]);
    expect(await organizationsOf(kit, "worker")).toEqual(["acme", "other", "other-child", "other-parent", "other-sibling"]);
  });

  it("a user who signs up unverified as ceo@other.example joins nothing until the host verifies the address", async () => {
    const kit = await world(await makeStorage());
    await kit.users.upsert(system, { id: "ceo", emails: ["ceo@other.example"], registered: true });
    expect(await organizationsOf(kit, "ceo")).toEqual([]);
    expect((await kit.users.get(system, "ceo"))?.verifiedEmails).toEqual([]);
    await kit.users.upsert(system, { id: "ceo", emails: [verified("ceo@other.example")] });
    expect(await organizationsOf(kit, "ceo")).toEqual(["other", "other-child", "other-parent", "other-sibling"]);
    // Re-sending the address as a plain string keeps it verified.
    await kit.users.upsert(system, { id: "ceo", emails: ["CEO@Other.Example"] });
    expect((await kit.users.get(system, "ceo"))?.verifiedEmails).toEqual(["ceo@other.example"]);
  });

  it("a platform admin may verify identities; phones and usernames follow the same rule", async () => {
    const kit = await world(await makeStorage());
    await kit.rules.add(admin, "victim", { kind: "phone", value: "+1 623-434-8050" });
    await kit.rules.add(admin, "victim", { kind: "username", value: "vic" });
    await kit.users.upsert(system, { id: "caller", phones: ["623.434.8050"], username: "vic" });
    expect(await organizationsOf(kit, "caller")).toEqual([]);
    await kit.users.upsert(admin, { id: "caller", username: verified("vic") });
    expect(await organizationsOf(kit, "caller")).toEqual(["victim"]);
    await kit.users.upsert(admin, { id: "caller", username: null, phones: [verified("623.434.8050")] });
    expect((await kit.users.get(system, "caller"))?.verifiedPhones).toEqual(["+16234348050"]);
    expect(await organizationsOf(kit, "caller")).toEqual(["victim"]);
  });

  it("with identitiesVerifiedUpstream every identity links, so only the host and platform admins may change identities", async () => {
    const storage = await makeStorage();
    const kit = await world(storage, { identitiesVerifiedUpstream: true });
    await kit.users.upsert(system, { id: "trusted", emails: ["trusted@other.example"] });
    expect(await organizationsOf(kit, "trusted")).toEqual(["other", "other-child", "other-parent", "other-sibling"]);
    const before = await dumpThroughPorts(storage);
    await rejects(kit.users.upsert(boss, { id: "worker", emails: ["worker@other.example"] }, { organizationId: "acme" }), "FORBIDDEN");
    await rejects(kit.users.upsert(boss, { id: "planted", emails: ["planted@other.example"] }, { organizationId: "acme" }), "FORBIDDEN");
    expect(await dumpThroughPorts(storage)).toBe(before);
    await kit.users.upsert(boss, { id: "plain", registered: true }, { organizationId: "acme" }); // no identity: allowed
  });
});

describe.each(targets)("rule hijack on $name", ({ storage: makeStorage }) => {
  it("an agent with edit cannot claim a subdomain of another organization's domain", async () => {
    const storage = await makeStorage();
    const kit = await world(storage, { membershipPolicy: "single" });
    await kit.users.upsert(system, { id: "eu-user", emails: [verified("eu-user@eu.victim.example")] });
    expect(await organizationsOf(kit, "eu-user")).toEqual(["victim"]);
    const before = await dumpThroughPorts(storage);
    await rejects(kit.rules.add(agent, "acme", { kind: "domain", value: "eu.victim.example" }), "FORBIDDEN");
    expect(await dumpThroughPorts(storage)).toBe(before);
    expect(await organizationsOf(kit, "eu-user")).toEqual(["victim"]);
  });

  it("an agent with edit cannot claim an email inside another organization's domain, or a value it claims", async () => {
    const kit = await world(await makeStorage(), { membershipPolicy: "single" });
    await rejects(kit.rules.add(agent, "acme", { kind: "email", value: "ceo@victim.example" }), "FORBIDDEN");
    await rejects(kit.rules.add(agent, "acme", { kind: "email", value: "ceo@deep.eu.victim.example" }), "FORBIDDEN");
    await rejects(kit.rules.add(agent, "acme", { kind: "domain", value: "other.example" }), "FORBIDDEN");
    // The refusal does not name an organization the agent cannot read.
    const error = await rejects(kit.rules.add(agent, "acme", { kind: "domain", value: "victim.example" }), "FORBIDDEN");
    expect(error.details).not.toHaveProperty("organizationId");
    // A claim overlapping nobody's is fine, and so is one whose overlapped owner the actor may edit.
    await kit.rules.add(agent, "acme", { kind: "domain", value: "acme.example" });
    await kit.rules.add(admin, "victim", { kind: "phone", value: "+1 623-434-8050" });
    await rejects(kit.rules.add(agent, "acme", { kind: "phone", value: "(623) 434-8050" }), "FORBIDDEN");
    await kit.rules.add(admin, "acme", { kind: "email", value: "boss@victim.example" });
  });

  it("a claim whose owner the agent may edit is allowed and moves the users it out-ranks", async () => {
    const kit = await world(await makeStorage(), { membershipPolicy: "single" });
    await kit.organizations.create(admin, { id: "desk-b", name: "Desk B", states: ["service"] });
    await kit.rules.add(admin, "desk-b", { kind: "domain", value: "desk.example", includeSubdomains: true });
    await kit.users.upsert(system, { id: "d", emails: [verified("d@eu.desk.example")] });
    expect(await organizationsOf(kit, "d")).toEqual(["desk-b"]);
    await kit.rules.add(agent, "acme", { kind: "domain", value: "eu.desk.example" });
    expect(await organizationsOf(kit, "d")).toEqual(["acme"]);
  });

  it("no use case removes a membership in an organization the actor has no rights on: reactivation cannot pull users out of it", async () => {
    const storage = await makeStorage();
    const kit = await world(storage, { membershipPolicy: "single" });
    // The agent may delete (discontinue and reactivate) "service" organizations; Victim is not one.
    await kit.profiles.update(admin, "desk", { organizations: { service: ["read", "edit", "delete"], none: ["read"] } });
    await kit.organizations.create(admin, { id: "eu", name: "EU desk", states: ["service"] });
    await kit.rules.add(admin, "eu", { kind: "domain", value: "eu.victim.example" });
    await kit.organizations.discontinue(admin, "eu");
    await kit.users.upsert(system, { id: "eu-user", emails: [verified("eu-user@eu.victim.example")] });
    expect(await organizationsOf(kit, "eu-user")).toEqual(["victim"]);
    const before = await dumpThroughPorts(storage);
    const error = await rejects(kit.organizations.reactivate(agent, "eu"), "FORBIDDEN");
    expect(error.details).toMatchObject({ reason: "membership_outside_rights", organizationId: "victim", userId: "eu-user" });
    expect(await dumpThroughPorts(storage)).toBe(before);
    // A platform admin may.
    await kit.organizations.reactivate(admin, "eu");
    expect(await organizationsOf(kit, "eu-user")).toEqual(["eu"]);
  });
});
