import { describe, expect, it } from "vitest";
import { admin, as, rejects, setup, system } from "../facade/setup.js";

/**
 * An organization admin refused an action on a user must not learn why in terms of that
 * user: whether it is a platform admin, a super admin, an admin of the organization or a
 * member elsewhere. Every such refusal reads the same, whoever the target is.
 */
async function orgWithAdmin() {
  const { kit } = await setup();
  const org = await kit.organizations.create(admin, { name: "Acme", allowedRoles: ["member", "lead"] });
  await kit.users.upsert(admin, { id: "boss" });
  await kit.memberships.add(admin, { userId: "boss", organizationId: org.id, admin: true });
  // Targets the org admin may not manage, each for a different reason.
  await kit.users.upsert(system, { id: "ops", platformRole: "admin" }); // a platform admin, member of Acme
  await kit.memberships.add(admin, { userId: "ops", organizationId: org.id });
  await kit.users.upsert(system, { id: "root", platformRole: "super_admin" }); // a super admin, not a member
  await kit.users.upsert(admin, { id: "deputy" }); // another admin of Acme
  await kit.memberships.add(admin, { userId: "deputy", organizationId: org.id, admin: true });
  await kit.users.upsert(admin, { id: "stranger" }); // a plain user of no organization of boss's
  return { kit, org, boss: as("boss") };
}

/** The refusal with the target's id replaced, so that refusals about different users compare equal. */
function anonymized(error: { message: string; toJSON(): unknown }, target: string) {
  const strip = (text: string) => text.split(target).join("<target>");
  return { message: strip(error.message), json: JSON.parse(strip(JSON.stringify(error.toJSON()))) as unknown };
}

describe("an org admin refused an action on a user learns nothing about that user", () => {
  it("an org admin editing a platform admin is not told the target is a platform admin", async () => {
    const { kit, org, boss } = await orgWithAdmin();
    const edit = (id: string) => rejects(kit.users.upsert(boss, { id, registered: true }, { organizationId: org.id }), "FORBIDDEN");
    const platformAdmin = await edit("ops");
    const superAdmin = await edit("root");
    const stranger = await edit("stranger");
    const deputy = await edit("deputy");
    for (const text of [platformAdmin.message, superAdmin.message, JSON.stringify(platformAdmin.toJSON()), JSON.stringify(superAdmin.toJSON())]) {
      expect(text).not.toMatch(/is a platform|super_admin|an admin of/);
    }
    // The same refusal as for any user it may not manage.
    expect(anonymized(platformAdmin, "ops")).toEqual(anonymized(stranger, "stranger"));
    expect(anonymized(superAdmin, "root")).toEqual(anonymized(stranger, "stranger"));
    expect(anonymized(deputy, "deputy")).toEqual(anonymized(stranger, "stranger"));
  });

  it("membership changes read the same for a platform admin and for a user of another organization", async () => {
    const { kit, org, boss } = await orgWithAdmin();
    const setRole = await rejects(kit.memberships.setRole(boss, "ops", org.id, "lead"), "FORBIDDEN");
    const setRoleDeputy = await rejects(kit.memberships.setRole(boss, "deputy", org.id, "lead"), "FORBIDDEN");
    expect(anonymized(setRole, "ops")).toEqual(anonymized(setRoleDeputy, "deputy"));
    const remove = await rejects(kit.memberships.remove(boss, "ops", org.id), "FORBIDDEN");
    const removeDeputy = await rejects(kit.memberships.remove(boss, "deputy", org.id), "FORBIDDEN");
    expect(anonymized(remove, "ops")).toEqual(anonymized(removeDeputy, "deputy"));
    const addRoot = await rejects(kit.memberships.add(boss, { userId: "root", organizationId: org.id }), "FORBIDDEN");
    const addStranger = await rejects(kit.memberships.add(boss, { userId: "stranger", organizationId: org.id }), "FORBIDDEN");
    expect(anonymized(addRoot, "root")).toEqual(anonymized(addStranger, "stranger"));
    expect(addRoot.message).not.toMatch(/is a platform|super_admin/);
  });

  it("a platform admin refused a super admin is still told why (platform admins see platform roles)", async () => {
    const { kit, org } = await orgWithAdmin();
    await kit.memberships.add(as("root"), { userId: "root", organizationId: org.id });
    const error = await rejects(kit.memberships.setRole(admin, "root", org.id, "lead"), "FORBIDDEN");
    expect(error.message).toMatch(/super_admin/);
  });
});
