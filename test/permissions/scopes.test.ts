import { describe, expect, it } from "vitest";
import { compilePolicy, type OrganizationAction } from "../../src/permissions/index.js";
import { acmeSnapshot } from "./fixtures.js";

const policy = compilePolicy(acmeSnapshot());
const ACTIONS: readonly OrganizationAction[] = ["read", "edit", "delete"];
const ACME_TREE = ["acme", "east", "boston", "new-york", "west", "la", "partners"];

describe("platform admins (seed 002)", () => {
  it.each(["root", "platform-admin"])("%s creates, edits and discontinues any organization and sees all", (id) => {
    expect(policy.canAddOrganization(id)).toBe(true);
    for (const org of [...ACME_TREE, "old-co"]) for (const action of ACTIONS) expect(policy.canOnOrganization(id, action, org)).toBe(true);
    expect(policy.visibleOrganizations(id, "acme")).toEqual(ACME_TREE);
    expect(policy.explain({ check: "canOnOrganization", subject: id, action: "delete", organization: "boston" }).grants).toEqual([
      { type: "platform-role", role: id === "root" ? "super_admin" : "admin" },
    ]);
  });

  it("assigns any role and uses any app in any organization", () => {
    expect(policy.canAssignRole("platform-admin", "boston", "anything")).toBe(true);
    expect(policy.canUseApp("platform-admin", "boston", "anything")).toBe(true);
    expect(policy.canManageUser("platform-admin", "boston-member", "boston")).toBe(true);
  });

  it("only a super_admin manages a super_admin", () => {
    expect(policy.canManageUser("platform-admin", "root", "acme")).toBe(false);
    expect(policy.canManageUser("root", "platform-admin", "acme")).toBe(true);
    expect(policy.canManageUser("root", "root", "acme")).toBe(true);
  });
});

describe("organization admins (seed 002)", () => {
  it("manage users of their own organization, and new users for it", () => {
    expect(policy.canManageUser("acme-admin", "acme-member", "acme")).toBe(true);
    expect(policy.canManageUser("acme-admin", null, "acme")).toBe(true);
    expect(policy.explain({ check: "canManageUser", subject: "acme-admin", targetUserId: "acme-member", organizationId: "acme" }).grants).toEqual([
      { type: "membership", organizationId: "acme", role: "member", admin: true },
      { type: "target-membership", userId: "acme-member", organizationId: "acme", role: "member" },
    ]);
  });

  it("have no rights over child organizations unless also admin there", () => {
    expect(policy.canManageUser("acme-admin", "east-member", "east")).toBe(false);
    expect(policy.canManageUser("acme-admin", null, "east")).toBe(false);
    expect(policy.canAssignRole("acme-admin", "east", "member")).toBe(false);
    expect(policy.canUseApp("acme-admin", "east", "assets")).toBe(false);
    expect(policy.canOnOrganization("acme-admin", "read", "east")).toBe(false);
    expect(policy.canAccessResource("acme-admin", { kind: "asset", id: "lathe-east" })).toBe(false);
    const decision = policy.explain({ check: "canManageUser", subject: "acme-admin", targetUserId: "east-member", organizationId: "east" });
    expect(decision.reason).toContain('membership of ancestor "acme" gives no rights over child organizations');

    const alsoEastAdmin = policy.withChanges([{ type: "membership.set", membership: { userId: "acme-admin", organizationId: "east", admin: true } }]);
    expect(alsoEastAdmin.canManageUser("acme-admin", "east-member", "east")).toBe(true);
    expect(alsoEastAdmin.canManageUser("acme-admin", "boston-member", "boston")).toBe(false); // still not the grandchild
  });

  it("manage only users of their organization (not other organizations' users, not unknown ids)", () => {
    expect(policy.canManageUser("east-admin", "east-member", "east")).toBe(true);
    expect(policy.canManageUser("east-admin", "boston-member", "boston")).toBe(false);
    expect(policy.canManageUser("east-admin", "boston-member", "east")).toBe(false); // not a member of east
    expect(policy.canManageUser("east-admin", "acme-member", "acme")).toBe(false);
    expect(policy.canManageUser("east-admin", "no-such-user", "east")).toBe(false);
    expect(policy.canManageUser("east-admin", "east-member", "no-such-org")).toBe(false);
  });

  it("never manage platform admins, even members of their organization", () => {
    const next = policy.withChanges([{ type: "membership.set", membership: { userId: "platform-admin", organizationId: "acme" } }]);
    expect(next.canManageUser("acme-admin", "platform-admin", "acme")).toBe(false);
  });

  it("assign only their organization's allowed roles", () => {
    expect(policy.canAssignRole("acme-admin", "acme", "technician")).toBe(true);
    expect(policy.canAssignRole("acme-admin", "acme", "member")).toBe(true);
    expect(policy.canAssignRole("acme-admin", "acme", "manager")).toBe(false);
    expect(policy.canAssignRole("east-admin", "east", "technician")).toBe(false);
    expect(policy.explain({ check: "canAssignRole", subject: "acme-admin", organizationId: "acme", role: "manager" }).reason).toContain('does not let its admins assign role "manager"');
  });

  it("use only their organization's allowed apps", () => {
    expect(policy.canUseApp("acme-admin", "acme", "reports")).toBe(true);
    expect(policy.canUseApp("acme-admin", "acme", "billing")).toBe(false);
    expect(policy.canUseApp("east-admin", "east", "assets")).toBe(true);
    expect(policy.canUseApp("east-admin", "east", "reports")).toBe(false);
    expect(policy.explain({ check: "canUseApp", subject: "east-admin", organizationId: "east", app: "assets" }).grants).toEqual([
      { type: "membership", organizationId: "east", role: "member", admin: true },
      { type: "allowed-app", organizationId: "east", app: "assets" },
    ]);
  });

  it("cannot create, edit or discontinue organizations, but read their own", () => {
    for (const id of ["acme-admin", "east-admin", "acme-member", "east-member"]) {
      expect(policy.canAddOrganization(id)).toBe(false);
      for (const org of ACME_TREE) {
        expect(policy.canOnOrganization(id, "edit", org)).toBe(false);
        expect(policy.canOnOrganization(id, "delete", org)).toBe(false);
      }
    }
    expect(policy.canOnOrganization("acme-admin", "read", "acme")).toBe(true);
    expect(policy.canOnOrganization("east-member", "read", "east")).toBe(true);
    expect(policy.explain({ check: "canOnOrganization", subject: "acme-admin", action: "edit", organization: "acme" }).reason).toContain(
      "never allow editing or deleting organizations",
    );
  });

  it("members cannot manage anyone, assign roles or use admin apps", () => {
    expect(policy.canManageUser("east-member", null, "east")).toBe(false);
    expect(policy.canAssignRole("east-member", "east", "member")).toBe(false);
    expect(policy.canUseApp("east-member", "east", "assets")).toBe(false);
  });
});

