import { describe, expect, it } from "vitest";
import { compilePolicy, type PolicyChange } from "../../src/permissions/index.js";
import { acmeSnapshot, helpdeskSnapshot } from "./fixtures.js";
import { isOrgKitError, type InvalidSnapshotDetails } from "../../src/index.js";

function changeError(run: () => unknown): InvalidSnapshotDetails {
  try {
    run();
  } catch (error) {
    if (isOrgKitError(error, "INVALID_SNAPSHOT")) return error.details;
    throw error;
  }
  throw new Error("expected INVALID_SNAPSHOT");
}

describe("withChanges", () => {
  const helpdesk = compilePolicy(helpdeskSnapshot());
  const acme = compilePolicy<string>(acmeSnapshot());

  it("bumps the version by one, or to the given version", () => {
    expect(helpdesk.version).toBe(1);
    expect(helpdesk.withChanges([]).version).toBe(2);
    expect(helpdesk.withChanges([], { version: 40 }).version).toBe(40);
    expect(changeError(() => helpdesk.withChanges([], { version: -2 }))).toMatchObject({ path: "version" });
  });

  it("adds a user, a membership and an organization in one batch", () => {
    const next = acme.withChanges([
      { type: "organization.set", organization: { id: "chicago", parentId: "east", states: ["service"], allowedRoles: ["member"] } },
      { type: "user.set", user: { id: "chicago-admin", registered: true } },
      { type: "membership.set", membership: { userId: "chicago-admin", organizationId: "chicago", admin: true } },
    ]);
    expect(next.canAssignRole("chicago-admin", "chicago", "member")).toBe(true);
    expect(next.visibleOrganizations("root", "east")).toEqual(["east", "boston", "new-york", "chicago"]);
    expect(next.canOnOrganization("service-agent", "edit", "chicago")).toBe(true);
    expect(acme.subject("chicago-admin").known).toBe(false);
  });

  it("keeps a user's memberships on user.set and drops them on user.remove", () => {
    const promoted = acme.withChanges([{ type: "user.set", user: { id: "east-member", kind: "agent", registered: true, profileId: "service-agents" } }]);
    expect(promoted.canAccessResource("east-member", { kind: "asset", id: "lathe-east" })).toBe(true);
    expect(promoted.canOnOrganization("east-member", "edit", "east")).toBe(true);
    const removed = promoted.withChanges([{ type: "user.remove", userId: "east-member" }]);
    expect(removed.subject("east-member").known).toBe(false);
    const back = removed.withChanges([{ type: "user.set", user: { id: "east-member" } }]);
    expect(back.canAccessResource("east-member", { kind: "asset", id: "lathe-east" })).toBe(false);
  });

  it("changes a membership's role and admin flag in place", () => {
    const next = acme.withChanges([{ type: "membership.set", membership: { userId: "east-member", organizationId: "east", role: "manager" } }]);
    expect(next.canViewTicket("east-member", { requesterId: "east-manager", organizationId: "east" })).toBe(true);
    expect(next.subject("east-member").canAssignRole("east", "member")).toBe(false);
  });

  it("redefines and removes usergroups; references to a removed group grant nothing until it returns", () => {
    const redefined = helpdesk.withChanges([{ type: "usergroup.set", usergroup: { id: "vip", name: "VIPs", permissions: ["chat.support", "chat.sales"] } }]);
    expect(redefined.can("user-a", "chat.sales")).toBe(true);
    expect(redefined.can("globex-member", "chat.sales")).toBe(true); // through the linked organization
    const removed = redefined.withChanges([{ type: "usergroup.remove", usergroupId: "vip" }]);
    expect(removed.can("user-a", "chat.support")).toBe(false);
    expect(removed.can("user-a", "kb.advanced")).toBe(true);
    const restored = removed.withChanges([{ type: "usergroup.set", usergroup: { id: "vip", permissions: ["chat.support"] } }]);
    expect(restored.can("user-a", "chat.support")).toBe(true);
  });

  it("grows the permission table when a group grants a new permission (no catalogue)", () => {
    const open = compilePolicy<string>({ schemaVersion: 1, version: 1, usergroups: [{ id: "g", permissions: ["a"] }], users: [{ id: "u", usergroupIds: ["g"] }] });
    const names = Array.from({ length: 40 }, (_, i) => `new.${i}`);
    const next = open.withChanges([{ type: "usergroup.set", usergroup: { id: "g", permissions: ["a", ...names] } }]);
    expect(next.permissionsOf("u")).toEqual(["a", ...names]);
    expect(open.permissionsOf("u")).toEqual(["a"]);
  });

  it("enforces the catalogue on usergroup.set", () => {
    expect(changeError(() => helpdesk.withChanges([{ type: "usergroup.set", usergroup: { id: "x", permissions: ["not.listed" as "kb.read"] } }]))).toMatchObject({
      path: "changes.0.usergroup.permissions.0",
    });
  });

  it("changes and removes staff profiles", () => {
    const next = acme.withChanges([{ type: "profile.set", profile: { id: "service-agents", add: true, organizations: { outreach: ["read"] } } }]);
    expect(next.canAddOrganization("service-agent")).toBe(true);
    expect(next.canOnOrganization("service-agent", "read", "west")).toBe(true);
    expect(next.canOnOrganization("service-agent", "read", "acme")).toBe(false);
    const gone = next.withChanges([{ type: "profile.remove", profileId: "service-agents" }]);
    expect(gone.canOnOrganization("service-agent", "read", "west")).toBe(false);
  });

  it("treats removing something absent as a no-op", () => {
    const next = acme.withChanges([
      { type: "membership.remove", userId: "east-member", organizationId: "west" },
      { type: "membership.remove", userId: "nobody", organizationId: "east" },
      { type: "user.remove", userId: "nobody" },
      { type: "resource.remove", kind: "asset", id: "nothing" },
      { type: "usergroup.remove", usergroupId: "nothing" },
      { type: "profile.remove", profileId: "nothing" },
    ]);
    expect(next.canAccessResource("east-member", { kind: "asset", id: "lathe-east" })).toBe(true);
  });

  it.each<[string, PolicyChange[], string]>([
    ["a membership of an unknown organization", [{ type: "membership.set", membership: { userId: "east-member", organizationId: "nowhere" } }], "changes.0.membership.organizationId"],
    ["a membership of an unknown user", [{ type: "membership.set", membership: { userId: "nobody", organizationId: "east" } }], "changes.0.membership.userId"],
    ["a parent cycle", [{ type: "organization.set", organization: { id: "acme", parentId: "boston" } }], "changes.0.organization.parentId"],
    ["a self parent", [{ type: "organization.set", organization: { id: "east", parentId: "east" } }], "changes.0.organization.parentId"],
    ["an unknown parent", [{ type: "organization.set", organization: { id: "x", parentId: "nowhere" } }], "changes.0.organization.parentId"],
    ["a resource of an unknown organization", [{ type: "resource.set", resource: { kind: "asset", id: "a", organizationId: "nowhere" } }], "changes.0.resource.organizationId"],
    ["an unknown state", [{ type: "organization.set", organization: { id: "east", states: ["sales"] } }], "changes.0.organization.states.0"],
    ["an unknown change type", [{ type: "organization.remove", organizationId: "east" } as unknown as PolicyChange], "changes.0.type"],
    ["a bad second change", [{ type: "user.remove", userId: "east-member" }, { type: "user.set", user: { id: "" } }], "changes.1.user.id"],
  ])("rejects %s with the change's path", (_, changes, path) => {
    expect(changeError(() => acme.withChanges(changes))).toMatchObject({ path });
  });

  it("rejects a non-array", () => {
    expect(changeError(() => acme.withChanges({} as unknown as PolicyChange[]))).toMatchObject({ path: "changes" });
  });

  it("carries cached subjects over, except those a change concerns", () => {
    const policy = compilePolicy(acmeSnapshot());
    for (const id of ["east-member", "boston-member", "west-member", "acme-admin"]) policy.subject(id);
    expect(policy.stats().cachedSubjects).toBe(4);
    const membershipChange = policy.withChanges([{ type: "membership.remove", userId: "west-member", organizationId: "west" }]);
    expect(membershipChange.stats().cachedSubjects).toBe(3);
    const orgChange = policy.withChanges([{ type: "organization.set", organization: { id: "east", states: [] } }]);
    expect(orgChange.stats().cachedSubjects).toBe(3); // east-member dropped
    expect(orgChange.canOnOrganization("service-agent", "edit", "east")).toBe(false);
    const groupChange = policy.withChanges([{ type: "usergroup.set", usergroup: { id: "everyone", permissions: [] } }]);
    expect(groupChange.stats().cachedSubjects).toBe(0);
    // Carried-over subjects answer from the new facts.
    const moved = policy.withChanges([{ type: "resource.set", resource: { kind: "asset", id: "crane-west", organizationId: "boston" } }]);
    expect(moved.stats().cachedSubjects).toBe(4);
    expect(moved.canAccessResource("boston-member", { kind: "asset", id: "crane-west" })).toBe(true);
    expect(moved.canAccessResource("west-member", { kind: "asset", id: "crane-west" })).toBe(false);
  });

  it("stays correct over many small changes (overlay merges)", () => {
    let policy = compilePolicy(acmeSnapshot());
    for (let i = 0; i < 300; i++) {
      policy = policy.withChanges([
        { type: "user.set", user: { id: `temp-${i}`, registered: true } },
        { type: "membership.set", membership: { userId: `temp-${i}`, organizationId: i % 2 === 0 ? "east" : "west" } },
      ]);
    }
    expect(policy.canAccessResource("temp-0", { kind: "asset", id: "lathe-east" })).toBe(true);
    expect(policy.canAccessResource("temp-299", { kind: "asset", id: "crane-west" })).toBe(true);
    expect(policy.canAccessResource("temp-299", { kind: "asset", id: "lathe-east" })).toBe(false);
    expect(policy.version).toBe(7 + 300);
  });
});
