/**
 * Issue 16, by hand on seed 002's Acme tree: access that flows down the tree by choice.
 * Without rules every organization's access stays its own (the seed); a cascading role
 * reads, accesses and (when it sees tickets) sees what lies below its organization; a
 * cascading admin manages the plain members below; a discontinued organization stops a
 * cascade below it; moves carry what cascades at once; `explain` names the cascade.
 *
 * ```
 * acme ── east ── boston, new-york
 *      ├─ west ── la
 *      └─ partners
 * ```
 */
import { describe, expect, it } from "vitest";
import { compilePolicy, parsePolicySnapshot, type PolicyOrganization, type PolicySnapshot } from "../../src/permissions/index.js";
import { acmeSnapshot } from "./fixtures.js";
import { isOrgKitError } from "../../src/index.js";

const CASCADING: Pick<PolicySnapshot, "roles" | "admins"> = {
  roles: { manager: { seesOrganizationTickets: true, cascade: "descendants" }, auditor: { cascade: "descendants" } },
  admins: { cascade: "descendants" },
};

/** Acme with the rules, an auditor of east, and an admin of boston. */
function world(rules: Pick<PolicySnapshot, "roles" | "admins"> = CASCADING): PolicySnapshot {
  const base = acmeSnapshot();
  return {
    ...base,
    ...rules,
    users: [...base.users!, { id: "east-auditor" }, { id: "boston-admin" }],
    memberships: [
      ...base.memberships!,
      { userId: "east-auditor", organizationId: "east", role: "auditor" },
      { userId: "boston-admin", organizationId: "boston", admin: true },
    ],
  };
}

const ticket = (organizationId: string) => ({ requesterId: "someone", organizationId });
const organization = (snapshot: PolicySnapshot, id: string): PolicyOrganization => snapshot.organizations!.find((o) => o.id === id)!;

describe("no rules: the seed's independent organizations", () => {
  const policy = compilePolicy(world({}));

  it("a parent's manager and admin have nothing below their organization", () => {
    expect(policy.canViewTicket("east-manager", ticket("boston"))).toBe(false);
    expect(policy.canOnOrganization("east-manager", "read", "boston")).toBe(false);
    expect(policy.canManageUser("acme-admin", "east-member", "east")).toBe(false);
    expect(policy.canOnOrganization("east-auditor", "read", "boston")).toBe(false);
    expect(policy.subject("east-manager").organizationReadScope()).toEqual({ all: false, organizationIds: ["east"], stateCombinations: [] });
  });
});

describe("a cascading role", () => {
  const policy = compilePolicy(world());

  it("reads, accesses and sees the tickets of every organization below its own, nothing above or beside", () => {
    for (const id of ["east", "boston", "new-york"]) {
      expect(policy.canOnOrganization("east-manager", "read", id)).toBe(true);
      expect(policy.canViewTicket("east-manager", ticket(id))).toBe(true);
    }
    expect(policy.canAccessResource("east-manager", { kind: "system", id: "plant-boston" })).toBe(true);
    expect(policy.canAccessResource("east-manager", { kind: "asset", id: "drill-ny" })).toBe(true);
    for (const id of ["acme", "west", "la", "partners"]) {
      expect(policy.canOnOrganization("east-manager", "read", id)).toBe(false);
      expect(policy.canViewTicket("east-manager", ticket(id))).toBe(false);
    }
    expect(policy.canAccessResource("east-manager", { kind: "asset", id: "press-1" })).toBe(false);
    expect(policy.visibleOrganizations("east-manager", "acme")).toEqual(["east", "boston", "new-york"]);
  });

  it("never edits, deletes or administers what it reaches", () => {
    expect(policy.canOnOrganization("east-manager", "edit", "boston")).toBe(false);
    expect(policy.canOnOrganization("east-manager", "delete", "boston")).toBe(false);
    expect(policy.canManageUser("east-manager", "boston-member", "boston")).toBe(false);
    expect(policy.canAssignRole("east-manager", "boston", "member")).toBe(false);
  });

  it("that does not see tickets reads and accesses below, but sees no tickets", () => {
    expect(policy.canOnOrganization("east-auditor", "read", "boston")).toBe(true);
    expect(policy.canAccessResource("east-auditor", { kind: "system", id: "plant-boston" })).toBe(true);
    expect(policy.canViewTicket("east-auditor", ticket("boston"))).toBe(false);
    expect(policy.canViewTicket("east-auditor", ticket("east"))).toBe(false);
  });

  it("a manager whose rule turns tickets off sees none, not even its own organization's", () => {
    const off = compilePolicy(world({ roles: { manager: { seesOrganizationTickets: false } } }));
    expect(off.canViewTicket("east-manager", ticket("east"))).toBe(false);
    expect(off.canOnOrganization("east-manager", "read", "east")).toBe(true);
  });

  it("lists what it reaches in its read scope and ticket filter", () => {
    expect(policy.subject("east-manager").organizationReadScope()).toEqual({ all: false, organizationIds: ["boston", "east", "new-york"], stateCombinations: [] });
    expect(policy.subject("east-manager").ticketReadFilter()).toEqual({
      all: false,
      requesterId: "east-manager",
      organizationIds: ["boston", "east", "new-york"],
      stateCombinations: [],
      withoutOrganization: false,
    });
    expect(policy.subject("east-auditor").ticketReadFilter()).toMatchObject({ organizationIds: [] });
  });
});

