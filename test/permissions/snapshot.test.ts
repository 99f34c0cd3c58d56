import { describe, expect, it } from "vitest";
import { compilePolicy, parsePolicySnapshot, type PolicySnapshot } from "../../src/permissions/index.js";
import { createOrganization } from "../../src/domain/organization/index.js";
import { acmeSnapshot, helpdeskSnapshot } from "./fixtures.js";
import { OrgKitError, isOrgKitError } from "../../src/index.js";

/** The `INVALID_SNAPSHOT` error `compilePolicy` throws for `snapshot` (fails the test if none). */
function snapshotError(snapshot: unknown): OrgKitError<"INVALID_SNAPSHOT"> {
  try {
    compilePolicy(snapshot as PolicySnapshot);
  } catch (error) {
    if (isOrgKitError(error, "INVALID_SNAPSHOT")) return error;
    throw error;
  }
  throw new Error("expected INVALID_SNAPSHOT, got a policy");
}

const base = (): PolicySnapshot => ({ schemaVersion: 1, version: 1 });
const withMembers = (memberships: unknown[]): unknown => ({
  ...base(),
  organizations: [{ id: "o1" }, { id: "o2" }],
  users: [{ id: "u1" }, { id: "u2" }],
  memberships,
});

describe("snapshot validation", () => {
  it.each<[string, unknown, string]>([
    ["not an object", [], "(root)"],
    ["null", null, "(root)"],
    ["wrong schema version", { schemaVersion: 2, version: 1 }, "schemaVersion"],
    ["missing version", { schemaVersion: 1 }, "version"],
    ["negative version", { schemaVersion: 1, version: -1 }, "version"],
    ["fractional version", { schemaVersion: 1, version: 1.5 }, "version"],
    ["state flags not an array", { ...base(), stateFlags: "service" }, "stateFlags"],
    ["duplicate state flag", { ...base(), stateFlags: ["service", "service"] }, "stateFlags.1"],
    ["reserved state flag", { ...base(), stateFlags: ["none"] }, "stateFlags.0"],
    ["state flag with +", { ...base(), stateFlags: ["a+b"] }, "stateFlags.0"],
    ["too many state flags", { ...base(), stateFlags: Array.from({ length: 17 }, (_, i) => `f${i}`) }, "stateFlags"],
    ["usergroups not an array", { ...base(), usergroups: {} }, "usergroups"],
    ["usergroup not an object", { ...base(), usergroups: ["g"] }, "usergroups.0"],
    ["usergroup without id", { ...base(), usergroups: [{ permissions: [] }] }, "usergroups.0.id"],
    ["usergroup with empty id", { ...base(), usergroups: [{ id: "", permissions: [] }] }, "usergroups.0.id"],
    ["duplicate usergroup", { ...base(), usergroups: [{ id: "g", permissions: [] }, { id: "g", permissions: [] }] }, "usergroups.1.id"],
    ["bad built-in", { ...base(), usergroups: [{ id: "g", permissions: [], builtIn: "admins" }] }, "usergroups.0.builtIn"],
    ["permission not a string", { ...base(), usergroups: [{ id: "g", permissions: ["a", 3] }] }, "usergroups.0.permissions.1"],
    ["permission outside the catalogue", { ...base(), permissions: ["a"], usergroups: [{ id: "g", permissions: ["a", "b"] }] }, "usergroups.0.permissions.1"],
    ["catalogue entry not a string", { ...base(), permissions: ["a", null] }, "permissions.1"],
    ["profile combination with an unknown flag", { ...base(), profiles: [{ id: "p", organizations: { "service+sales": ["read"] } }] }, "profiles.0.organizations.service+sales"],
    ["profile combination repeated in another order", { ...base(), profiles: [{ id: "p", organizations: { "service+outreach": [], "outreach+service": [] } }] }, "profiles.0.organizations.outreach+service"],
    ["profile combination with a repeated flag", { ...base(), profiles: [{ id: "p", organizations: { "service+service": [] } }] }, "profiles.0.organizations.service+service"],
    ["profile action unknown", { ...base(), profiles: [{ id: "p", organizations: { service: ["read", "write"] } }] }, "profiles.0.organizations.service.1"],
    ["profile actions not an array", { ...base(), profiles: [{ id: "p", organizations: { service: "read" } }] }, "profiles.0.organizations.service"],
    ["profile note rule not a boolean", { ...base(), profiles: [{ id: "p", notes: { editOwn: "yes" } }] }, "profiles.0.notes.editOwn"],
    ["profile add not a boolean", { ...base(), profiles: [{ id: "p", add: 1 }] }, "profiles.0.add"],
    ["duplicate profile", { ...base(), profiles: [{ id: "p" }, { id: "p" }] }, "profiles.1.id"],
    ["organization state unknown", { ...base(), organizations: [{ id: "o", states: ["sales"] }] }, "organizations.0.states.0"],
    ["organization status unknown", { ...base(), organizations: [{ id: "o", status: "deleted" }] }, "organizations.0.status"],
    ["duplicate organization", { ...base(), organizations: [{ id: "o" }, { id: "o" }] }, "organizations.1.id"],
    ["unknown parent", { ...base(), organizations: [{ id: "o" }, { id: "c", parentId: "nope" }] }, "organizations.1.parentId"],
    ["self parent", { ...base(), organizations: [{ id: "o", parentId: "o" }] }, "organizations.0.parentId"],
    ["parent cycle", { ...base(), organizations: [{ id: "a", parentId: "c" }, { id: "b", parentId: "a" }, { id: "c", parentId: "b" }] }, "organizations.0.parentId"],
    ["allowed roles not a list of strings", { ...base(), organizations: [{ id: "o", allowedRoles: ["member", ""] }] }, "organizations.0.allowedRoles.1"],
    ["user kind unknown", { ...base(), users: [{ id: "u", kind: "bot" }] }, "users.0.kind"],
    ["platform role unknown", { ...base(), users: [{ id: "u", platformRole: "owner" }] }, "users.0.platformRole"],
    ["registered not a boolean", { ...base(), users: [{ id: "u", registered: "yes" }] }, "users.0.registered"],
    ["duplicate user", { ...base(), users: [{ id: "u" }, { id: "u" }] }, "users.1.id"],
    ["membership naming an unknown organization", withMembers([{ userId: "u1", organizationId: "o1" }, { userId: "u2", organizationId: "o1" }, { userId: "u2", organizationId: "o2" }, { userId: "u1", organizationId: "o9" }]), "memberships.3.organizationId"],
    ["membership naming an unknown user", withMembers([{ userId: "u9", organizationId: "o1" }]), "memberships.0.userId"],
    ["duplicate membership", withMembers([{ userId: "u1", organizationId: "o1" }, { userId: "u2", organizationId: "o1" }, { userId: "u1", organizationId: "o1", admin: true }]), "memberships.2"],
    ["membership admin not a boolean", withMembers([{ userId: "u1", organizationId: "o1", admin: "no" }]), "memberships.0.admin"],
    ["resource of an unknown organization", { ...base(), resources: [{ kind: "asset", id: "a", organizationId: "o" }] }, "resources.0.organizationId"],
    ["resource with two owners", { ...base(), organizations: [{ id: "o" }, { id: "p" }], resources: [{ kind: "asset", id: "a", organizationId: "o" }, { kind: "asset", id: "a", organizationId: "p" }] }, "resources.1"],
  ])("rejects %s at %s", (_, snapshot, path) => {
    const error = snapshotError(snapshot);
    expect(error).toBeInstanceOf(OrgKitError);
    expect(error.code).toBe("INVALID_SNAPSHOT");
    expect(error.details.path).toBe(path);
    expect(error.message).toContain(path);
  });

  it("names the loop of a parent cycle", () => {
    const error = snapshotError({ ...base(), organizations: [{ id: "a", parentId: "c" }, { id: "b", parentId: "a" }, { id: "c", parentId: "b" }] });
    expect(error.details.message).toContain("a → c → b → a");
  });

  it("accepts the smallest snapshot and applies the defaults", () => {
    const policy = compilePolicy({ schemaVersion: 1, version: 0 });
    expect(policy.version).toBe(0);
    expect(policy.stats()).toMatchObject({ permissions: 0, usergroups: 0, organizations: 0 });
    expect(policy.guest().permissions()).toEqual([]);
  });

  it("ignores unknown keys, so orgkit's own Organization objects (and user projections) can be passed as they are", () => {
    const { organization } = createOrganization({ name: "Acme", states: ["service"], allowedRoles: ["member"] }, { id: "org_1", now: "2024-05-01T00:00:00Z" });
    const user = { id: "u1", kind: "user" as const, emails: ["a@acme.test"], registered: true, usergroupIds: [], platformRole: null, profileId: null };
    const membership = { userId: "u1", organizationId: "org_1", role: "member", admin: true, source: "manual" };
    const policy = compilePolicy({ schemaVersion: 1, version: 3, organizations: [organization], users: [user], memberships: [membership] });
    expect(policy.canAssignRole("u1", "org_1", "member")).toBe(true);
    expect(policy.canOnOrganization("u1", "read", "org_1")).toBe(true);
  });

  it("accepts dangling usergroup and profile references: they grant nothing", () => {
    const policy = compilePolicy({
      schemaVersion: 1,
      version: 1,
      organizations: [{ id: "o", usergroupIds: ["gone"], states: ["service"] }],
      users: [{ id: "a", kind: "agent", usergroupIds: ["gone"], profileId: "gone" }],
    });
    expect(policy.permissionsOf("a")).toEqual([]);
    expect(policy.canOnOrganization("a", "read", "o")).toBe(false);
  });

  it("round-trips the fixtures through JSON", () => {
    for (const snapshot of [helpdeskSnapshot(), acmeSnapshot()]) {
      const json = JSON.parse(JSON.stringify(snapshot)) as PolicySnapshot;
      expect(json).toEqual(snapshot);
      expect(parsePolicySnapshot(json)).toBe(json);
      expect(compilePolicy(json).stats()).toEqual(compilePolicy(snapshot).stats());
    }
  });

  it("lets parsePolicySnapshot reject what compilePolicy rejects", () => {
    expect(() => parsePolicySnapshot({ schemaVersion: 1, version: 1, users: [{ id: 5 }] })).toThrow(expect.objectContaining({ code: "INVALID_SNAPSHOT", details: expect.objectContaining({ path: "users.0.id" }) }));
  });

  it("supports custom state flags", () => {
    const policy = compilePolicy({
      schemaVersion: 1,
      version: 1,
      stateFlags: ["lead", "customer"],
      profiles: [{ id: "p", organizations: { "customer+lead": ["read", "edit"], none: ["read"] } }],
      organizations: [{ id: "both", states: ["lead", "customer"] }, { id: "lead", states: ["lead"] }, { id: "bare" }],
      users: [{ id: "a", kind: "agent", profileId: "p" }],
    });
    expect(policy.canOnOrganization("a", "edit", "both")).toBe(true);
    expect(policy.canOnOrganization("a", "edit", "lead")).toBe(false);
    expect(policy.canOnOrganization("a", "read", "bare")).toBe(true);
    expect(policy.explain({ check: "canOnOrganization", subject: "a", action: "edit", organization: "both" }).grants).toEqual([
      { type: "profile-cell", profileId: "p", combination: "lead+customer", action: "edit" },
    ]);
  });

  it("rejects a bad subject cache size with VALIDATION_FAILED", () => {
    for (const options of [{ subjectCacheSize: -1 }, { subjectCacheSize: 1.5 }, { subjectCacheSize: "10" }, null]) {
      expect(() => compilePolicy(base(), options as never)).toThrow(expect.objectContaining({ code: "VALIDATION_FAILED" }));
    }
    expect(() => compilePolicy(base(), { subjectCacheSize: -1 })).toThrow(expect.objectContaining({ details: { issues: [{ path: "subjectCacheSize", message: "must be a non-negative integer", code: "invalid_type" }] } }));
  });
});
