/**
 * The public rendering of errors (`toJSON`, `toProblemDetails`) carries nothing the actor
 * may not see, while the error itself keeps everything for the host's logs.
 */
import { describe, expect, it } from "vitest";
import { OrgKitError, publicRenderingOf, toProblemDetails, type AnyOrgKitError, type OrgKitErrorCode } from "../../src/index.js";
import { admin, as, rejects, setup, system } from "../facade/setup.js";

const SECRET = "SECRET";

/**
 * For every code an error whose server-side members all hold {@link SECRET}: none of it
 * may reach the public rendering. (The annotation makes a new code fail here until it
 * has a sample.)
 */
const WITH_SECRETS: { readonly [C in OrgKitErrorCode]: readonly OrgKitError<C>[] } = {
  VALIDATION_FAILED: [new OrgKitError("VALIDATION_FAILED", "bad", { details: { issues: [{ path: "name", message: "too short", code: "too_small" }] } })],
  NOT_FOUND: [new OrgKitError("NOT_FOUND", "gone", { details: { entity: "organization", id: "o1", handle: 4242 } })],
  CONFLICT: [
    new OrgKitError("CONFLICT", `taken by ${SECRET}`, {
      details: { reason: "unique", entity: "organization", field: "externalId", existingId: SECRET, existingOrganizationId: SECRET, operation: SECRET, constraint: SECRET, table: SECRET, detail: SECRET, path: SECRET },
    }),
    new OrgKitError("CONFLICT", `${SECRET}: conflicted`, { details: { reason: "serialization", attempts: 3, operation: SECRET, sqlState: SECRET } }),
    new OrgKitError("CONFLICT", `assigned to ${SECRET}`, { details: { reason: "in_use", entity: "staff profile", id: "p", userId: SECRET } }),
    new OrgKitError("CONFLICT", "merged", { details: { reason: "merged", id: "dup", mergedInto: "sur" } }),
    new OrgKitError("CONFLICT", "erased", { details: { reason: "erased", entity: "user", id: "u" } }),
    new OrgKitError("CONFLICT", `history ${SECRET}`, { details: { reason: "has_history", entity: "user", id: "u", memberships: 0, event: { sequence: 7, type: SECRET } } }),
  ],
  FORBIDDEN: [
    new OrgKitError("FORBIDDEN", "no", { details: { actor: { type: "user", id: "u" }, action: "edit user x", check: "canManageUser", reason: "may not", explanation: SECRET } }),
    new OrgKitError("FORBIDDEN", `would remove ${SECRET}`, { details: { actor: { type: "user", id: "u" }, action: "remove a membership", reason: "membership_outside_rights", organizationId: SECRET, userId: SECRET } }),
  ],
  ORGANIZATION_DISCONTINUED: [new OrgKitError("ORGANIZATION_DISCONTINUED", `Organization o (${SECRET}) is discontinued`, { details: { id: "o" } })],
  PARENT_NOT_FOUND: [new OrgKitError("PARENT_NOT_FOUND", "no parent", { details: { childId: "a", parentId: "b" } })],
  HIERARCHY_CYCLE: [new OrgKitError("HIERARCHY_CYCLE", `loop through ${SECRET}`, { details: { childId: "a", parentId: "b", path: ["a", SECRET, "b", "a"] } })],
  MAX_DEPTH_EXCEEDED: [new OrgKitError("MAX_DEPTH_EXCEEDED", "deep", { details: { maxDepth: 2, depth: 3, childDepth: 2, childSubtreeHeight: 1 } })],
  INVALID_EMAIL: [new OrgKitError("INVALID_EMAIL", "bad", { details: { value: "x", reason: "missing_at", path: "emails.0" } })],
  INVALID_DOMAIN: [new OrgKitError("INVALID_DOMAIN", "bad", { details: { value: "x", reason: "empty_label" } })],
  INVALID_USERNAME: [new OrgKitError("INVALID_USERNAME", "bad", { details: { value: "", reason: "empty" } })],
  INVALID_PHONE: [new OrgKitError("INVALID_PHONE", "bad", { details: { value: "1", reason: "invalid_number" } })],
  DOMAIN_PUBLIC_SUFFIX: [new OrgKitError("DOMAIN_PUBLIC_SUFFIX", "suffix", { details: { domain: "co.uk", publicSuffix: "co.uk" } })],
  DOMAIN_FREE_MAIL: [new OrgKitError("DOMAIN_FREE_MAIL", "free", { details: { domain: "gmail.com", provider: "gmail.com" } })],
  RULE_CONFLICT: [
    new OrgKitError("RULE_CONFLICT", `claimed by ${SECRET}`, {
      details: {
        kind: "domain",
        value: "acme.example",
        existingRule: { id: SECRET, organizationId: SECRET, kind: "domain", value: "acme.example" },
        conflictingRules: [{ id: SECRET, organizationId: SECRET, kind: "domain", value: "acme.example" }],
        rule: { id: SECRET, organizationId: SECRET, kind: "domain", value: "acme.example" },
        path: SECRET,
      },
    }),
    new OrgKitError("RULE_CONFLICT", `proven by ${SECRET}`, {
      details: { reason: "domain_proven", kind: "domain", value: "eu.acme.example", provenDomain: "acme.example", existingRule: { id: SECRET, organizationId: SECRET, kind: "domain", value: "acme.example" } },
    }),
  ],
  CONFIGURATION_MISMATCH: [new OrgKitError("CONFIGURATION_MISMATCH", `differs: ${SECRET}`, { details: { differences: [{ key: SECRET, stored: SECRET, kit: SECRET }], storedFingerprint: SECRET, kitFingerprint: SECRET } })],
  CONFIGURATION_INCOMPATIBLE: [new OrgKitError("CONFIGURATION_INCOMPATIBLE", `misfit: ${SECRET}`, { details: { problems: [{ key: SECRET, code: SECRET, message: SECRET, count: 1, examples: [SECRET] }], fingerprint: SECRET } })],
  INVITATION_INVALID: [new OrgKitError("INVITATION_INVALID", "The invitation token is not valid", { details: {} })],
  INVITATION_EXPIRED: [new OrgKitError("INVITATION_EXPIRED", "expired", { details: { invitationId: "inv_1", expiresAt: "2026-01-01T00:00:00.000Z" } })],
  INVITATION_REVOKED: [new OrgKitError("INVITATION_REVOKED", "revoked", { details: { invitationId: "inv_1", reason: "replaced" } })],
  INVITATION_USED: [new OrgKitError("INVITATION_USED", "used", { details: { invitationId: "inv_1" } })],
  INVALID_SNAPSHOT: [new OrgKitError("INVALID_SNAPSHOT", `Invalid policy snapshot at ${SECRET}`, { details: { path: SECRET, message: SECRET, value: SECRET } })],
  CHANGES_EXPIRED: [new OrgKitError("CHANGES_EXPIRED", "expired", { details: { revision: 1, horizon: 5 } })],
  STORAGE_FAILURE: [
    new OrgKitError("STORAGE_FAILURE", `${SECRET} failed`, { details: { operation: SECRET, sqlState: SECRET, commitUnknown: false }, cause: new Error(SECRET) }),
    new OrgKitError("STORAGE_FAILURE", `${SECRET} lost`, { details: { reason: "connection_lost", operation: SECRET, sqlState: SECRET, commitUnknown: true }, cause: new Error(SECRET) }),
    new OrgKitError("STORAGE_FAILURE", `adapter ${SECRET}`, { details: { reason: "adapter_contract", operation: SECRET, field: SECRET } }),
  ],
  STORAGE_TIMEOUT: [new OrgKitError("STORAGE_TIMEOUT", `${SECRET} timed out`, { details: { reason: "lock_timeout", operation: SECRET, sqlState: SECRET, commitUnknown: false }, cause: new Error(SECRET) })],
};