describe("a cascading admin", () => {
  const policy = compilePolicy(world());

  it("manages the plain members below, and new users there, with each organization's own allowed roles and apps", () => {
    expect(policy.canManageUser("acme-admin", "east-member", "east")).toBe(true);
    expect(policy.canManageUser("acme-admin", "boston-member", "boston")).toBe(true);
    expect(policy.canManageUser("acme-admin", null, "la")).toBe(true);
    expect(policy.canAssignRole("acme-admin", "east", "member")).toBe(true);
    expect(policy.canAssignRole("acme-admin", "east", "technician")).toBe(false); // acme allows it, east does not
    expect(policy.canUseApp("acme-admin", "boston", "assets")).toBe(true);
    expect(policy.canUseApp("acme-admin", "boston", "reports")).toBe(false);
    expect(policy.canOnOrganization("acme-admin", "read", "boston")).toBe(true);
  });

  it("never manages the admins below, platform admins, or users who are not members there", () => {
    expect(policy.canManageUser("acme-admin", "east-admin", "east")).toBe(false);
    expect(policy.canManageUser("acme-admin", "boston-admin", "boston")).toBe(false);
    expect(policy.canManageUser("acme-admin", "root", "east")).toBe(false);
    expect(policy.canManageUser("acme-admin", "west-member", "east")).toBe(false);
    expect(policy.explain({ check: "canManageUser", subject: "acme-admin", targetUserId: "east-admin", organizationId: "east" }).reason).toContain('"east-admin" is an admin of "east"');
  });

  it("gets no resources or tickets from the admin flag (those follow the role)", () => {
    expect(policy.canAccessResource("acme-admin", { kind: "asset", id: "lathe-east" })).toBe(false);
    expect(policy.canViewTicket("acme-admin", ticket("east"))).toBe(false);
  });
});

describe("discontinued organizations in between stop the cascade", () => {
  const snapshot = world();
  const policy = compilePolicy(snapshot);
  const eastClosed = policy.withChanges([{ type: "organization.set", organization: { ...organization(snapshot, "east"), status: "discontinued" } }]);

  it("below a discontinued organization nothing cascades; the discontinued one itself is not reached", () => {
    expect(eastClosed.canManageUser("acme-admin", "boston-member", "boston")).toBe(false);
    expect(eastClosed.canOnOrganization("acme-admin", "read", "boston")).toBe(false);
    expect(eastClosed.canOnOrganization("acme-admin", "read", "east")).toBe(false);
    expect(eastClosed.canOnOrganization("acme-admin", "read", "la")).toBe(true); // another branch
    // east's own memberships are dormant: its manager's cascade is gone too.
    expect(eastClosed.canViewTicket("east-manager", ticket("boston"))).toBe(false);
    // boston's own admin is unaffected (a membership of boston itself).
    expect(eastClosed.canManageUser("boston-admin", null, "boston")).toBe(true);
  });

  it("explain says where it stops", () => {
    const decision = eastClosed.explain({ check: "canManageUser", subject: "acme-admin", targetUserId: "boston-member", organizationId: "boston" });
    expect(decision.allowed).toBe(false);
    expect(decision.reason).toContain('the cascade of admin of "acme" stops at discontinued "east"');
  });

  it("reactivation restores it at once", () => {
    const reopened = eastClosed.withChanges([{ type: "organization.set", organization: organization(snapshot, "east") }]);
    expect(reopened.canManageUser("acme-admin", "boston-member", "boston")).toBe(true);
    expect(reopened.canViewTicket("east-manager", ticket("boston"))).toBe(true);
  });

  it("a cascading membership of a discontinued organization confers nothing (dormant)", () => {
    const closed = policy.withChanges([{ type: "organization.set", organization: { ...organization(snapshot, "acme"), status: "discontinued" } }]);
    expect(closed.canManageUser("acme-admin", "east-member", "east")).toBe(false);
    expect(closed.canOnOrganization("acme-admin", "read", "east")).toBe(false);
  });
});

