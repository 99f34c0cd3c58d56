import { describe, expect, it } from "vitest";
import { allStateCombinations, compilePolicy, stateCombinationKey, type OrganizationAction, type PolicySnapshot } from "../../src/permissions/index.js";

const ACTIONS: readonly OrganizationAction[] = ["read", "edit", "delete"];

/**
 * Seed 004's example: agents read and edit organizations in any state that includes
 * Service, but do not delete those in Service+Opportunities, Service+Outreach and
 * Service+Opportunities+Outreach. The other rows are chosen so that every row differs
 * from its neighbours, which catches a lookup by subset instead of exact combination.
 */
const TABLE: Record<string, readonly OrganizationAction[]> = {
  none: ["read"],
  service: ["read", "edit", "delete"],
  outreach: ["read"],
  opportunities: ["read", "edit"],
  "service+outreach": ["read", "edit"],
  "service+opportunities": ["read", "edit"],
  "outreach+opportunities": [],
  "service+outreach+opportunities": ["read", "edit"],
};

function stateSnapshot(): PolicySnapshot {
  const combinations = allStateCombinations();
  return {
    schemaVersion: 1,
    version: 1,
    profiles: [
      { id: "agents", name: "Agents", add: true, organizations: TABLE },
      { id: "readers", organizations: { "opportunities+service": ["read"] } },
      { id: "own-notes", organizations: { none: ["read"] }, notes: { editOwn: true, deleteOwn: true } },
      { id: "any-notes", organizations: { none: ["read"] }, notes: { editAny: true, deleteAny: true } },
      { id: "edit-any-delete-own", organizations: { none: ["read"] }, notes: { editAny: true, deleteOwn: true } },
      { id: "no-notes", organizations: { none: ["read"] } },
    ],
    organizations: [
      ...combinations.map((key) => ({ id: `org:${key}`, states: key === "none" ? [] : key.split("+") })),
      { id: "hidden", states: ["outreach", "opportunities"] },
    ],
    users: [
      { id: "agent", kind: "agent", profileId: "agents" },
      { id: "reader", kind: "agent", profileId: "readers" },
      { id: "plain-agent", kind: "agent" },
      { id: "user-with-profile", kind: "user", profileId: "agents" },
      { id: "admin", kind: "agent", platformRole: "admin" },
      { id: "own-notes", kind: "agent", profileId: "own-notes" },
      { id: "any-notes", kind: "agent", profileId: "any-notes" },
      { id: "mixed-notes", kind: "agent", profileId: "edit-any-delete-own" },
      { id: "no-notes", kind: "agent", profileId: "no-notes" },
      { id: "dangling", kind: "agent", profileId: "deleted-profile" },
    ],
  };
}

const policy = compilePolicy(stateSnapshot());

describe("state combinations", () => {
  it("lists seven non-empty combinations plus none", () => {
    const all = allStateCombinations();
    expect(all).toHaveLength(8);
    expect(all[0]).toBe("none");
    expect(new Set(all)).toEqual(new Set(Object.keys(TABLE)));
    expect(stateCombinationKey(["opportunities", "service"])).toBe("service+opportunities");
    expect(stateCombinationKey([])).toBe("none");
  });
});

