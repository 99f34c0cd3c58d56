import { describe, expect, it } from "vitest";
import { isOrgKitError } from "../../src/errors.js";
import { organizationSchema, resolveOrganizationConfig } from "../../src/domain/organization/index.js";
import { buildMembership, buildOrganization, buildUser, createTestClock, createTestIds } from "../../src/testing/index.js";

describe("orgkit/testing helpers", () => {
  it("createTestClock starts where told and steps deterministically", () => {
    const clock = createTestClock("2026-01-01T00:00:00.000Z");
    const now = clock.now;
    expect(now().toISOString()).toBe("2026-01-01T00:00:00.000Z");
    expect(now().toISOString()).toBe("2026-01-01T00:00:01.000Z");
    clock.advance(60_000);
    expect(clock.peek().toISOString()).toBe("2026-01-01T00:01:02.000Z");
    expect(clock.peek().toISOString()).toBe("2026-01-01T00:01:02.000Z");
    clock.set("2030-05-05T05:05:05.005Z");
    expect(clock.now().toISOString()).toBe("2030-05-05T05:05:05.005Z");
    const frozen = createTestClock(undefined, { stepMs: 0 });
    expect(frozen.now().getTime()).toBe(frozen.now().getTime());
    expect(frozen.now().toISOString()).toBe("2024-01-01T00:00:00.000Z");
    // Each call returns a fresh Date: changing one does not move the clock.
    const date = frozen.now();
    date.setFullYear(1999);
    expect(frozen.now().getUTCFullYear()).toBe(2024);
  });

  it("createTestClock rejects a bad start time", () => {
    let caught: unknown;
    try {
      createTestClock("yesterday");
    } catch (error) {
      caught = error;
    }
    expect(isOrgKitError(caught, "VALIDATION_FAILED")).toBe(true);
  });

  it("createTestIds counts per kind, with the service's prefixes", () => {
    const ids = createTestIds();
    expect([ids("organization"), ids("organization"), ids("user"), ids("rule"), ids("usergroup"), ids("profile"), ids("asset"), ids()]).toEqual([
      "org_0001",
      "org_0002",
      "usr_0001",
      "rule_0001",
      "ug_0001",
      "prof_0001",
      "asset_0001",
      "id_0001",
    ]);
    ids.reset();
    expect(ids("organization")).toBe("org_0001");
    expect(createTestIds("t1_")("organization")).toBe("t1_org_0001");
  });

  it("buildOrganization makes a valid, normalized organization with stored-only overrides", () => {
    const organization = buildOrganization({ id: "org_acme", name: "  Acme  ", tags: ["Key", "key"], status: "discontinued", version: 4, updatedAt: "2024-02-01T00:00:00.000Z" });
    expect(organizationSchema().parse(organization)).toEqual(organization);
    expect(organization).toMatchObject({ id: "org_acme", name: "Acme", tags: ["Key"], status: "discontinued", version: 4, createdAt: "2024-01-01T00:00:00.000Z" });
    expect(organization.updatedAt).toBe("2024-02-01T00:00:00.000Z");
    const custom = buildOrganization({ type: "partner" }, { config: resolveOrganizationConfig({ types: ["partner"] }) });
    expect(custom.type).toBe("partner");
    expect(() => buildOrganization({ type: "partner" })).toThrow();
    expect(buildOrganization().id).not.toBe(buildOrganization().id);
  });

  it("buildUser and buildMembership fill every field", () => {
    const user = buildUser({ id: "usr_ann", emails: ["ann@acme.example"] });
    expect(user).toEqual({
      id: "usr_ann",
      kind: "user",
      emails: ["ann@acme.example"],
      username: null,
      phones: [],
      verifiedEmails: [],
      verifiedPhones: [],
      usernameVerified: false,
      registered: true,
      usergroupIds: [],
      platformRole: null,
      profileId: null,
      createdAt: "2024-01-01T00:00:00.000Z",
      updatedAt: "2024-01-01T00:00:00.000Z",
      version: 1,
    });
    expect(buildMembership({ userId: "usr_ann", organizationId: "org_acme", admin: true })).toEqual({
      userId: "usr_ann",
      organizationId: "org_acme",
      role: "member",
      admin: true,
      source: { type: "manual" },
      createdAt: "2024-01-01T00:00:00.000Z",
      updatedAt: "2024-01-01T00:00:00.000Z",
    });
  });
});