describe("the public rendering of every code", () => {
  it.each(Object.entries(WITH_SECRETS))("%s: toJSON and toProblemDetails leave the server-side members out", (_, errors) => {
    for (const error of errors as readonly AnyOrgKitError[]) {
      const json = JSON.stringify(error);
      expect(json).not.toContain(SECRET);
      expect(JSON.stringify(toProblemDetails(error))).not.toContain(SECRET);
      expect(JSON.parse(json)).toEqual({ name: "OrgKitError", code: error.code, message: publicRenderingOf(error).message, details: expect.any(Object) });
    }
  });
});

describe("through the facade", () => {
  /** A staff agent that reads and edits "service" organizations only; Hidden is not one. */
  async function withAgent() {
    const { kit } = await setup();
    await kit.profiles.create(admin, { id: "desk", name: "Desk", add: true, organizations: { service: ["read", "edit"] } });
    await kit.users.upsert(system, { id: "agent", kind: "agent", profileId: "desk" });
    const hidden = await kit.organizations.create(admin, { name: "Hidden", externalId: "CUST-9", states: ["outreach"] });
    const visible = await kit.organizations.create(admin, { name: "Visible", states: ["service"] });
    return { kit, agent: as("agent"), hidden, visible };
  }

  it("an external id taken by an organization the actor may not read: the response does not name it, the log does", async () => {
    const { kit, agent, hidden } = await withAgent();
    const error = await rejects(kit.organizations.create(agent, { name: "Mine", externalId: "CUST-9", states: ["service"] }), "CONFLICT");
    expect(error.details).toMatchObject({ reason: "unique", field: "externalId", existingId: hidden.id });
    expect(error.message).not.toContain(hidden.id);
    expect(JSON.stringify(error)).not.toContain(hidden.id);
    expect(JSON.stringify(toProblemDetails(error))).not.toContain(hidden.id);
    expect(toProblemDetails(error)).toMatchObject({ status: 409, reason: "unique", entity: "organization", field: "externalId" });
  });

  it("a name taken by an organization the actor may not read: the same", async () => {
    const { kit, agent, hidden } = await withAgent();
    const error = await rejects(kit.organizations.create(agent, { name: "hidden", states: ["service"] }), "CONFLICT");
    expect(error.details).toMatchObject({ existingId: hidden.id });
    expect(JSON.stringify(toProblemDetails(error))).not.toContain(hidden.id);
  });

  it("a member rule value another organization claims: neither the message nor the response names that organization", async () => {
    const { kit, agent, hidden, visible } = await withAgent();
    await kit.rules.add(admin, hidden.id, { kind: "domain", value: "hidden.example" });
    // The agent, who may not read Hidden, is refused first (its claim overlaps an organization it may not edit).
    const refused = await rejects(kit.rules.add(agent, visible.id, { kind: "domain", value: "hidden.example" }), "FORBIDDEN");
    expect(JSON.stringify([refused.message, toProblemDetails(refused)])).not.toContain(hidden.id);
    // A platform admin meets the conflict; the rendering is the same whoever acts.
    const error = await rejects(kit.rules.add(admin, visible.id, { kind: "domain", value: "hidden.example" }), "RULE_CONFLICT");
    expect(error.details.existingRule?.organizationId).toBe(hidden.id);
    expect(error.message).not.toContain(hidden.id);
    expect(JSON.stringify(toProblemDetails(error))).not.toContain(hidden.id);
    expect(toProblemDetails(error)).toMatchObject({ status: 409, kind: "domain", value: "hidden.example" });
  });

  it("a refusal about an organization the actor may not read keeps the evaluator's explanation for the logs only", async () => {
    const { kit, agent, hidden } = await withAgent();
    const error = await rejects(kit.organizations.update(agent, hidden.id, { industry: "Retail" }), "FORBIDDEN");
    expect(error.details.reason).toBe("it may not read that organization");
    expect(error.details.explanation).toContain("outreach");
    expect(JSON.stringify(error)).not.toContain("outreach");
    expect(JSON.stringify(toProblemDetails(error))).not.toContain("outreach");
  });

  it("a change that would end a membership in an organization the actor does not administer names neither", async () => {
    const { kit } = await setup({ membershipPolicy: "single" });
    await kit.profiles.create(admin, { id: "desk", name: "Desk", organizations: { service: ["read", "edit", "delete"] } });
    await kit.users.upsert(system, { id: "agent", kind: "agent", profileId: "desk" });
    const victim = await kit.organizations.create(admin, { name: "Victim", states: ["opportunities"] });
    await kit.rules.add(admin, victim.id, { kind: "domain", value: "victim.example", includeSubdomains: true });
    const eu = await kit.organizations.create(admin, { name: "EU desk", states: ["service"] });
    await kit.rules.add(admin, eu.id, { kind: "domain", value: "eu.victim.example" });
    await kit.organizations.discontinue(admin, eu.id);
    await kit.users.upsert(system, { id: "eu-user", emails: [{ value: "eu-user@eu.victim.example", verified: true }] });
    const error = await rejects(kit.organizations.reactivate(as("agent"), eu.id), "FORBIDDEN");
    expect(error.details).toMatchObject({ reason: "membership_outside_rights", organizationId: victim.id, userId: "eu-user" });
    for (const text of [error.message, JSON.stringify(error), JSON.stringify(toProblemDetails(error))]) {
      expect(text).not.toContain(victim.id);
      expect(text).not.toContain("eu-user");
    }
    expect(error.message).toBe("user agent may not remove a membership: this would change a membership in an organization it does not administer");
  });

  it("a hierarchy cycle names the two organizations of the move, not the loop between them", async () => {
    const { kit } = await setup();
    const top = await kit.organizations.create(admin, { name: "Top" });
    const middle = await kit.organizations.create(admin, { name: "Middle", parentId: top.id });
    const bottom = await kit.organizations.create(admin, { name: "Bottom", parentId: middle.id });
    const error = await rejects(kit.organizations.setParent(admin, top.id, bottom.id), "HIERARCHY_CYCLE");
    expect(error.details.path).toContain(middle.id);
    const problem = toProblemDetails(error);
    expect(problem).toMatchObject({ childId: top.id, parentId: bottom.id, detail: `Cannot move ${top.id} under ${bottom.id}: ${bottom.id} is one of its descendants` });
    expect(JSON.stringify(problem)).not.toContain(middle.id);
  });

  it("a failed row of a per-row import carries its public message", async () => {
    const { kit, agent, hidden } = await withAgent();
    const result = await kit.organizations.import(agent, [{ externalId: "NEW", name: "hidden", states: ["service"] }], { mode: "per-row" });
    expect(result.rows[0]!.error).toMatchObject({ code: "CONFLICT" });
    expect(JSON.stringify(result)).not.toContain(hidden.id);
  });
});
