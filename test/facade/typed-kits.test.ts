/**
 * Declared vocabularies at run time (issue 15, "typed kits"), on memory, PGlite (and the
 * server when ORGKIT_PG_URL is set): a kit whose configuration lists its roles and
 * permissions refuses any other name wherever one is an input — memberships, invitations,
 * user upserts, organizations' allowed roles (also in imports), usergroups, `can` and
 * `explain` — with `VALIDATION_FAILED` naming the field, and writes nothing; organization
 * types, states and custom fields, a vocabulary already, are refused the same way. A kit
 * that declares nothing keeps every name open, and its configuration fingerprint is the
 * one it had. The types that match are tested in typed-kits.types.test.ts.
 */
import { describe, expect, it } from "vitest";
import { createOrgKit, defineConfig, SYSTEM_ACTOR, type OrgKitConfigInput } from "../../src/index.js";
import { memoryStorage } from "../../src/adapters/memory/index.js";
import { createTestClock } from "../../src/testing/test-clock.js";
import { createTestIds } from "../../src/testing/test-ids.js";
import { admin, as, rejects } from "./setup.js";
import { dumpThroughPorts, storageTargets, type StorageTarget } from "./storage-targets.js";
import type { Storage } from "../../src/storage/index.js";

const system = SYSTEM_ACTOR;
const carl = as("carl"); // org admin of acme

const config = defineConfig({
  permissions: ["portal.tickets.create", "portal.tickets.view", "kb.advanced"],
  roles: ["technician", { name: "manager", cascade: "descendants" }],
  organizationTypes: ["customer", "partner"],
  states: ["service", "outreach"],
  customFields: [
    { key: "tier", type: "select", options: ["gold", "silver"], required: true },
    { key: "seats", type: "number" },
  ],
});

/** A kit with organization `acme` (carl its org admin, allowed roles member, manager and technician), users `jane` and `dana`. */
async function world(target: StorageTarget, kitConfig: OrgKitConfigInput = config) {
  const storage = await target.storage();
  const kit = createOrgKit({ storage, clock: createTestClock().now, ids: createTestIds(), config: kitConfig });
  await kit.users.upsert(system, { id: "admin", kind: "agent", platformRole: "admin", registered: true });
  await kit.organizations.create(admin, {
    id: "acme",
    name: "Acme",
    type: "customer",
    allowedRoles: ["member", "manager", "technician"],
    ...(kitConfig === config ? { customFields: { tier: "gold" } } : {}),
  });
  for (const id of ["carl", "jane", "dana"]) await kit.users.upsert(system, { id, registered: true });
  await kit.memberships.add(admin, { userId: "carl", organizationId: "acme", admin: true });
  return { kit, storage };
}

/** Expects `promise` to fail with VALIDATION_FAILED at `path`, having written nothing (no row, no event, no feed entry). */
async function refusedAt(storage: Storage, promise: () => Promise<unknown>, path: string) {
  const before = await dumpThroughPorts(storage);
  const revision = await storage.changes.latestRevision();
  const error = await rejects(promise(), "VALIDATION_FAILED");
  expect(error.details.issues.map((issue) => issue.path)).toContain(path);
  expect(await dumpThroughPorts(storage), "something was written").toBe(before);
  expect(await storage.changes.latestRevision()).toBe(revision);
  return error;
}

