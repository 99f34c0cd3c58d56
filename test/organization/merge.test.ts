/**
 * `mergeOrganizations`, the pure part of merging duplicates: what the two aggregates
 * become, the conflicts it lists, its refusals, and that it never touches its input.
 */
import { describe, expect, it } from "vitest";
import {
  isOrgKitError,
  type OrgKitErrorCode,
  type OrgKitErrorOf,
  type Organization,
} from "../../src/index.js";
import { addOrganizationMemberRule, createOrganization, discontinueOrganization, mergeOrganizations, reactivateOrganization, resolveOrganizationConfig, validateOrganization } from "../../src/domain/index.js";
import { organizationJsonSchemas } from "../../src/schemas.js";

const now = "2026-01-01T00:00:00.000Z";
const later = "2026-01-02T00:00:00.000Z";
const config = resolveOrganizationConfig({ customFields: [{ key: "tier", type: "text" }, { key: "seats", type: "number" }] });

const make = (id: string, fields: Record<string, unknown> = {}): Organization =>
  createOrganization({ name: id, ...fields } as never, { id, now, config }).organization;

function failure<C extends OrgKitErrorCode>(fn: () => unknown, code: C): OrgKitErrorOf<C> {
  try {
    fn();
  } catch (error) {
    if (!isOrgKitError(error)) throw error;
    expect(error.code, error.message).toBe(code);
    return error as OrgKitErrorOf<C>;
  }
  throw new Error(`expected ${code}`);
}

