/**
 * Issue 11, "Hierarchy and admins" and two of its "Reads that leak": nobody nests an
 * organization under one it may not read, an agent with `add` creates organizations only
 * in state combinations it has rights on, an org admin manages only plain members (never
 * a co-admin: designating and removing admins is platform work), and only platform
 * admins read usergroups and staff profiles. Runs on memory and PGlite.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { createOrgKit, SYSTEM_ACTOR, type OrgKit } from "../../src/index.js";
import { createTestClock } from "../../src/testing/test-clock.js";
import { createTestIds } from "../../src/testing/test-ids.js";
import { rejects } from "./setup.js";
import { storageTargets } from "./storage-targets.js";
import type { Storage } from "../../src/storage/index.js";

const system = SYSTEM_ACTOR;
const admin = { type: "user", id: "admin" } as const;
const agent = { type: "user", id: "agent" } as const;
const orgAdmin = { type: "user", id: "boss" } as const;
const targets = storageTargets();

/**
 * "service" organizations are the agent's (read, edit, add); "opportunities" ones it
 * cannot see. Acme has two org admins (boss, coboss) and a plain member (worker).
 */
async function world(storage: Storage): Promise<{ kit: OrgKit; storage: Storage }> {
  const kit = createOrgKit({ storage, clock: createTestClock().now, ids: createTestIds() });
  await kit.users.upsert(system, { id: "admin", kind: "agent", platformRole: "admin", registered: true });
  await kit.profiles.create(admin, { id: "service-desk", name: "Service desk", add: true, organizations: { service: ["read", "edit"] } });
  await kit.users.upsert(system, { id: "agent", kind: "agent", registered: true, profileId: "service-desk" });
  await kit.organizations.create(admin, { id: "mine", name: "Mine", states: ["service"] });
  await kit.organizations.create(admin, { id: "hidden", name: "Hidden", states: ["opportunities"] });
  await kit.organizations.create(admin, { id: "acme", name: "Acme", allowedRoles: ["member"] });
  for (const id of ["boss", "coboss", "coboss2", "worker", "worker2"]) {
    await kit.users.upsert(system, { id, emails: [`${id}@acme.example`], registered: true });
    await kit.memberships.add(admin, { userId: id, organizationId: "acme" });
  }
  await kit.memberships.setAdmin(admin, "boss", "acme", true);
  await kit.memberships.setAdmin(admin, "coboss", "acme", true);
  await kit.memberships.setAdmin(admin, "coboss2", "acme", true);
  await kit.usergroups.create(admin, { id: "staff", name: "Staff", permissions: ["kb.read"] });
  return { kit, storage };
}

describe.each(targets)("hierarchy and admins on $name", ({ storage: makeStorage }) => {
  let kit: OrgKit;
  let storage: Storage;
  beforeAll(async () => {
    ({ kit, storage } = await world(await makeStorage()));
  });

  it("an agent cannot move an organization under one it cannot read (refused as if the parent did not exist)", async () => {
    await rejects(kit.organizations.setParent(agent, "mine", "hidden"), "PARENT_NOT_FOUND");
    await rejects(kit.organizations.setParent(agent, "mine", "no-such-org"), "PARENT_NOT_FOUND");
    expect((await storage.organizations.get("mine"))?.parentId).toBeNull();
  });

  it("an agent cannot create a child under an organization it cannot read", async () => {
    await rejects(kit.organizations.create(agent, { name: "Planted child", states: ["service"], parentId: "hidden" }), "PARENT_NOT_FOUND");
    expect((await storage.organizations.children("hidden")).length).toBe(0);
  });

  it("an agent with add cannot create an organization in states it has no rights on", async () => {
    await rejects(kit.organizations.create(agent, { name: "Invisible", states: ["opportunities"] }), "FORBIDDEN");
    await rejects(kit.organizations.import(agent, [{ externalId: "INV-1", name: "Invisible import", states: ["opportunities"] }]), "FORBIDDEN");
    await kit.organizations.create(agent, { name: "Visible", states: ["service"] }); // its own combination: allowed
  });

  it("an org admin cannot remove a co-admin (which would side-step setAdmin)", async () => {
    await rejects(kit.memberships.remove(orgAdmin, "coboss", "acme"), "FORBIDDEN");
    expect(await storage.memberships.get("coboss", "acme")).toMatchObject({ admin: true });
    await kit.memberships.remove(orgAdmin, "worker", "acme"); // a plain member: allowed
  });

  it("an org admin cannot re-identify a co-admin", async () => {
    await rejects(kit.users.upsert(orgAdmin, { id: "coboss2", emails: ["coboss2@elsewhere.example"] }, { organizationId: "acme" }), "FORBIDDEN");
    expect((await storage.users.get("coboss2"))?.emails).toEqual(["coboss2@acme.example"]);
    await kit.users.upsert(orgAdmin, { id: "worker2", emails: ["worker2@acme.example", "w2@acme.example"] }, { organizationId: "acme" }); // a plain member: allowed
  });

  it("unknown users and plain agents cannot list or read usergroups and staff profiles", async () => {
    for (const who of [{ type: "user", id: "nobody" } as const, agent, orgAdmin]) {
      await rejects(kit.usergroups.list(who), "FORBIDDEN");
      await rejects(kit.usergroups.get(who, "staff"), "FORBIDDEN");
      await rejects(kit.profiles.list(who), "FORBIDDEN");
      await rejects(kit.profiles.get(who, "service-desk"), "FORBIDDEN");
    }
    expect((await kit.usergroups.list(admin)).map((g) => g.id)).toContain("staff");
  });
});
