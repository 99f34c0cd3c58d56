import { describe, expect, it } from "vitest";
import { createOrganizationInputSchema, organizationJsonSchemas } from "../../src/schemas.js";
import { createOrganization, resolveOrganizationConfig } from "../../src/domain/index.js";

describe("schemas for hosts", () => {
  it("exports JSON Schemas reflecting the configuration", () => {
    const config = resolveOrganizationConfig({ types: ["partner"], customFields: [{ key: "tier", type: "select", options: ["a"], required: true }] });
    const { createOrganizationInput, organization, updateOrganizationInput } = organizationJsonSchemas(config);
    const properties = createOrganizationInput.properties as Record<string, Record<string, unknown>>;
    expect(createOrganizationInput.required).toEqual(["name"]);
    expect(properties.type).toMatchObject({ enum: ["partner"] });
    expect(properties.customFields).toMatchObject({ required: ["tier"], additionalProperties: false });
    expect(organization.required).toEqual(expect.arrayContaining(["id", "version", "status"]));
    expect(updateOrganizationInput.additionalProperties).toBe(false);
    expect(JSON.parse(JSON.stringify(createOrganizationInput))).toEqual(createOrganizationInput);
  });

  it("the zod input schema validates a host payload the same way the command does", () => {
    const schema = createOrganizationInputSchema();
    expect(schema.safeParse({ name: "Acme", type: "oem" }).success).toBe(true);
    expect(schema.safeParse({ name: "Acme", type: "planet" }).success).toBe(false);
    const created = createOrganization({ name: "Acme", type: "oem" }, { id: "o", now: new Date() }).organization;
    expect(created.type).toBe("oem");
  });
});