describe("state profiles (seed 004)", () => {
  it.each(Object.entries(TABLE).flatMap(([key, allowed]) => ACTIONS.map((action) => [key, action, allowed.includes(action)] as const)))(
    "%s × %s → %s (by the exact combination)",
    (key, action, expected) => {
      expect(policy.canOnOrganization("agent", action, `org:${key}`)).toBe(expected);
      expect(policy.subject("agent").canOnOrganization(action, policy.organization(`org:${key}`))).toBe(expected);
      const decision = policy.explain({ check: "canOnOrganization", subject: "agent", action, organization: `org:${key}` });
      expect(decision.allowed).toBe(expected);
      if (expected) expect(decision.grants).toEqual([{ type: "profile-cell", profileId: "agents", combination: key, action }]);
      else expect(decision.reason).toContain(`does not allow ${action} on organizations in state "${key}"`);
    },
  );

  it("accepts combination keys in any flag order", () => {
    expect(policy.canOnOrganization("reader", "read", "org:service+opportunities")).toBe(true);
    expect(policy.canOnOrganization("reader", "read", "org:service")).toBe(false);
    expect(policy.canOnOrganization("reader", "read", "org:opportunities")).toBe(false);
  });

  it("lets a profile grant add", () => {
    expect(policy.canAddOrganization("agent")).toBe(true);
    expect(policy.canAddOrganization("reader")).toBe(false);
    expect(policy.explain({ check: "canAddOrganization", subject: "agent" }).grants).toEqual([{ type: "profile-add", profileId: "agents" }]);
  });

  it("honours staff profiles for agents only", () => {
    for (const action of ACTIONS) expect(policy.canOnOrganization("user-with-profile", action, "org:service")).toBe(false);
    expect(policy.canAddOrganization("user-with-profile")).toBe(false);
    expect(policy.explain({ check: "canAddOrganization", subject: "user-with-profile" }).reason).toContain("agents only");
  });

  it("denies an agent without a profile, or with a profile the policy does not hold", () => {
    for (const id of ["plain-agent", "dangling"]) {
      for (const key of Object.keys(TABLE)) for (const action of ACTIONS) expect(policy.canOnOrganization(id, action, `org:${key}`)).toBe(false);
      expect(policy.canAddOrganization(id)).toBe(false);
    }
    expect(policy.explain({ check: "canAddOrganization", subject: "dangling" }).reason).toContain('"deleted-profile" is not in the policy');
  });

  it("lets platform admins do anything to any known organization", () => {
    for (const key of Object.keys(TABLE)) for (const action of ACTIONS) expect(policy.canOnOrganization("admin", action, `org:${key}`)).toBe(true);
    expect(policy.canAddOrganization("admin")).toBe(true);
    expect(policy.canOnOrganization("admin", "read", "no-such-org")).toBe(false);
  });

  it("denies unknown organizations and unknown actions without throwing", () => {
    expect(policy.canOnOrganization("agent", "read", "no-such-org")).toBe(false);
    expect(policy.organization("no-such-org").known).toBe(false);
    expect(policy.canOnOrganization("agent", "read", policy.organization("no-such-org"))).toBe(false);
    expect(policy.canOnOrganization("agent", "archive" as OrganizationAction, "org:service")).toBe(false);
    expect(policy.explain({ check: "canOnOrganization", subject: "agent", action: "read", organization: "no-such-org" }).reason).toContain("unknown organization");
  });
});

describe("notes (seed 004 thread rules)", () => {
  const own = (id: string) => ({ organizationId: "org:none", authorId: id });
  const others = { organizationId: "org:none", authorId: "someone-else" };

  it.each([
    // subject, edit own, delete own, edit others', delete others'
    ["own-notes", true, true, false, false],
    ["any-notes", true, true, true, true],
    ["mixed-notes", true, true, true, false],
    ["no-notes", false, false, false, false],
    ["plain-agent", false, false, false, false],
    ["admin", true, true, true, true],
  ] as const)("%s: edit own %s, delete own %s, edit others' %s, delete others' %s", (id, editOwn, deleteOwn, editOthers, deleteOthers) => {
    expect(policy.canEditNote(id, own(id))).toBe(editOwn);
    expect(policy.canDeleteNote(id, own(id))).toBe(deleteOwn);
    expect(policy.canEditNote(id, others)).toBe(editOthers);
    expect(policy.canDeleteNote(id, others)).toBe(deleteOthers);
    for (const note of [own(id), others]) {
      expect(policy.explain({ check: "canEditNote", subject: id, note }).allowed).toBe(policy.canEditNote(id, note));
      expect(policy.explain({ check: "canDeleteNote", subject: id, note }).allowed).toBe(policy.canDeleteNote(id, note));
    }
  });

  it("requires reading the organization the note is on", () => {
    // "any-notes" reads only organizations without state.
    expect(policy.canEditNote("any-notes", { organizationId: "hidden", authorId: "x" })).toBe(false);
    const decision = policy.explain({ check: "canEditNote", subject: "any-notes", note: { organizationId: "hidden", authorId: "x" } });
    expect(decision.reason).toContain('cannot read organization "hidden"');
    expect(policy.canEditNote("any-notes", { organizationId: "no-such-org", authorId: "any-notes" })).toBe(false);
  });

  it("explains a note grant with the rule and the read grant", () => {
    expect(policy.explain({ check: "canDeleteNote", subject: "own-notes", note: own("own-notes") }).grants).toEqual([
      { type: "profile-notes", profileId: "own-notes", rule: "deleteOwn" },
      { type: "profile-cell", profileId: "own-notes", combination: "none", action: "read" },
    ]);
  });
});
