import { describe, expect, it } from "vitest";
import { admin, as, rejects, setup, system } from "./setup.js";

describe("organization admins manage only their own plain members", () => {
  it("cannot touch platform admins or pull in users of other organizations", async () => {
    const { kit } = await setup();
    const org = await kit.organizations.create(admin, { name: "Acme", allowedRoles: ["member", "lead"] });
    const other = await kit.organizations.create(admin, { name: "Other", allowedRoles: ["member"] });
    await kit.users.upsert(admin, { id: "boss" });
    await kit.memberships.add(admin, { userId: "boss", organizationId: org.id, admin: true });
    const boss = as("boss");
    // A platform admin who also belongs to Acme.
    await kit.users.upsert(system, { id: "ops", platformRole: "admin" });
    await kit.memberships.add(admin, { userId: "ops", organizationId: org.id });
    await rejects(kit.memberships.setRole(boss, "ops", org.id, "lead"), "FORBIDDEN");
    await rejects(kit.memberships.remove(boss, "ops", org.id), "FORBIDDEN");
    await rejects(kit.users.upsert(boss, { id: "ops", registered: true }, { organizationId: org.id }), "FORBIDDEN");
    // A user of another organization cannot be pulled in.
    await kit.users.upsert(admin, { id: "stranger" });
    await kit.memberships.add(admin, { userId: "stranger", organizationId: other.id });
    await rejects(kit.memberships.add(boss, { userId: "stranger", organizationId: org.id }), "FORBIDDEN");
    // Its own plain members: yes.
    await kit.users.upsert(boss, { id: "worker" }, { organizationId: org.id });
    expect((await kit.memberships.setRole(boss, "worker", org.id, "lead")).role).toBe("lead");
    expect(await kit.memberships.remove(boss, "worker", org.id)).toBe(true);
    // A platform admin may; an admin may not demote a super admin.
    await kit.users.upsert(system, { id: "root", platformRole: "super_admin" });
    await kit.memberships.add(as("root"), { userId: "root", organizationId: org.id });
    await rejects(kit.memberships.setRole(admin, "root", org.id, "lead"), "FORBIDDEN");
    expect((await kit.memberships.setRole(as("root"), "ops", org.id, "lead")).role).toBe("lead");
  });
});