describe.each(storageTargets())("declared vocabularies on $name", (target) => {
  it("a misspelled role is refused when roles are declared (the 'manger' who would silently lose the manager's ticket view)", async () => {
    const { kit, storage } = await world(target);
    const error = await refusedAt(storage, () => kit.memberships.add(admin, { userId: "jane", organizationId: "acme", role: "manger" as "manager" }), "role");
    expect(error.message).toContain("'manger' is not a declared role (member, manager, technician)");
    expect(await kit.memberships.get(admin, "jane", "acme")).toBeNull();
    // The declared roles and the built-in ones go.
    expect((await kit.memberships.add(admin, { userId: "jane", organizationId: "acme", role: "manager" })).role).toBe("manager");
    expect((await kit.memberships.add(admin, { userId: "dana", organizationId: "acme", role: "technician" })).role).toBe("technician");
    await refusedAt(storage, () => kit.memberships.setRole(admin, "jane", "acme", "manger" as "manager"), "role");
    expect((await kit.memberships.get(admin, "jane", "acme"))?.role).toBe("manager");
    expect((await kit.memberships.setRole(admin, "jane", "acme", "member")).role).toBe("member");
  });

  it("an org admin is refused a misspelled role as VALIDATION_FAILED, not as a role it may not assign", async () => {
    const { kit, storage } = await world(target);
    await refusedAt(storage, () => kit.memberships.add(carl, { userId: "jane", organizationId: "acme", role: "technican" as "technician" }), "role");
    await refusedAt(storage, () => kit.users.upsert(carl, { id: "erin" }, { organizationId: "acme", role: "technican" as "technician" }), "options.role");
    expect(await kit.users.get(admin, "erin")).toBeNull();
    await kit.users.upsert(carl, { id: "erin" }, { organizationId: "acme", role: "technician" });
    expect((await kit.memberships.get(admin, "erin", "acme"))?.role).toBe("technician");
  });

  it("an invitation with an undeclared role is refused, and no invitation exists", async () => {
    const { kit, storage } = await world(target);
    await refusedAt(storage, () => kit.invitations.create(carl, { organizationId: "acme", email: "erin@example.com", role: "manger" as "manager" }), "role");
    expect(await kit.invitations.list(admin, "acme")).toEqual([]);
    const { invitation } = await kit.invitations.create(carl, { organizationId: "acme", email: "erin@example.com", role: "technician" });
    expect(invitation.role).toBe("technician");
  });

  it("an organization's allowed roles must be declared roles: create, update and import", async () => {
    const { kit, storage } = await world(target);
    await refusedAt(storage, () => kit.organizations.create(admin, { name: "Globex", customFields: { tier: "gold" }, allowedRoles: ["member", "manger" as "manager"] }), "allowedRoles.1");
    await refusedAt(storage, () => kit.organizations.update(admin, "acme", { allowedRoles: ["technican" as "technician"] }), "allowedRoles.0");
    expect((await kit.organizations.get(admin, "acme"))?.allowedRoles).toEqual(["member", "manager", "technician"]);
    const result = await kit.organizations.import(
      admin,
      [
        { externalId: "G", name: "Globex", customFields: { tier: "silver" }, allowedRoles: ["technician"] },
        { externalId: "I", name: "Initech", customFields: { tier: "silver" }, allowedRoles: ["manger" as "manager"] },
      ],
      { mode: "per-row" },
    );
    expect(result.rows.map((row) => row.status)).toEqual(["created", "failed"]);
    expect(result.rows[1]?.error?.issues?.map((issue) => issue.path)).toEqual(["rows.1.allowedRoles.0"]);
    expect(await kit.organizations.getByExternalId(admin, "I")).toBeNull();
  });

  it("a usergroup with an undeclared permission is refused (create and update), and so are can and explain asked about one", async () => {
    const { kit, storage } = await world(target);
    await refusedAt(storage, () => kit.usergroups.create(admin, { id: "portal", name: "Portal", permissions: ["portal.tickets.create", "portal.tickts.view" as "portal.tickets.view"] }), "permissions.1");
    expect(await kit.usergroups.get(admin, "portal")).toBeNull();
    await kit.usergroups.create(admin, { id: "portal", name: "Portal", permissions: ["portal.tickets.create"], builtIn: "registered" });
    await refusedAt(storage, () => kit.usergroups.update(admin, "portal", { permissions: ["kb.advancd" as "kb.advanced"] }), "permissions.0");
    expect((await kit.usergroups.get(admin, "portal"))?.permissions).toEqual(["portal.tickets.create"]);

    expect(await kit.can("jane", "portal.tickets.create")).toBe(true);
    expect(await kit.can("jane", "kb.advanced")).toBe(false);
    const refusal = await rejects(kit.can("jane", "portal.tickts.create" as "portal.tickets.create"), "VALIDATION_FAILED");
    expect(refusal.details.issues).toEqual([{ path: "permission", code: "invalid_value", message: expect.stringContaining("'portal.tickts.create' is not a declared permission") }]);
    await rejects(kit.can(null, "portal.tickts.create" as "portal.tickets.create"), "VALIDATION_FAILED");

    const policy = await kit.policy();
    expect((await kit.explain({ check: "can", subject: policy.subject("jane"), permission: "portal.tickets.create" })).allowed).toBe(true);
    const one = await rejects(kit.explain({ check: "can", subject: policy.subject("jane"), permission: "portal.tickts.create" as "portal.tickets.create" }), "VALIDATION_FAILED");
    expect(one.details.issues.map((issue) => issue.path)).toEqual(["request.permission"]);
    const all = await rejects(kit.explain({ check: "canAll", subject: policy.subject("jane"), permissions: ["kb.advanced", "kb.advancd" as "kb.advanced"] }), "VALIDATION_FAILED");
    expect(all.details.issues.map((issue) => issue.path)).toEqual(["request.permissions.1"]);
    // Other questions have no permission to check.
    expect((await kit.explain({ check: "canAdministerPlatform", subject: policy.subject("admin") })).allowed).toBe(true);
  });

  it("organization types, states and custom fields are refused as before: a misspelled type, state or custom field key, or a value of the wrong type", async () => {
    const { kit, storage } = await world(target);
    const base = { name: "Globex", customFields: { tier: "gold" as const } };
    await refusedAt(storage, () => kit.organizations.create(admin, { ...base, type: "custmer" as "customer" }), "type");
    await refusedAt(storage, () => kit.organizations.create(admin, { ...base, states: ["servce" as "service"] }), "states.0");
    await refusedAt(storage, () => kit.organizations.create(admin, { name: "Globex", customFields: { tier: "gold", seets: 3 } as { tier: "gold" } }), "customFields");
    await refusedAt(storage, () => kit.organizations.create(admin, { name: "Globex", customFields: { tier: "bronze" as "gold" } }), "customFields.tier");
    await refusedAt(storage, () => kit.organizations.create(admin, { name: "Globex" }), "customFields.tier");
    await refusedAt(storage, () => kit.organizations.update(admin, "acme", { states: ["outrech" as "outreach"] }), "states.0");
    await refusedAt(storage, () => kit.organizations.update(admin, "acme", { customFields: { seats: "3" as unknown as number } }), "customFields.seats");
    await refusedAt(storage, () => kit.profiles.create(admin, { name: "Agents", organizations: { "service+outrech": ["read"] } as unknown as { service: ["read"] } }), "organizations.service+outrech");
    const globex = await kit.organizations.create(admin, { name: "Globex", type: "partner", states: ["outreach", "service"], customFields: { tier: "silver", seats: 12 } });
    expect(globex).toMatchObject({ type: "partner", states: ["service", "outreach"], customFields: { tier: "silver", seats: 12 } });
  });

  it("member rules link with the built-in role member, declared or not", async () => {
    const { kit } = await world(target);
    await kit.rules.add(admin, "acme", { kind: "email", value: "erin@acme.example" });
    await kit.users.upsert(system, { id: "erin", emails: [{ value: "erin@acme.example", verified: true }] });
    expect((await kit.memberships.get(admin, "erin", "acme"))?.role).toBe("member");
  });

  it("undeclared vocabularies stay open: any role (also with a record of role rules) and any permission", async () => {
    const open: OrgKitConfigInput = { roles: { manager: { cascade: "descendants" } } };
    const { kit } = await world(target, open);
    expect((await kit.memberships.add(admin, { userId: "jane", organizationId: "acme", role: "manger" })).role).toBe("manger");
    await kit.usergroups.create(admin, { id: "g", name: "G", permissions: ["anything.at.all"], builtIn: "everyone" });
    expect(await kit.can("jane", "anything.at.all")).toBe(true);
    expect(await kit.can("jane", "portal.tickts.create")).toBe(false);
  });
});

