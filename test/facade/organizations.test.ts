import { describe, expect, it } from "vitest";
import { memoryStorage } from "../../src/adapters/memory/index.js";
import { admin, as, rejects, setup, system } from "./setup.js";

describe("organizations through the facade", () => {
  it("refuses bad input with paths and writes nothing", async () => {
    const { kit, storage } = await setup();
    const before = await storage.events.lastSequence();
    const error = await rejects(kit.organizations.create(admin, { name: " ", address: { country: "Narnia" } }), "VALIDATION_FAILED");
    expect(error.details.issues.map((i) => i.path)).toEqual(["name", "address.country"]);
    expect(await storage.events.lastSequence()).toBe(before);
    await rejects(kit.organizations.create({ type: "robot" } as never, { name: "X" }), "VALIDATION_FAILED");
  });

  it("names are unique among active organizations, case-insensitively; external ids are unique", async () => {
    const { kit } = await setup();
    const acme = await kit.organizations.create(admin, { name: "Acme", externalId: "C-1" });
    await rejects(kit.organizations.create(admin, { name: "ACME" }), "CONFLICT");
    await rejects(kit.organizations.create(admin, { name: "Other", externalId: "C-1" }), "CONFLICT");
    const other = await kit.organizations.create(admin, { name: "Other" });
    await rejects(kit.organizations.rename(admin, other.id, "acme"), "CONFLICT");
    await rejects(kit.organizations.update(admin, other.id, { externalId: "C-1" }), "CONFLICT");
    expect((await kit.organizations.getByExternalId(admin, "C-1"))?.id).toBe(acme.id);
    // The storage enforces names too, so both are configured alike.
    const { kit: loose } = await setup({ uniqueNames: false }, memoryStorage({ uniqueNames: false }));
    await loose.organizations.create(admin, { name: "Acme" });
    await loose.organizations.create(admin, { name: "acme" });
  });

  it("optimistic concurrency: a stale expectedVersion is a CONFLICT", async () => {
    const { kit } = await setup();
    const org = await kit.organizations.create(admin, { name: "Acme" });
    const renamed = await kit.organizations.rename(admin, org.id, "Acme Corp", { expectedVersion: 1 });
    expect(renamed.version).toBe(2);
    const error = await rejects(kit.organizations.update(admin, org.id, { industry: "Steel" }, { expectedVersion: 1 }), "CONFLICT");
    expect(error.details).toMatchObject({ reason: "version", actualVersion: 2 });
  });

  it("moves refuse cycles, missing and discontinued parents, and depth beyond the maximum", async () => {
    const { kit } = await setup({ maxDepth: 2 });
    const acme = await kit.organizations.create(admin, { name: "Acme" });
    const east = await kit.organizations.create(admin, { name: "East", parentId: acme.id });
    const boston = await kit.organizations.create(admin, { name: "Boston", parentId: east.id });
    const cycle = await rejects(kit.organizations.setParent(admin, east.id, boston.id), "HIERARCHY_CYCLE");
    expect(cycle.details.path).toEqual([east.id, boston.id, east.id]);
    await rejects(kit.organizations.setParent(admin, east.id, east.id), "HIERARCHY_CYCLE");
    await rejects(kit.organizations.setParent(admin, east.id, "nope"), "PARENT_NOT_FOUND");
    await rejects(kit.organizations.create(admin, { name: "Too deep", parentId: boston.id }), "MAX_DEPTH_EXCEEDED");
    const west = await kit.organizations.create(admin, { name: "West" });
    await kit.organizations.discontinue(admin, west.id);
    await rejects(kit.organizations.setParent(admin, east.id, west.id), "ORGANIZATION_DISCONTINUED");
    const moved = await kit.organizations.detach(admin, east.id);
    expect(moved.parentId).toBeNull();
    expect((await kit.organizations.ancestors(admin, boston.id)).map((o) => o.name)).toEqual(["East"]);
  });

  it("search: partial, case-insensitive, filtered, sorted, paginated with totals", async () => {
    const { kit } = await setup();
    const names = ["Acme East", "acme west", "Globex", "Initech", "Acme LA", "Umbrella"];
    const created = [];
    for (const [i, name] of names.entries()) {
      created.push(
        await kit.organizations.create(admin, {
          name,
          type: i % 2 ? "oem" : "customer",
          tags: i < 3 ? ["Key"] : [],
          states: i === 0 ? ["service", "outreach"] : ["service"],
          externalId: `EXT-${i}`,
        }),
      );
    }
    const acme = await kit.organizations.search(admin, { text: "ACME" });
    expect(acme.items.map((o) => o.name)).toEqual(["Acme East", "Acme LA", "acme west"]);
    expect(acme.total).toBe(3);
    expect((await kit.organizations.search(admin, { text: "ext-3" })).items.map((o) => o.name)).toEqual(["Initech"]);
    expect((await kit.organizations.search(admin, { types: ["oem"], tags: ["key"] })).items.map((o) => o.name)).toEqual(["acme west"]);
    expect((await kit.organizations.search(admin, { states: ["outreach"] })).items.map((o) => o.name)).toEqual(["Acme East"]);
    const pages: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await kit.organizations.search(admin, { sort: "name", direction: "desc", limit: 4, cursor });
      expect(page.total).toBe(6);
      pages.push(...page.items.map((o) => o.name));
      cursor = page.nextCursor;
    } while (cursor);
    expect(pages).toEqual(["Umbrella", "Initech", "Globex", "acme west", "Acme LA", "Acme East"]);
    await rejects(kit.organizations.search(admin, { limit: 0 }), "VALIDATION_FAILED");
  });

  it("staff profiles gate read/edit/delete by the organization's exact state combination", async () => {
    const { kit } = await setup();
    await kit.profiles.create(admin, {
      id: "support",
      name: "Support",
      add: false,
      organizations: { service: ["read", "edit"], "service+outreach": ["read"], none: ["read"] },
    });
    await kit.users.upsert(admin, { id: "agent", kind: "agent", profileId: "support" });
    const agent = as("agent");
    const service = await kit.organizations.create(admin, { name: "S", states: ["service"] });
    const both = await kit.organizations.create(admin, { name: "SO", states: ["outreach", "service"] });
    const opportunity = await kit.organizations.create(admin, { name: "O", states: ["opportunities"] });

    await rejects(kit.organizations.create(agent, { name: "New" }), "FORBIDDEN");
    expect((await kit.organizations.update(agent, service.id, { industry: "Retail" })).industry).toBe("Retail");
    await rejects(kit.organizations.update(agent, both.id, { industry: "Retail" }), "FORBIDDEN");
    await rejects(kit.organizations.discontinue(agent, service.id), "FORBIDDEN");
    // Moving an organization into a combination the agent cannot edit is refused too.
    await rejects(kit.organizations.update(agent, service.id, { states: ["service", "outreach"] }), "FORBIDDEN");
    expect(await kit.organizations.get(agent, opportunity.id)).toBeNull();
    expect((await kit.organizations.get(agent, both.id))?.id).toBe(both.id);
    const visible = await kit.organizations.search(agent, {});
    expect(visible.items.map((o) => o.name)).toEqual(["S", "SO"]);
    expect(visible.total).toBe(2); // what the agent may see, counted in the query

    await kit.profiles.update(admin, "support", { add: true });
    await kit.organizations.create(agent, { name: "Now allowed" });
    await rejects(kit.profiles.delete(admin, "support"), "CONFLICT");
    await rejects(kit.profiles.create(admin, { name: "Bad", organizations: { "service+nap": ["read"] } }), "VALIDATION_FAILED");
    await rejects(kit.profiles.create(agent, { name: "Mine" }), "FORBIDDEN");
  });

  it("org admins manage their own organization's users only, and none of its children", async () => {
    const { kit } = await setup();
    const parent = await kit.organizations.create(admin, { name: "Parent", allowedRoles: ["member", "technician"] });
    const child = await kit.organizations.create(admin, { name: "Child", parentId: parent.id, allowedRoles: ["member"] });
    await kit.users.upsert(admin, { id: "boss" });
    await kit.memberships.add(admin, { userId: "boss", organizationId: parent.id, admin: true });
    const boss = as("boss");
    await kit.users.upsert(boss, { id: "w1" }, { organizationId: parent.id });
    await kit.memberships.setRole(boss, "w1", parent.id, "technician");
    await rejects(kit.memberships.setRole(boss, "w1", parent.id, "manager"), "FORBIDDEN");
    await rejects(kit.users.upsert(boss, { id: "w2" }, { organizationId: child.id }), "FORBIDDEN");
    await rejects(kit.memberships.add(boss, { userId: "w1", organizationId: child.id }), "FORBIDDEN");
    await rejects(kit.memberships.setAdmin(boss, "w1", parent.id, true), "FORBIDDEN");
    await kit.users.upsert(admin, { id: "outsider" });
    await rejects(kit.users.upsert(boss, { id: "outsider", registered: true }, { organizationId: parent.id }), "FORBIDDEN");
    // A stranger (unknown user) can do nothing.
    await rejects(kit.organizations.create(as("ghost"), { name: "Ghost Co" }), "FORBIDDEN");
    expect(await kit.organizations.get(as("ghost"), parent.id)).toBeNull();
  });

  it("only super admins grant platform roles", async () => {
    const { kit } = await setup();
    await kit.users.upsert(system, { id: "root", platformRole: "super_admin" });
    await kit.users.upsert(admin, { id: "u" });
    await rejects(kit.users.upsert(admin, { id: "u", platformRole: "admin" }), "FORBIDDEN");
    await rejects(kit.users.upsert(admin, { id: "root", emails: ["x@y.example"] }), "FORBIDDEN");
    expect((await kit.users.upsert(as("root"), { id: "u", platformRole: "admin" })).platformRole).toBe("admin");
  });

  it("users: identities are normalized; bad ones are refused with their path", async () => {
    const { kit } = await setup({ defaultPhoneRegion: "GB" });
    const user = await kit.users.upsert(system, { id: "u", emails: [" Ann@Bücher.Example "], phones: ["020 7946 0958"], username: " ＡＮＮ " });
    expect(user.emails).toEqual(["ann@xn--bcher-kva.example"]);
    expect(user.phones).toEqual(["+442079460958"]);
    expect(user.username).toBe("ann");
    const error = await rejects(kit.users.upsert(system, { id: "v", emails: ["ok@x.example", "nope"] }), "INVALID_EMAIL");
    expect(error.details.path).toBe("emails.1");
    await rejects(kit.users.upsert(system, { id: "v", phones: ["12"] }), "INVALID_PHONE");
    expect(await kit.users.get(system, "v")).toBeNull();
  });
});