describe("resources: members of the owning organization only (seed 002 security groups)", () => {
  const cases: [string, string, string, boolean][] = [
    ["east-member", "asset", "lathe-east", true], // own
    ["east-member", "asset", "press-1", false], // parent's
    ["east-member", "system", "plant-boston", false], // child's
    ["east-member", "asset", "drill-ny", false], // child's
    ["east-member", "asset", "crane-west", false], // sibling's
    ["boston-member", "system", "plant-boston", true], // own
    ["boston-member", "asset", "lathe-east", false], // parent's
    ["boston-member", "asset", "drill-ny", false], // sibling's
    ["acme-member", "asset", "press-1", true], // own
    ["acme-member", "asset", "lathe-east", false], // child's
    ["east-admin", "asset", "lathe-east", true], // an org admin is a member too
    ["service-agent", "asset", "lathe-east", false], // staff profiles cover organizations, not resources
    ["platform-admin", "system", "plant-boston", true],
    ["east-member", "asset", "no-such-asset", false],
  ];
  it.each(cases)("%s → %s %s: %s", (subject, kind, id, expected) => {
    expect(policy.canAccessResource(subject, { kind, id })).toBe(expected);
    expect(policy.explain({ check: "canAccessResource", subject, resource: { kind, id } }).allowed).toBe(expected);
  });

  it("follows the resource when it moves to another organization", () => {
    const moved = policy.withChanges([{ type: "resource.set", resource: { kind: "asset", id: "lathe-east", organizationId: "boston" } }]);
    expect(moved.canAccessResource("east-member", { kind: "asset", id: "lathe-east" })).toBe(false);
    expect(moved.canAccessResource("boston-member", { kind: "asset", id: "lathe-east" })).toBe(true);
    const removed = moved.withChanges([{ type: "resource.remove", kind: "asset", id: "lathe-east" }]);
    expect(removed.canAccessResource("boston-member", { kind: "asset", id: "lathe-east" })).toBe(false);
  });

  it("explains a denial by naming the owner", () => {
    const decision = policy.explain({ check: "canAccessResource", subject: "boston-member", resource: { kind: "asset", id: "lathe-east" } });
    expect(decision.reason).toContain('asset "lathe-east" is owned by "east"');
  });
});