describe("declaring roles and permissions in the configuration", () => {
  const kitWith = (kitConfig: OrgKitConfigInput) => createOrgKit({ storage: memoryStorage(), config: kitConfig });

  it("the built-in roles are always declared; a list entry may carry the role's rule, as the record form does", () => {
    const kit = kitWith({ roles: ["technician", { name: "manager", cascade: "descendants" }], permissions: ["a", "b"] });
    expect(kit.config.vocabulary).toEqual({ roles: ["member", "manager", "technician"], permissions: ["a", "b"] });
    expect(kit.config.roles).toEqual({ manager: { cascade: "descendants" } });
    expect(kitWith({ roles: ["member", "technician"] }).config.vocabulary.roles).toEqual(["member", "manager", "technician"]);
    expect(kitWith({ roles: { technician: {} } }).config.vocabulary).toEqual({ roles: null, permissions: null });
  });

  it("declaring names alone changes neither the policy's role rules nor the configuration fingerprint; a rule in the list fingerprints as in the record", () => {
    const plain = kitWith({});
    const declared = kitWith({ roles: ["technician", { name: "manager" }], permissions: ["a"] });
    expect(declared.config.roles).toBeUndefined();
    expect(declared.configuration.fingerprint).toBe(plain.configuration.fingerprint);
    const record = kitWith({ roles: { manager: { cascade: "descendants" } } });
    const list = kitWith({ roles: ["technician", { name: "manager", cascade: "descendants" }] });
    expect(list.configuration.fingerprint).toBe(record.configuration.fingerprint);
    expect(list.configuration.fingerprint).not.toBe(plain.configuration.fingerprint);
  });

  it("a bad declaration is VALIDATION_FAILED with its path", async () => {
    const refused = async (kitConfig: unknown, path: string) => {
      let error: unknown;
      try {
        kitWith(kitConfig as OrgKitConfigInput);
      } catch (caught) {
        error = caught;
      }
      const failed = await rejects(Promise.reject(error), "VALIDATION_FAILED");
      expect(failed.details.issues.map((issue) => issue.path)).toContain(path);
    };
    await refused({ roles: ["technician", "technician"] }, "config.roles.1");
    await refused({ roles: ["technician", { name: "lead", cascade: "everywhere" }] }, "config.roles.1.cascade");
    await refused({ roles: [" technician"] }, "config.roles.0");
    await refused({ roles: [""] }, "config.roles.0");
    await refused({ permissions: ["a", "a"] }, "config.permissions.1");
    await refused({ permissions: "a" }, "config.permissions");
  });
});
