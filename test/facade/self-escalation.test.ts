/**
 * Issue 11, "Self-escalation by an agent": what an organization grants its members
 * (linked usergroups) and what its org admins may hand out (allowed roles and apps) is
 * platform administration, not an edit of the organization. An agent whose staff
 * profile allows `add` or `edit` must not reach it through `create`, `update` or
 * `import`; and no one links a usergroup that does not exist, or links anything to a
 * discontinued organization. Runs on memory and PGlite.
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

const targets = storageTargets();

/** A platform admin, a "power" usergroup, and an agent whose profile may add and edit organizations. */
async function world(storage: Storage): Promise<OrgKit> {
  const kit = createOrgKit({ storage, clock: createTestClock().now, ids: createTestIds() });
  await kit.users.upsert(system, { id: "admin", kind: "agent", platformRole: "admin", registered: true });
  await kit.usergroups.create(admin, { id: "power", name: "Power", permissions: ["reports.export"] });
  await kit.profiles.create(admin, { id: "editors", name: "Editors", add: true, organizations: { none: ["read", "edit"] } });
  await kit.users.upsert(system, { id: "agent", kind: "agent", registered: true, profileId: "editors" });
  await kit.organizations.create(admin, { id: "acme", name: "Acme" });
  await kit.memberships.add(admin, { userId: "agent", organizationId: "acme" });
  return kit;
}

describe.each(targets)("self-escalation on $name", ({ storage: makeStorage }) => {
  let kit: OrgKit;
  beforeAll(async () => {
    kit = await world(await makeStorage());
  });

  it("an agent with edit cannot link a usergroup to its own organization through update", async () => {
    expect(await kit.can("agent", "reports.export")).toBe(false);
    await rejects(kit.organizations.update(agent, "acme", { usergroupIds: ["power"] }), "FORBIDDEN");
    expect(await kit.can("agent", "reports.export")).toBe(false);
    expect((await kit.organizations.get(admin, "acme"))?.usergroupIds).toEqual([]);
  });

  it("an agent with add cannot create an organization that links a usergroup", async () => {
    await rejects(kit.organizations.create(agent, { name: "Sneaky", usergroupIds: ["power"] }), "FORBIDDEN");
    await kit.organizations.create(agent, { name: "Plain" }); // without the field it may
  });

  it("an agent cannot link a usergroup through an import row", async () => {
    await rejects(kit.organizations.import(agent, [{ externalId: "X-1", name: "Imported", usergroupIds: ["power"] }]), "FORBIDDEN");
  });

  it("an agent with edit cannot widen what org admins may assign (allowedRoles, allowedApps)", async () => {
    await rejects(kit.organizations.update(agent, "acme", { allowedRoles: ["member", "owner"] }), "FORBIDDEN");
    await rejects(kit.organizations.update(agent, "acme", { allowedApps: ["billing"] }), "FORBIDDEN");
    await kit.organizations.update(agent, "acme", { description: "Edited by an agent" }); // ordinary fields stay editable
  });

  it("re-sending the current usergroup links is not a change and needs no platform right", async () => {
    await kit.organizations.update(admin, "acme", { usergroupIds: ["power"] });
    await kit.organizations.update(agent, "acme", { usergroupIds: ["power"], description: "Same links" });
    await kit.organizations.update(admin, "acme", { usergroupIds: [] });
  });

  it("an unknown usergroup id is refused, so it cannot start granting once such a group is created", async () => {
    await rejects(kit.organizations.update(admin, "acme", { usergroupIds: ["future-group"] }), "NOT_FOUND");
    await rejects(kit.organizations.create(admin, { name: "Future", usergroupIds: ["future-group"] }), "NOT_FOUND");
    await rejects(kit.organizations.import(admin, [{ externalId: "X-2", name: "Future import", usergroupIds: ["future-group"] }]), "NOT_FOUND");
  });

  it("a usergroup cannot be linked to a discontinued organization", async () => {
    await kit.organizations.create(admin, { id: "gone", name: "Gone" });
    await kit.organizations.discontinue(admin, "gone");
    await rejects(kit.organizations.update(admin, "gone", { usergroupIds: ["power"] }), "ORGANIZATION_DISCONTINUED");
  });
});

describe.each(targets)("import reads nothing before it authorizes, on $name", ({ storage: makeStorage }) => {
  let kit: OrgKit;
  beforeAll(async () => {
    kit = await world(await makeStorage());
    await kit.organizations.import(admin, [{ externalId: "SECRET-1", name: "Hidden Corp", description: "the real value" }]);
  });

  it("import does not answer 'unchanged' before authorizing: an unknown actor cannot test external ids or field values", async () => {
    const stranger = { type: "user", id: "nobody" } as const;
    const right = await rejects(kit.organizations.import(stranger, [{ externalId: "SECRET-1", name: "Hidden Corp", description: "the real value" }]), "FORBIDDEN");
    const wrong = await rejects(kit.organizations.import(stranger, [{ externalId: "SECRET-1", name: "Hidden Corp", description: "a wrong guess" }]), "FORBIDDEN");
    const absent = await rejects(kit.organizations.import(stranger, [{ externalId: "NO-SUCH-ID", name: "Nothing" }]), "FORBIDDEN");
    // The three answers are the same: nothing tells a right guess from a wrong one, or an existing id from a free one.
    expect(right.message).toBe(wrong.message);
    expect(right.message).toBe(absent.message);
  });
});
