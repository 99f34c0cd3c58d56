import { describe, expect, it } from "vitest";
import {
  OrgKitError,
  isOrgKitError,
  type Organization,
} from "../../src/index.js";
import { addOrganizationMemberRule, addOrganizationTags, assertAssignable, createOrganization, discontinueOrganization, linkOrganizationUsergroups, reactivateOrganization, removeOrganizationMemberRule, removeOrganizationTags, renameOrganization, resolveOrganizationConfig, setOrganizationAllowedApps, setOrganizationAllowedRoles, setOrganizationCustomFields, setOrganizationParent, setOrganizationStates, unlinkOrganizationUsergroups, updateOrganization, validateOrganization } from "../../src/domain/index.js";

const now = "2026-01-01T00:00:00.000Z";
const later = "2026-01-02T00:00:00.000Z";

function acme(): Organization {
  return createOrganization({ name: "Acme Manufacturing", type: "customer" }, { id: "org_acme", now }).organization;
}

/** Runs `fn`, expects an OrgKitError with `code`, returns it. */
function failure(fn: () => unknown, code: string): OrgKitError {
  try {
    fn();
  } catch (error) {
    expect(isOrgKitError(error)).toBe(true);
    expect((error as OrgKitError).code).toBe(code);
    return error as OrgKitError;
  }
  throw new Error(`expected ${code}, nothing was thrown`);
}

function issuePaths(error: OrgKitError): string[] {
  return (error.details.issues ?? []).map((issue) => issue.path);
}

describe("createOrganization", () => {
  it("creates version 1 with defaults and an organization.created event", () => {
    const { organization, events } = createOrganization({ name: "  Acme  " }, { id: "org_1", now: new Date(now) });
    expect(organization).toMatchObject({
      id: "org_1",
      name: "Acme",
      type: "customer",
      externalId: null,
      parentId: null,
      states: [],
      tags: [],
      status: "active",
      version: 1,
      createdAt: now,
      updatedAt: now,
      address: { line1: "", country: "" },
      contact: { emails: [], phones: [], website: "", social: {} },
    });
    expect(events).toEqual([{ type: "organization.created", organizationId: "org_1", version: 1, at: now, data: { organization } }]);
    expect(validateOrganization(JSON.parse(JSON.stringify(organization)))).toEqual(organization);
  });

  it("normalizes: trims, de-duplicates tags case-insensitively, orders states, lower-cases emails and countries", () => {
    const { organization } = createOrganization(
      {
        name: "Acme",
        tags: [" Key ", "key", "KEY", "vip"],
        states: ["outreach", "service", "outreach"],
        address: { country: "us", city: " Boston " },
        contact: { emails: ["Support@Acme.Example", "support@acme.example"] },
      },
      { id: "org_1", now },
    );
    expect(organization.tags).toEqual(["Key", "vip"]);
    expect(organization.states).toEqual(["service", "outreach"]);
    expect(organization.address.country).toBe("US");
    expect(organization.address.city).toBe("Boston");
    expect(organization.contact.emails).toEqual(["support@acme.example"]);
  });

  it("reports the path of every bad field", () => {
    const error = failure(
      () =>
        createOrganization(
          { name: "", type: "planet", address: { country: "United States" }, states: ["sleeping"], contact: { website: "ftp://x" } } as never,
          { id: "org_1", now },
        ),
      "VALIDATION_FAILED",
    );
    expect(issuePaths(error)).toEqual(expect.arrayContaining(["name", "type", "address.country", "states.0", "contact.website"]));
  });

  it("refuses unknown fields, bad ids and bad times", () => {
    expect(issuePaths(failure(() => createOrganization({ name: "A", colour: "red" } as never, { id: "o", now }), "VALIDATION_FAILED"))).toEqual([""]);
    expect(issuePaths(failure(() => createOrganization({ name: "A" }, { id: " ", now }), "VALIDATION_FAILED"))).toEqual(["id"]);
    expect(issuePaths(failure(() => createOrganization({ name: "A" }, { id: "o", now: "yesterday" }), "VALIDATION_FAILED"))).toEqual(["now"]);
    failure(() => createOrganization({ name: "A" }, { id: "o", now: new Date(Number.NaN) }), "VALIDATION_FAILED");
  });

  it("uses configured types, states and custom fields", () => {
    const config = resolveOrganizationConfig({
      types: ["partner", "customer"],
      states: ["gold", "silver"],
      customFields: [
        { key: "tier", type: "select", options: ["a", "b"], required: true },
        { key: "seats", type: "number" },
        { key: "renewal", type: "date" },
        { key: "regions", type: "multiselect", options: ["eu", "us"] },
        { key: "portal", type: "url" },
        { key: "billing", type: "email" },
        { key: "vip", type: "boolean" },
        { key: "notes", type: "text" },
      ],
    });
    const { organization } = createOrganization(
      {
        name: "Acme",
        states: ["silver", "gold"],
        customFields: {
          tier: "a",
          seats: 10,
          renewal: "2027-01-31",
          regions: ["eu", "eu"],
          portal: "https://acme.example",
          billing: "Pay@Acme.Example",
          vip: true,
          notes: " hi ",
        },
      },
      { id: "o", now, config },
    );
    expect(organization.type).toBe("partner");
    expect(organization.states).toEqual(["gold", "silver"]);
    expect(organization.customFields).toEqual({
      tier: "a",
      seats: 10,
      renewal: "2027-01-31",
      regions: ["eu"],
      portal: "https://acme.example",
      billing: "pay@acme.example",
      vip: true,
      notes: "hi",
    });
    const error = failure(
      () =>
        createOrganization(
          { name: "Acme", customFields: { tier: "z", seats: "ten", renewal: "31/01/2027", regions: ["asia"], portal: "nope", billing: "x", vip: "yes", other: 1 } as never },
          { id: "o", now, config },
        ),
      "VALIDATION_FAILED",
    );
    expect(issuePaths(error)).toEqual(
      expect.arrayContaining([
        "customFields.tier",
        "customFields.seats",
        "customFields.renewal",
        "customFields.regions.0",
        "customFields.portal",
        "customFields.billing",
        "customFields.vip",
        "customFields",
      ]),
    );
    expect(issuePaths(failure(() => createOrganization({ name: "Acme" }, { id: "o", now, config }), "VALIDATION_FAILED"))).toEqual(["customFields.tier"]);
  });
});

