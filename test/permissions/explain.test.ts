import { describe, expect, it } from "vitest";
import { compilePolicy, describeGrant, type Decision, type Policy } from "../../src/permissions/index.js";
import { acmeSnapshot, helpdeskSnapshot } from "./fixtures.js";

const helpdesk = compilePolicy(helpdeskSnapshot());
const acme = compilePolicy<string>(acmeSnapshot());

describe("explain output", () => {
  it("is plain JSON: check, allowed, subject, grants, reason", () => {
    const decision = helpdesk.explain({ check: "can", subject: "user-a", permission: "chat.support" });
    expect(JSON.parse(JSON.stringify(decision))).toEqual<Decision>({
      check: "can",
      allowed: true,
      subject: { id: "user-a", kind: "user" },
      grants: [{ type: "usergroup", usergroupId: "vip", usergroupName: "VIPs", permission: "chat.support", via: "own" }],
      reason: 'usergroup "VIPs" (own) grants "chat.support"',
    });
  });

  it("lists every granting group, with how the subject has it", () => {
    const both = helpdesk.withChanges([{ type: "user.set", user: { id: "globex-member", registered: true, usergroupIds: ["vip"] } }]);
    expect(both.explain({ check: "can", subject: "globex-member", permission: "chat.support" }).grants).toEqual([
      { type: "usergroup", usergroupId: "vip", usergroupName: "VIPs", permission: "chat.support", via: "own" },
      { type: "usergroup", usergroupId: "vip", usergroupName: "VIPs", permission: "chat.support", via: "organization", organizationId: "globex" },
    ]);
    expect(helpdesk.explain({ check: "can", subject: helpdesk.guest(), permission: "kb.read" }).grants).toEqual([
      { type: "usergroup", usergroupId: "everyone", usergroupName: "Everyone", permission: "kb.read", via: "everyone" },
    ]);
    expect(helpdesk.explain({ check: "can", subject: "registered-user", permission: "feedback.submit" }).grants[0]).toMatchObject({ via: "registered" });
  });

  it("says which groups were considered when denying", () => {
    const decision = helpdesk.explain({ check: "can", subject: "user-a", permission: "chat.sales" });
    expect(decision).toMatchObject({ allowed: false, grants: [] });
    expect(decision.reason).toBe('no effective usergroup grants "chat.sales" (effective usergroups: "Everyone", "Registered", "Power Users", "VIPs")');
  });

  it("names every source of an organization decision", () => {
    // A platform admin who is also a member and has a profile: all three grants are listed.
    const policy = acme.withChanges([
      { type: "user.set", user: { id: "platform-admin", kind: "agent", registered: true, platformRole: "admin", profileId: "service-agents" } },
      { type: "membership.set", membership: { userId: "platform-admin", organizationId: "acme" } },
    ]);
    expect(policy.explain({ check: "canOnOrganization", subject: "platform-admin", action: "read", organization: "acme" }).grants).toEqual([
      { type: "platform-role", role: "admin" },
      { type: "profile-cell", profileId: "service-agents", combination: "service", action: "read" },
      { type: "membership", organizationId: "acme", role: "member", admin: false },
    ]);
  });

  it("explains denials in words", () => {
    const reason = (p: Policy, request: Parameters<Policy["explain"]>[0]) => p.explain(request).reason;
    expect(reason(acme, { check: "canOnOrganization", subject: "service-agent", action: "delete", organization: "east" })).toBe(
      'not a platform admin; staff profile "service-agents" does not allow delete on organizations in state "service+outreach"; memberships and org admin rights never allow editing or deleting organizations',
    );
    expect(reason(acme, { check: "canManageUser", subject: "east-admin", targetUserId: "acme-member", organizationId: "acme" })).toContain('not an admin of "acme"');
    expect(reason(acme, { check: "canManageUser", subject: "east-member", targetUserId: null, organizationId: "east" })).toContain("member with role member");
    expect(reason(acme, { check: "canViewTicket", subject: "east-member", ticket: { requesterId: "x", organizationId: "east" } })).toContain("is not manager");
    expect(reason(acme, { check: "canViewTicket", subject: acme.guest(), ticket: { requesterId: "x" } })).toBe("a guest sees no tickets");
    expect(reason(acme, { check: "canManageUser", subject: "platform-admin", targetUserId: "root", organizationId: "acme" })).toContain("only a super_admin");
    expect(reason(acme, { check: "canAddOrganization", subject: "east-member" })).toBe('not a platform admin; "east-member" has no staff profile');
  });

  it("denies an unknown check from untyped callers instead of throwing", () => {
    const request = { check: "canFly", subject: "root" } as unknown as Parameters<Policy["explain"]>[0];
    expect(acme.check(request)).toBe(false);
    expect(acme.explain(request)).toMatchObject({ allowed: false, reason: '"canFly" is not a check' });
  });

  it("describes every grant type", () => {
    expect(describeGrant({ type: "requester", userId: "u1" })).toBe('"u1" raised the ticket');
    expect(describeGrant({ type: "new-user", organizationId: "o" })).toBe('a new user of "o"');
    expect(describeGrant({ type: "resource-owner", kind: "asset", id: "a", organizationId: "o" })).toBe('asset "a" is owned by "o"');
    expect(describeGrant({ type: "profile-add", profileId: "p" })).toBe('staff profile "p" allows adding organizations');
  });
});
