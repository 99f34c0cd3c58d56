import { describe, expect, it } from "vitest";
import { memoryStorage, memoryInspector } from "../../src/adapters/memory/index.js";
import { isOrgKitError } from "../../src/errors.js";
import { buildAuditEvent, buildMembership, buildOrganization, buildUser } from "../../src/testing/index.js";

describe("memoryStorage isolation and options", () => {
  it("two storages share nothing", async () => {
    const one = memoryStorage();
    const two = memoryStorage();
    const acme = buildOrganization({ id: "org_acme", name: "Acme", externalId: "C-1" });
    await one.organizations.insert(acme);
    await one.users.insert(buildUser({ id: "usr_ann", emails: ["ann@acme.example"] }));
    await one.memberships.put(buildMembership({ userId: "usr_ann", organizationId: "org_acme" }));
    await one.events.append([buildAuditEvent({ organizationId: "org_acme" })]);

    expect(await two.organizations.get("org_acme")).toBeNull();
    expect(await two.organizations.getByExternalId("C-1")).toBeNull();
    expect(await two.organizations.findActiveByName("acme")).toBeNull();
    expect(await two.users.findMatching({ kind: "domain", value: "acme.example", includeSubdomains: false }, { limit: 10 })).toEqual([]);
    expect(await two.memberships.countByOrganization("org_acme")).toBe(0);
    expect(await two.events.lastSequence()).toBe(0);
    // The same id and name are free in the other storage.
    await two.organizations.insert(acme);
    expect(await memoryInspector(two).count("organizations")).toBe(1);
    expect(await memoryInspector(one).count("events")).toBe(1);
  });

  it("enforces unique active names by default, and not with uniqueNames: false", async () => {
    const strict = memoryStorage();
    await strict.organizations.insert(buildOrganization({ id: "org_1", name: "Acme" }));
    await expect(strict.organizations.insert(buildOrganization({ id: "org_2", name: "ACME" }))).rejects.toMatchObject({
      code: "CONFLICT",
      details: { reason: "unique", field: "name", existingId: "org_1" },
    });

    const lax = memoryStorage({ uniqueNames: false });
    await lax.organizations.insert(buildOrganization({ id: "org_2", name: "Acme" }));
    await lax.organizations.insert(buildOrganization({ id: "org_1", name: "ACME" }));
    // Several active organizations share the name: the one with the smallest id is returned.
    expect((await lax.organizations.findActiveByName("acme"))?.id).toBe("org_1");
    const page = await lax.organizations.search({ text: "acme" });
    expect(page.items.map((o) => o.id)).toEqual(["org_1", "org_2"]);
  });

  it("numbers events from 1 and gives rolled-back sequences back", async () => {
    const storage = memoryStorage();
    const first = await storage.events.append([buildAuditEvent(), buildAuditEvent()]);
    expect(first.map((e) => e.sequence)).toEqual([1, 2]);
    await expect(
      storage.transaction(async (session) => {
        expect((await session.events.append([buildAuditEvent()]))[0]!.sequence).toBe(3);
        throw new Error("undo");
      }),
    ).rejects.toThrow("undo");
    expect(await storage.events.lastSequence()).toBe(2);
    expect((await storage.events.append([buildAuditEvent()]))[0]!.sequence).toBe(3);
  });

  it("rejects a memoryInspector for another kind of storage", () => {
    const storage = memoryStorage();
    const fake = Object.fromEntries(Object.entries(storage)) as unknown as typeof storage;
    let caught: unknown;
    try {
      memoryInspector(fake);
    } catch (error) {
      caught = error;
    }
    expect(isOrgKitError(caught, "VALIDATION_FAILED")).toBe(true);
  });
});
