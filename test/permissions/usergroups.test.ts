import { describe, expect, expectTypeOf, it } from "vitest";
import { compilePolicy, type Policy } from "../../src/permissions/index.js";
import { helpdeskSnapshot, type HelpdeskPermission } from "./fixtures.js";

const policy: Policy<HelpdeskPermission> = compilePolicy(helpdeskSnapshot());

describe("usergroups (seed 003)", () => {
  it("gives a Power User and VIP the combined permissions of both groups", () => {
    const a = policy.subject("user-a");
    expect(a.can("kb.advanced")).toBe(true); // Power Users: advanced configuration articles
    expect(a.can("comments.unmoderated")).toBe(true); // Power Users: comments without approval
    expect(a.can("chat.support")).toBe(true); // VIPs: chat with the support department
    expect(a.can("chat.sales")).toBe(false); // only Trial Users chat with sales
  });

  it("allows a request needing grants from two different groups (no better-auth #3011)", () => {
    expect(policy.canAll("user-a", ["kb.advanced", "chat.support"])).toBe(true);
    expect(policy.canAll("user-a", ["kb.advanced", "comments.unmoderated", "chat.support", "kb.read", "feedback.submit"])).toBe(true);
    expect(policy.canAll("user-a", ["kb.advanced", "chat.sales"])).toBe(false);
    const decision = policy.explain({ check: "canAll", subject: "user-a", permissions: ["kb.advanced", "chat.support"] });
    expect(decision.allowed).toBe(true);
    expect(decision.grants.map((g) => g.type === "usergroup" && g.usergroupId)).toEqual(["power", "vip"]);
  });

  it("denies an empty canAll request", () => {
    expect(policy.canAll("user-a", [])).toBe(false);
    expect(policy.explain({ check: "canAll", subject: "user-a", permissions: [] }).allowed).toBe(false);
  });

  it("gives Trial Users sales chat only", () => {
    const t = policy.subject("trial-user");
    expect(t.can("chat.sales")).toBe(true);
    expect(t.can("chat.support")).toBe(false);
    expect(t.can("kb.advanced")).toBe(false);
  });

  it("gives guests what Everyone grants, and nothing else", () => {
    const guest = policy.guest();
    expect(guest.kind).toBe("guest");
    expect(guest.id).toBeNull();
    expect(guest.can("kb.read")).toBe(true);
    expect(guest.can("portal.browse")).toBe(true);
    expect(guest.can("feedback.submit")).toBe(false); // Registered only
    expect(guest.permissions()).toEqual(["portal.browse", "kb.read"]);
  });

  it("gives registered users Everyone + Registered, unregistered users only Everyone", () => {
    expect(policy.permissionsOf("registered-user")).toEqual(["portal.browse", "kb.read", "comments.submit", "feedback.submit"]);
    expect(policy.permissionsOf("unregistered-user")).toEqual(["portal.browse", "kb.read"]);
    expect(policy.can("unregistered-user", "feedback.submit")).toBe(false);
  });

  it("evaluates agents like users: an agent outside a group does not see what it grants", () => {
    expect(policy.subject("agent-outside").kind).toBe("agent");
    expect(policy.can("agent-outside", "news.read")).toBe(false);
    expect(policy.can("agent-news", "news.read")).toBe(true);
    expect(policy.can("agent-outside", "kb.read")).toBe(true); // Everyone still applies
  });

  it("gives an organization's members its linked group", () => {
    expect(policy.can("acme-member", "guides.acme")).toBe(true);
    expect(policy.can("globex-member", "chat.support")).toBe(true); // globex is linked to VIPs
    expect(policy.can("globex-member", "guides.acme")).toBe(false);
    const decision = policy.explain({ check: "can", subject: "acme-member", permission: "guides.acme" });
    expect(decision.grants).toEqual([
      { type: "usergroup", usergroupId: "acme-guides", usergroupName: "Acme guides", permission: "guides.acme", via: "organization", organizationId: "acme" },
    ]);
  });

  it("takes the linked group away when the member leaves the organization", () => {
    const before = policy.subject("acme-member");
    const after = policy.withChanges([{ type: "membership.remove", userId: "acme-member", organizationId: "acme" }]);
    expect(after.can("acme-member", "guides.acme")).toBe(false);
    expect(after.can("acme-member", "kb.read")).toBe(true);
    // The old policy and its handles are unchanged.
    expect(policy.can("acme-member", "guides.acme")).toBe(true);
    expect(before.can("guides.acme")).toBe(true);
    // Joining again brings it back.
    const rejoined = after.withChanges([{ type: "membership.set", membership: { userId: "acme-member", organizationId: "acme" } }]);
    expect(rejoined.can("acme-member", "guides.acme")).toBe(true);
  });

  it("never grants a canary permission no group grants", () => {
    for (const id of ["user-a", "trial-user", "registered-user", "agent-news", "acme-member"]) {
      expect(policy.can(id, "canary.never")).toBe(false);
    }
    expect(policy.guest().can("canary.never")).toBe(false);
  });

  it("denies unknown permissions and unknown subjects without throwing", () => {
    const untyped = policy as unknown as Policy<string>;
    expect(untyped.can("user-a", "no.such.permission")).toBe(false);
    const ghost = policy.subject("ghost");
    expect(ghost.known).toBe(false);
    expect(ghost.kind).toBe("unknown");
    expect(ghost.can("kb.read")).toBe(false); // not even Everyone
    expect(ghost.permissions()).toEqual([]);
    const decision = policy.explain({ check: "can", subject: "ghost", permission: "kb.read" });
    expect(decision).toMatchObject({ allowed: false, grants: [] });
    expect(decision.reason).toContain("unknown subject");
    expect(untyped.explain({ check: "can", subject: "user-a", permission: "no.such.permission" }).reason).toContain("not a known permission");
  });

  it("types permission names from the catalogue", () => {
    expectTypeOf(policy.can).parameter(1).toEqualTypeOf<HelpdeskPermission>();
    // @ts-expect-error "chat.marketing" is not in the catalogue
    policy.can("user-a", "chat.marketing");
    const inferred = compilePolicy({ schemaVersion: 1, version: 1, usergroups: [{ id: "g", permissions: ["a.read", "b.write"] }] });
    expectTypeOf(inferred.can).parameter(1).toEqualTypeOf<"a.read" | "b.write">();
  });

  it("caches subjects per id and resolves handles of other policy versions again", () => {
    const a1 = policy.subject("user-a");
    expect(policy.subject("user-a")).toBe(a1);
    const next = policy.withChanges([{ type: "user.set", user: { id: "user-a", registered: true, usergroupIds: ["trial"] } }]);
    expect(next.can(a1, "chat.sales")).toBe(true); // a1 is re-resolved in `next`
    expect(a1.can("chat.sales")).toBe(false); // a1 itself answers for the policy it came from
  });
});