describe("moves carry what cascades, at once", () => {
  const snapshot = world();
  const policy = compilePolicy(snapshot);
  const manager = policy.subject("east-manager");
  expect(manager.canViewTicket(ticket("la"))).toBe(false); // resolved before the move

  it("a subtree moved under a cascading membership is reached; one moved away is not", () => {
    const moved = policy.withChanges([
      { type: "organization.set", organization: { ...organization(snapshot, "west"), parentId: "east" } },
      { type: "organization.set", organization: { ...organization(snapshot, "boston"), parentId: "acme" } },
    ]);
    expect(moved.canViewTicket("east-manager", ticket("west"))).toBe(true);
    expect(moved.canViewTicket("east-manager", ticket("la"))).toBe(true);
    expect(moved.canViewTicket("east-manager", ticket("boston"))).toBe(false);
    expect(moved.subject("east-manager").organizationReadScope()).toEqual({ all: false, organizationIds: ["east", "la", "new-york", "west"], stateCombinations: [] });
    // The old policy, and the handle resolved from it, are unchanged.
    expect(manager.canViewTicket(ticket("la"))).toBe(false);
    expect(policy.canViewTicket("east-manager", ticket("boston"))).toBe(true);
  });

  it("a new organization under a cascading membership is reached", () => {
    const grown = policy.withChanges([{ type: "organization.set", organization: { id: "cambridge", parentId: "boston" } }]);
    expect(grown.canOnOrganization("east-manager", "read", "cambridge")).toBe(true);
    expect(grown.canManageUser("acme-admin", null, "cambridge")).toBe(true);
  });
});

describe("explain names the cascade", () => {
  const policy = compilePolicy(world());

  it("with a cascade grant per cascading membership, and a sentence", () => {
    const decision = policy.explain({ check: "canViewTicket", subject: "east-manager", ticket: ticket("boston") });
    expect(decision.allowed).toBe(true);
    expect(decision.grants).toEqual([{ type: "cascade", organizationId: "east", role: "manager", admin: false, via: "role", reachedOrganizationId: "boston" }]);
    expect(decision.reason).toBe('manager of "east" (cascades to descendants) → "boston" is below "east"');
    const admin = policy.explain({ check: "canAssignRole", subject: "acme-admin", organizationId: "boston", role: "member" });
    expect(admin.reason).toBe('admin of "acme" (cascades to descendants) → "boston" is below "acme"; "boston" lets its admins assign role "member"');
  });

  it("says why a membership above does not cascade", () => {
    const auditor = policy.explain({ check: "canViewTicket", subject: "east-auditor", ticket: ticket("boston") });
    expect(auditor.reason).toContain("role auditor cascades but does not see tickets");
    const member = policy.explain({ check: "canOnOrganization", subject: "east-member", action: "read", organization: "boston" });
    expect(member.reason).toContain('a membership of ancestor "east" gives no rights over child organizations: role member does not cascade');
  });
});

describe("the rules in the snapshot", () => {
  const invalid = (rules: Record<string, unknown>, path: string) => {
    try {
      parsePolicySnapshot({ schemaVersion: 1, version: 1, ...rules });
    } catch (error) {
      expect(isOrgKitError(error, "INVALID_SNAPSHOT")).toBe(true);
      expect((error as { details: { path: string } }).details.path).toBe(path);
      return;
    }
    throw new Error("expected INVALID_SNAPSHOT");
  };

  it("are validated like the rest", () => {
    invalid({ roles: [] }, "roles");
    invalid({ roles: { manager: "descendants" } }, "roles.manager");
    invalid({ roles: { manager: { cascade: "ancestors" } } }, "roles.manager.cascade");
    invalid({ roles: { manager: { seesOrganizationTickets: "yes" } } }, "roles.manager.seesOrganizationTickets");
    invalid({ roles: { "": {} } }, "roles.");
    invalid({ admins: { cascade: true } }, "admins.cascade");
    invalid({ admins: null }, "admins");
  });

  it("are plain JSON: a snapshot that went through JSON answers the same; unknown keys are ignored", () => {
    const snapshot = { ...world(), roles: { ...CASCADING.roles, manager: { cascade: "descendants", note: "ignored" } } } as PolicySnapshot;
    const again = compilePolicy(JSON.parse(JSON.stringify(snapshot)) as PolicySnapshot);
    expect(again.canViewTicket("east-manager", ticket("boston"))).toBe(true);
    expect(again.canManageUser("acme-admin", "east-member", "east")).toBe(true);
  });

  it("a policy without cascading rules never numbers its tree", () => {
    const plain = compilePolicy(world({ roles: { manager: { seesOrganizationTickets: true } } }));
    for (const id of ["east-manager", "acme-admin", "boston-member"]) plain.subject(id).organizationReadScope();
    expect((plain.tables.tree as unknown as { numbering: unknown }).numbering).toBeNull();
  });
});