describe("resolveOrganizationConfig", () => {
  it("refuses duplicate types, bad state names and selects without options", () => {
    const error = failure(
      () =>
        resolveOrganizationConfig({
          types: ["a", "a"],
          states: ["Bad State"],
          customFields: [
            { key: "x", type: "select", required: false },
            { key: "x", type: "text", required: false, options: ["a"] },
          ],
        }),
      "VALIDATION_FAILED",
    );
    expect(issuePaths(error)).toEqual(expect.arrayContaining(["types.1", "states.0", "customFields.0.options", "customFields.1.options", "customFields.1.key"]));
  });
});

describe("commands", () => {
  it("update merges address, contact and custom fields, records changes, bumps version", () => {
    const config = resolveOrganizationConfig({ customFields: [{ key: "seats", type: "number" }, { key: "code", type: "text", required: false }] });
    const base = createOrganization({ name: "Acme", address: { city: "Boston" }, customFields: { seats: 1, code: "x" } }, { id: "o", now, config }).organization;
    const { organization, events } = updateOrganization(
      base,
      { address: { country: "us" }, contact: { website: "https://acme.example" }, description: " Makers ", customFields: { seats: 5, code: null } },
      { now: later, config },
    );
    expect(organization.address).toMatchObject({ city: "Boston", country: "US" });
    expect(organization.contact.website).toBe("https://acme.example");
    expect(organization.description).toBe("Makers");
    expect(organization.customFields).toEqual({ seats: 5 });
    expect(organization.version).toBe(2);
    expect(organization.updatedAt).toBe(later);
    expect(organization.createdAt).toBe(now);
    expect(events[0]!.type).toBe("organization.updated");
    expect(events[0]!.data.changes).toMatchObject({ description: { from: "", to: "Makers" } });
    expect(base.version).toBe(1);
    expect(base.customFields).toEqual({ seats: 1, code: "x" });
  });

  it("update reports nested paths and refuses name/status changes", () => {
    const base = acme();
    expect(issuePaths(failure(() => updateOrganization(base, { address: { country: "USA" } }, { now }), "VALIDATION_FAILED"))).toEqual(["address.country"]);
    expect(issuePaths(failure(() => updateOrganization(base, { status: "discontinued" } as never, { now }), "VALIDATION_FAILED"))).toEqual([""]);
    expect(issuePaths(failure(() => updateOrganization(base, { customFields: { nope: 1 } }, { now }), "VALIDATION_FAILED"))).toEqual(["customFields"]);
  });

  it("rename trims and refuses empty names", () => {
    const { organization, events } = renameOrganization(acme(), "  Acme Corp ", { now: later });
    expect(organization.name).toBe("Acme Corp");
    expect(events[0]).toMatchObject({ type: "organization.renamed", data: { from: "Acme Manufacturing", to: "Acme Corp" } });
    expect(issuePaths(failure(() => renameOrganization(acme(), "   ", { now }), "VALIDATION_FAILED"))).toEqual(["name"]);
  });

  it("set states keeps configured order and refuses unknown flags", () => {
    expect(setOrganizationStates(acme(), ["opportunities", "service"], { now }).organization.states).toEqual(["service", "opportunities"]);
    expect(issuePaths(failure(() => setOrganizationStates(acme(), ["service", "nap"], { now }), "VALIDATION_FAILED"))).toEqual(["states.1"]);
  });

  it("tags are added and removed case-insensitively", () => {
    const tagged = addOrganizationTags(acme(), ["VIP", "vip", "Key"], { now }).organization;
    expect(tagged.tags).toEqual(["VIP", "Key"]);
    const again = addOrganizationTags(tagged, ["key", "new"], { now });
    expect(again.organization.tags).toEqual(["VIP", "Key", "new"]);
    expect(again.events[0]!.data).toEqual({ tags: ["new"] });
    expect(removeOrganizationTags(again.organization, ["vip"], { now }).organization.tags).toEqual(["Key", "new"]);
    expect(issuePaths(failure(() => addOrganizationTags(acme(), ["ok", ""], { now }), "VALIDATION_FAILED"))).toEqual(["tags.1"]);
  });

  it("links and unlinks usergroups, sets allowed roles and apps", () => {
    const linked = linkOrganizationUsergroups(acme(), ["ug_vip", "ug_vip", "ug_power"], { now }).organization;
    expect(linked.usergroupIds).toEqual(["ug_vip", "ug_power"]);
    expect(unlinkOrganizationUsergroups(linked, ["ug_vip"], { now }).organization.usergroupIds).toEqual(["ug_power"]);
    expect(setOrganizationAllowedRoles(acme(), ["basic", "basic", "viewer"], { now }).organization.allowedRoles).toEqual(["basic", "viewer"]);
    expect(setOrganizationAllowedApps(acme(), ["assets"], { now }).organization.allowedApps).toEqual(["assets"]);
    expect(issuePaths(failure(() => setOrganizationAllowedApps(acme(), [""], { now }), "VALIDATION_FAILED"))).toEqual(["allowedApps.0"]);
    expect(issuePaths(failure(() => linkOrganizationUsergroups(acme(), [""], { now }), "VALIDATION_FAILED"))).toEqual(["usergroupIds.0"]);
  });

  it("sets custom fields key by key and refuses removing a required one", () => {
    const config = resolveOrganizationConfig({ customFields: [{ key: "tier", type: "select", options: ["a", "b"], required: true }] });
    const base = createOrganization({ name: "A", customFields: { tier: "a" } }, { id: "o", now, config }).organization;
    expect(setOrganizationCustomFields(base, { tier: "b" }, { now, config }).organization.customFields).toEqual({ tier: "b" });
    expect(issuePaths(failure(() => setOrganizationCustomFields(base, { tier: null }, { now, config }), "VALIDATION_FAILED"))).toEqual(["customFields.tier"]);
  });

  it("adds and removes member rules, refusing duplicates", () => {
    const rule = { id: "r1", kind: "domain" as const, value: "acme.example", includeSubdomains: false };
    const withRule = addOrganizationMemberRule(acme(), rule, { now }).organization;
    expect(withRule.memberRules).toEqual([rule]);
    failure(() => addOrganizationMemberRule(withRule, { ...rule, id: "r2" }, { now }), "RULE_CONFLICT");
    expect(removeOrganizationMemberRule(withRule, "r1", { now }).organization.memberRules).toEqual([]);
    failure(() => removeOrganizationMemberRule(withRule, "r9", { now }), "NOT_FOUND");
  });

  it("records a parent link and a detach", () => {
    const moved = setOrganizationParent(acme(), "org_parent", { now });
    expect(moved.organization.parentId).toBe("org_parent");
    expect(moved.events[0]!.type).toBe("organization.parent_set");
    expect(setOrganizationParent(moved.organization, null, { now }).events[0]!.type).toBe("organization.detached");
  });

  it("discontinue keeps the organization readable, refuses assignments, and can be undone", () => {
    const gone = discontinueOrganization(acme(), { now: later });
    expect(gone.organization.status).toBe("discontinued");
    expect(gone.organization.name).toBe("Acme Manufacturing");
    expect(gone.events[0]!.type).toBe("organization.discontinued");
    failure(() => assertAssignable(gone.organization), "ORGANIZATION_DISCONTINUED");
    failure(() => linkOrganizationUsergroups(gone.organization, ["ug"], { now }), "ORGANIZATION_DISCONTINUED");
    failure(() => addOrganizationMemberRule(gone.organization, { id: "r", kind: "email", value: "a@b.example", includeSubdomains: false }, { now }), "ORGANIZATION_DISCONTINUED");
    failure(() => discontinueOrganization(gone.organization, { now }), "ORGANIZATION_DISCONTINUED");
    const back = reactivateOrganization(gone.organization, { now });
    expect(back.organization.status).toBe("active");
    expect(back.organization.version).toBe(3);
    failure(() => reactivateOrganization(back.organization, { now }), "CONFLICT");
  });

  it("a stale expectedVersion is a CONFLICT and changes nothing", () => {
    const base = acme();
    const error = failure(() => renameOrganization(base, "X", { now, expectedVersion: 7 }), "CONFLICT");
    expect(error.details).toMatchObject({ reason: "version", expectedVersion: 7, actualVersion: 1 });
    expect(renameOrganization(base, "X", { now, expectedVersion: 1 }).organization.version).toBe(2);
  });

  it("results are frozen so callers cannot corrupt them", () => {
    const { organization } = renameOrganization(acme(), "X", { now });
    expect(Object.isFrozen(organization)).toBe(true);
    expect(() => {
      (organization.tags as string[]).push("x");
    }).toThrow();
  });
});

describe("OrgKitError", () => {
  it("carries code, details and cause, and serializes to its public rendering", () => {
    const cause = new Error("driver");
    const error = new OrgKitError("STORAGE_FAILURE", "boom", { cause, details: { operation: "x", commitUnknown: false } });
    expect(error).toBeInstanceOf(Error);
    expect(error.cause).toBe(cause);
    expect(error.details).toEqual({ operation: "x", commitUnknown: false });
    expect(isOrgKitError(error, "STORAGE_FAILURE")).toBe(true);
    expect(isOrgKitError(error, "CONFLICT")).toBe(false);
    expect(isOrgKitError(new Error("x"))).toBe(false);
    // The JSON form is what a client may see: no driver message, no operation.
    expect(JSON.parse(JSON.stringify(error))).toEqual({ name: "OrgKitError", code: "STORAGE_FAILURE", message: "The storage backend failed", details: { commitUnknown: false } });
  });
});
