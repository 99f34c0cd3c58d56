/**
 * Values outside the types (wrong types, null-prototype objects, throwing getters, revoked
 * proxies, cyclic objects) reaching the organization commands and schema factories: each
 * call throws an `OrgKitError` (`VALIDATION_FAILED` with `details.issues`, or the
 * command's documented code), never a `TypeError` or a ts-pattern error.
 */
import { describe, expect, it } from "vitest";
import {
  isOrgKitError,
  type Organization,
} from "../../src/index.js";
import { Exotic, expectInvalid, expectThrowsCode, materialize } from "../fuzz/hostile-values.js";
import { addOrganizationMemberRule, addOrganizationTags, assertAssignable, createOrganization, discontinueOrganization, reactivateOrganization, removeOrganizationMemberRule, renameOrganization, setOrganizationCustomFields, setOrganizationStates, updateOrganization, validateOrganization } from "../../src/domain/index.js";
import { createOrganizationInputSchema, customFieldValueSchema, customFieldsSchema, organizationJsonSchemas, organizationSchema, statesSchema, updateOrganizationInputSchema } from "../../src/schemas.js";

const now = "2026-01-01T00:00:00.000Z";
const revoked = () => materialize(new Exotic("revoked")) as never;
const trap = () => materialize(new Exotic("trap")) as never;
const getter = (field: string) => materialize(new Exotic("getter", field)) as never;
const cyclic = () => materialize(new Exotic("cyclic")) as never;
const nullPrototype = () => Object.create(null) as never;

function acme(): Organization {
  return createOrganization({ name: "Acme Manufacturing", type: "customer" }, { id: "org_acme", now }).organization;
}

const failure = expectThrowsCode;

const invalid = expectInvalid;

describe("organization commands with hostile input", () => {
  it("updateOrganization(undefined, …) throws VALIDATION_FAILED, not TypeError", () => {
    invalid(() => updateOrganization(undefined as never, {}, { now }), "organization");
    invalid(() => addOrganizationTags({} as never, ["vip"], { now }), "organization.id");
    invalid(() => discontinueOrganization(null as never, { now }), "organization");
    invalid(() => reactivateOrganization(42 as never, { now }), "organization");
    invalid(() => assertAssignable(undefined as never), "organization");
  });

  it("renameOrganization with a revoked-proxy, getter-bearing or cyclic organization throws VALIDATION_FAILED", () => {
    invalid(() => renameOrganization(revoked(), "X", { now }), "organization");
    invalid(() => renameOrganization(Object.defineProperty({ ...acme() }, "tags", { enumerable: true, get: () => { throw new Error("boom"); } }), "X", { now }), "organization");
    const looped = { ...acme(), extra: cyclic() };
    invalid(() => renameOrganization(looped, "X", { now }));
    invalid(() => assertAssignable(trap()), "organization");
  });

  it("commands with a null, revoked or trapping context throw VALIDATION_FAILED", () => {
    invalid(() => renameOrganization(acme(), "X", null as never), "context");
    invalid(() => renameOrganization(acme(), "X", revoked()), "context");
    invalid(() => createOrganization({ name: "A" }, trap()), "context");
    invalid(() => createOrganization({ name: "A" }, undefined as never), "context");
  });

  it("a null-prototype expectedVersion throws VALIDATION_FAILED, not 'Cannot convert object to primitive value'", () => {
    invalid(() => renameOrganization(acme(), "X", { now, expectedVersion: nullPrototype() }), "expectedVersion");
    invalid(() => renameOrganization(acme(), "X", { now, expectedVersion: "1" as never }), "expectedVersion");
  });

  it("removeOrganizationMemberRule with a null-prototype rule id throws an OrgKitError, not TypeError", () => {
    const withRule = addOrganizationMemberRule(acme(), { id: "r1", kind: "domain", value: "acme.example", includeSubdomains: false }, { now }).organization;
    invalid(() => removeOrganizationMemberRule(withRule, nullPrototype(), { now }), "ruleId");
    failure(() => removeOrganizationMemberRule(withRule, "r9", { now }), "NOT_FOUND");
  });

  it("setOrganizationCustomFields and setOrganizationStates with unreadable values throw VALIDATION_FAILED", () => {
    invalid(() => setOrganizationCustomFields(acme(), trap(), { now }));
    invalid(() => setOrganizationStates(acme(), revoked(), { now }));
    invalid(() => setOrganizationStates(acme(), ["service"], { now, config: revoked() }), "config");
  });

  it("validateOrganization with a cyclic value or a bad config throws VALIDATION_FAILED", () => {
    invalid(() => validateOrganization(cyclic()));
    invalid(() => validateOrganization(acme(), null as never), "config");
  });
});

describe("schema factories with a bad configuration", () => {
  it("organizationSchema(null), statesSchema(revoked proxy) and friends throw VALIDATION_FAILED, not TypeError", () => {
    invalid(() => organizationSchema(null as never), "config");
    invalid(() => statesSchema(revoked()), "config");
    invalid(() => createOrganizationInputSchema(trap()), "config");
    invalid(() => updateOrganizationInputSchema({ types: [], states: [], customFields: [] }), "config.types");
    invalid(() => organizationJsonSchemas(" admin " as never), "config");
    invalid(() => statesSchema(cyclic()), "config.self");
  });

  it("customFieldValueSchema(undefined) throws VALIDATION_FAILED, not a ts-pattern 'Pattern matching error'", () => {
    invalid(() => customFieldValueSchema(undefined as never), "field");
    invalid(() => customFieldValueSchema({ key: "x", type: "planet" } as never), "field.type");
    invalid(() => customFieldsSchema(revoked()), "definitions");
    invalid(() => customFieldsSchema([getter("type")]), "definitions.0");
    expect(customFieldValueSchema({ key: "seats", type: "number", required: false }).safeParse(3).success).toBe(true);
  });
});

describe("isOrgKitError", () => {
  it("isOrgKitError never throws", () => {
    for (const value of [revoked(), trap(), getter("code"), cyclic(), nullPrototype(), undefined, null, 42, "x", Symbol("s"), () => 1]) {
      expect(() => isOrgKitError(value)).not.toThrow();
      expect(isOrgKitError(value)).toBe(false);
      expect(isOrgKitError(value, "NOT_FOUND")).toBe(false);
    }
  });
});