describe("tickets (seed 000 organization managers)", () => {
  const byMember = { requesterId: "east-member", organizationId: "east" };
  const byManager = { requesterId: "east-manager", organizationId: "east" };
  const inBoston = { requesterId: "boston-member", organizationId: "boston" };

  it("lets a manager see every ticket of the organization, a member only their own", () => {
    expect(policy.canViewTicket("east-manager", byMember)).toBe(true);
    expect(policy.canViewTicket("east-manager", byManager)).toBe(true);
    expect(policy.canViewTicket("east-member", byMember)).toBe(true);
    expect(policy.canViewTicket("east-member", byManager)).toBe(false);
    expect(policy.explain({ check: "canViewTicket", subject: "east-manager", ticket: byMember }).grants).toEqual([
      { type: "membership", organizationId: "east", role: "manager", admin: false },
    ]);
    expect(policy.explain({ check: "canViewTicket", subject: "east-member", ticket: byMember }).grants).toEqual([{ type: "requester", userId: "east-member" }]);
  });

  it("does not extend a manager's view to child organizations", () => {
    expect(policy.canViewTicket("east-manager", inBoston)).toBe(false);
  });

  it("does not let an org admin without the manager role see others' tickets", () => {
    expect(policy.canViewTicket("east-admin", byMember)).toBe(false);
  });

  it("lets agents see tickets of organizations their profile may read", () => {
    expect(policy.canViewTicket("service-agent", byMember)).toBe(true); // east: service+outreach → read
    expect(policy.canViewTicket("service-agent", { requesterId: "west-member", organizationId: "west" })).toBe(false); // outreach: no cell
    expect(policy.canViewTicket("service-agent", { requesterId: "someone" })).toBe(true); // no organization: the "none" cell
    expect(policy.canViewTicket("service-agent", { requesterId: "someone", organizationId: "no-such-org" })).toBe(false);
  });

  it("lets platform admins see all tickets and guests none", () => {
    expect(policy.canViewTicket("platform-admin", inBoston)).toBe(true);
    expect(policy.canViewTicket(policy.guest(), { requesterId: "x", organizationId: "east" })).toBe(false);
    expect(policy.canViewTicket("no-such-user", { requesterId: "no-such-user" })).toBe(false);
  });
});

describe("roll-up visibility (seed 002 reporting)", () => {
  it("limits a subtree to what the viewer may read", () => {
    // service-agent reads service, service+outreach, service+opportunities and none; not outreach or opportunities alone.
    expect(policy.visibleOrganizations("service-agent", "acme")).toEqual(["acme", "east", "new-york", "la", "partners"]);
    expect(policy.visibleOrganizations("east-member", "acme")).toEqual(["east"]);
    expect(policy.visibleOrganizations("acme-admin", "acme")).toEqual(["acme"]);
    expect(policy.visibleOrganizations("east-manager", "east")).toEqual(["east"]);
    expect(policy.visibleOrganizations("boston-member", "east")).toEqual(["boston"]);
    expect(policy.visibleOrganizations("root", "east")).toEqual(["east", "boston", "new-york"]);
  });

  it("returns nothing for an unknown root or an unknown subject", () => {
    expect(policy.visibleOrganizations("root", "no-such-org")).toEqual([]);
    expect(policy.visibleOrganizations("no-such-user", "acme")).toEqual([]);
  });

  it("follows a move in the tree", () => {
    const moved = policy.withChanges([{ type: "organization.set", organization: { id: "boston", parentId: "west", states: ["opportunities"] } }]);
    expect(moved.visibleOrganizations("root", "east")).toEqual(["east", "new-york"]);
    expect(moved.visibleOrganizations("root", "west")).toEqual(["west", "la", "boston"]);
    expect(policy.visibleOrganizations("root", "east")).toEqual(["east", "boston", "new-york"]);
  });
});

describe("discontinued organizations", () => {
  it("make their memberships dormant", () => {
    expect(policy.canManageUser("old-admin", null, "old-co")).toBe(false);
    expect(policy.canAssignRole("old-admin", "old-co", "member")).toBe(false);
    expect(policy.canOnOrganization("old-admin", "read", "old-co")).toBe(false);
    expect(policy.explain({ check: "canOnOrganization", subject: "old-admin", action: "read", organization: "old-co" }).reason).toContain("dormant");
  });

  it("stay readable and editable (reactivation) by platform admins and agents per profile", () => {
    expect(policy.canOnOrganization("platform-admin", "edit", "old-co")).toBe(true);
    expect(policy.canOnOrganization("service-agent", "read", "old-co")).toBe(true);
  });

  it("wake the memberships up on reactivation", () => {
    const reactivated = policy.withChanges([
      { type: "organization.set", organization: { id: "old-co", states: ["service"], status: "active", allowedRoles: ["member"] } },
    ]);
    expect(reactivated.canManageUser("old-admin", null, "old-co")).toBe(true);
    expect(reactivated.canAssignRole("old-admin", "old-co", "member")).toBe(true);
  });
});