describe("mergeOrganizations", () => {
  it("unites the lists and fields, moves the rules, discontinues the duplicate with mergedInto; the survivor wins conflicts", () => {
    let duplicate = make("dup", { tags: ["VIP", "emea"], usergroupIds: ["g2", "g1"], allowedRoles: ["tech"], allowedApps: ["crm"], customFields: { tier: "silver", seats: 5 } });
    duplicate = addOrganizationMemberRule(duplicate, { id: "r-dup", kind: "domain", value: "dup.example", includeSubdomains: false }, { now }).organization;
    const survivor = make("sur", { tags: ["vip"], usergroupIds: ["g1"], customFields: { tier: "gold" } });
    const frozen = JSON.stringify([duplicate, survivor]);
    const result = mergeOrganizations(duplicate, survivor, { now: later, config });
    expect(JSON.stringify([duplicate, survivor]), "the input is untouched").toBe(frozen);
    expect(result.survivor).toMatchObject({
      tags: ["vip", "emea"],
      usergroupIds: ["g1", "g2"],
      allowedRoles: ["tech"],
      allowedApps: ["crm"],
      customFields: { tier: "gold", seats: 5 },
      memberRules: [{ id: "r-dup", kind: "domain", value: "dup.example", includeSubdomains: false }],
      version: 2,
      updatedAt: later,
    });
    expect(result.duplicate).toMatchObject({ status: "discontinued", mergedInto: "sur", memberRules: [], tags: ["VIP", "emea"], version: 3, updatedAt: later });
    expect(result.conflicts).toEqual([{ kind: "customField", key: "tier", survivor: "gold", duplicate: "silver" }]);
    expect(result.added).toEqual({ memberRules: [expect.objectContaining({ id: "r-dup" })], usergroupIds: ["g2"], tags: ["emea"], allowedRoles: ["tech"], allowedApps: ["crm"], customFields: ["seats"] });
    expect(result.events.map((e) => [e.type, e.organizationId, e.version])).toEqual([
      ["organization.absorbed", "sur", 2],
      ["organization.merged", "dup", 3],
    ]);
    expect(Object.isFrozen(result.survivor.tags)).toBe(true);
    // Both results are valid stored organizations; the duplicate's JSON Schema knows mergedInto.
    validateOrganization(result.survivor, config);
    validateOrganization(result.duplicate, config);
    const schema = organizationJsonSchemas(config).organization as { properties: Record<string, unknown>; required: string[] };
    expect(schema.properties.mergedInto).toMatchObject({ type: "string" });
    expect(schema.required).not.toContain("mergedInto");
  });

  it("an identical rule on both sides is replaced by the survivor's; the same value with other subdomain settings is a RULE_CONFLICT", () => {
    const rule = (id: string, includeSubdomains: boolean) => ({ id, kind: "domain" as const, value: "shared.example", includeSubdomains });
    const survivor = addOrganizationMemberRule(make("sur"), rule("r-s", false), { now }).organization;
    const same = addOrganizationMemberRule(make("dup"), rule("r-d", false), { now }).organization;
    const result = mergeOrganizations(same, survivor, { now });
    expect(result.replacedRules).toEqual({ "r-d": "r-s" });
    expect(result.survivor.memberRules.map((r) => r.id)).toEqual(["r-s"]);
    expect(result.conflicts).toEqual([{ kind: "memberRule", survivor: rule("r-s", false), duplicate: rule("r-d", false) }]);
    const wider = addOrganizationMemberRule(make("dup"), rule("r-d", true), { now }).organization;
    expect(failure(() => mergeOrganizations(wider, survivor, { now }), "RULE_CONFLICT").details).toMatchObject({ kind: "domain", value: "shared.example" });
  });

  it("keeps what fits an organization and lists the duplicate's values past the limit", () => {
    const tags = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
    const result = mergeOrganizations(make("dup", { tags: tags("d", 10) }), make("sur", { tags: tags("s", 95) }), { now });
    expect(result.survivor.tags).toHaveLength(100);
    expect(result.conflicts).toEqual([{ kind: "limit", field: "tags", dropped: tags("d", 10).slice(5) }]);
  });

  it("refuses: the same organization, an already merged duplicate, stale versions, a discontinued survivor, fields that break a definition, bad arguments", () => {
    const [duplicate, survivor] = [make("dup"), make("sur")];
    expect(failure(() => mergeOrganizations(duplicate, duplicate, { now }), "VALIDATION_FAILED").details.issues).toEqual([expect.objectContaining({ path: "survivorId", code: "same_organization" })]);
    const merged = mergeOrganizations(duplicate, survivor, { now }).duplicate;
    expect(failure(() => mergeOrganizations(merged, make("third"), { now }), "CONFLICT").details).toEqual({ reason: "merged", id: "dup", mergedInto: "sur" });
    expect(failure(() => mergeOrganizations(make("third"), merged, { now }), "ORGANIZATION_DISCONTINUED").details).toEqual({ id: "dup", mergedInto: "sur" });
    expect(failure(() => reactivateOrganization(merged, { now }), "CONFLICT").details.reason).toBe("merged");
    expect(failure(() => mergeOrganizations(duplicate, survivor, { now, expectedDuplicateVersion: 2 }), "CONFLICT").details).toMatchObject({ reason: "version", id: "dup" });
    expect(failure(() => mergeOrganizations(duplicate, survivor, { now, expectedSurvivorVersion: 2 }), "CONFLICT").details).toMatchObject({ reason: "version", id: "sur" });
    const closed = discontinueOrganization(survivor, { now }).organization;
    expect(failure(() => mergeOrganizations(duplicate, closed, { now }), "ORGANIZATION_DISCONTINUED").details).toEqual({ id: "sur" });
    // A value stored under an older configuration cannot be copied into the survivor.
    const legacy = { ...duplicate, customFields: { tier: 42 } } as unknown as Organization;
    expect(failure(() => mergeOrganizations(legacy, survivor, { now, config }), "VALIDATION_FAILED").details.issues).toEqual([expect.objectContaining({ path: "customFields.tier" })]);
    failure(() => mergeOrganizations(null as never, survivor, { now }), "VALIDATION_FAILED");
    failure(() => mergeOrganizations(duplicate, survivor, { now: "yesterday" }), "VALIDATION_FAILED");
    failure(() => mergeOrganizations(duplicate, survivor, { now, expectedSurvivorVersion: -1 }), "VALIDATION_FAILED");
    failure(() => mergeOrganizations(duplicate, survivor, null as never), "VALIDATION_FAILED");
  });
});
