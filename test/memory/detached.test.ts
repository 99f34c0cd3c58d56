import { describe, expect, it } from "vitest";
import { memoryStorage } from "../../src/adapters/memory/index.js";
import { buildAuditEvent, buildOrganization } from "../../src/testing/index.js";

describe("memoryStorage returns detached values", () => {
  it("returns deep-frozen objects that a caller cannot change", async () => {
    const storage = memoryStorage();
    await storage.organizations.insert(buildOrganization({ id: "org_1", name: "Acme", tags: ["a"] }));
    const organization = (await storage.organizations.get("org_1"))!;
    expect(Object.isFrozen(organization)).toBe(true);
    expect(Object.isFrozen(organization.tags)).toBe(true);
    expect(Object.isFrozen(organization.address)).toBe(true);
    expect(() => {
      (organization as { name: string }).name = "Changed";
    }).toThrow(TypeError);
    expect(() => (organization.tags as string[]).push("b")).toThrow(TypeError);
  });

  it("a value read earlier does not change when the organization is updated later", async () => {
    const storage = memoryStorage();
    const v1 = buildOrganization({ id: "org_1", name: "Acme" });
    await storage.organizations.insert(v1);
    const before = await storage.organizations.get("org_1");
    await storage.organizations.update({ ...v1, name: "Acme 2", version: 2 }, 1);
    expect(before?.name).toBe("Acme");
    expect((await storage.organizations.get("org_1"))?.name).toBe("Acme 2");
  });

  it("copies what it is given: mutating the input afterwards changes nothing", async () => {
    const storage = memoryStorage();
    const data = { nested: { list: [1, 2] } };
    const [stored] = await storage.events.append([buildAuditEvent({ data })]);
    data.nested.list.push(3);
    expect(stored!.data).toEqual({ nested: { list: [1, 2] } });
    expect((await storage.events.list({ limit: 1 }))[0]!.data).toEqual({ nested: { list: [1, 2] } });
  });
});
