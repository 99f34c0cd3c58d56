/**
 * Issue 16 through the facade, on memory and PGlite (and the server when ORGKIT_PG_URL
 * is set): with cascading rules configured, a regional manager sees its region's
 * subsidiaries in search, tree, get and roll-up, and their tickets through the ticket
 * filter; a regional admin manages the plain members of every branch (within each
 * branch's allowed roles) but never a branch's admins; a discontinued organization stops
 * both below it; a move carries them at once. Without rules, the seed's independent
 * organizations, refused alike. Every use case asks the evaluator: none of this is
 * special-cased in the service.
 *
 * ```
 * acme ── east ── boston ── cambridge
 *      │       └─ new-york
 *      └─ west ── la
 * ```
 */
import { beforeAll, describe, expect, it } from "vitest";
import { createOrgKit, SYSTEM_ACTOR, type OrgKit, type OrgKitConfigInput } from "../../src/index.js";
import { compilePolicy } from "../../src/permissions/index.js";
import { createTestClock } from "../../src/testing/test-clock.js";
import { createTestIds } from "../../src/testing/test-ids.js";
import { as, rejects } from "./setup.js";
import { storageTargets } from "./storage-targets.js";
import type { Storage } from "../../src/storage/index.js";

const system = SYSTEM_ACTOR;
const admin = as("admin");
const manager = as("regional-manager");
const regionalAdmin = as("regional-admin");
const targets = storageTargets();

const CASCADING: OrgKitConfigInput = {
  roles: { manager: { seesOrganizationTickets: true, cascade: "descendants" } },
  admins: { cascade: "descendants" },
};

async function world(storage: Storage, config: OrgKitConfigInput): Promise<OrgKit> {
  const kit = createOrgKit({ storage, clock: createTestClock().now, ids: createTestIds(), config });
  await kit.users.upsert(system, { id: "admin", kind: "agent", platformRole: "admin", registered: true });
  const org = (id: string, parentId: string | null, allowedRoles: string[] = ["member"]) =>
    kit.organizations.create(admin, { id, name: `Acme ${id}`, ...(parentId ? { parentId } : {}), allowedRoles });
  await org("acme", null);
  await org("east", "acme");
  await org("boston", "east", ["member", "technician"]);
  await org("cambridge", "boston");
  await org("new-york", "east");
  await org("west", "acme");
  await org("la", "west");
  for (const [id, organizationId] of [
    ["regional-manager", "east"],
    ["regional-admin", "east"],
    ["boston-member", "boston"],
    ["boston-admin", "boston"],
    ["cambridge-member", "cambridge"],
    ["la-member", "la"],
  ] as const) {
    await kit.users.upsert(system, { id, registered: true });
    await kit.memberships.add(admin, { userId: id, organizationId, ...(id === "regional-manager" ? { role: "manager" } : {}) });
  }
  await kit.memberships.setAdmin(admin, "regional-admin", "east", true);
  await kit.memberships.setAdmin(admin, "boston-admin", "boston", true);
  return kit;
}

const ids = (organizations: readonly { readonly id: string }[]) => organizations.map((o) => o.id);
const treeIds = (node: { organization: { id: string }; children: readonly unknown[] } | null): unknown =>
  node === null ? null : [node.organization.id, ...(node.children as (typeof node)[]).map(treeIds)];

describe.each(targets)("cascading access on $name", ({ storage: makeStorage }) => {
  let kit: OrgKit;
  beforeAll(async () => {
    kit = await world(await makeStorage(), CASCADING);
  });

  it("a regional manager sees its region's subsidiaries in get, search, tree and roll-up, nothing above or beside", async () => {
    expect((await kit.organizations.get(manager, "cambridge"))?.id).toBe("cambridge");
    expect(await kit.organizations.get(manager, "la")).toBeNull();
    expect(await kit.organizations.get(manager, "acme")).toBeNull();
    const page = await kit.organizations.search(manager, { limit: 2 });
    expect(page.total).toBe(4);
    expect(ids((await kit.organizations.search(manager, { limit: 100 })).items).sort()).toEqual(["boston", "cambridge", "east", "new-york"]);
    expect(treeIds(await kit.organizations.tree(manager, "east"))).toEqual(["east", ["boston", ["cambridge"]], ["new-york"]]);
    expect(await kit.organizations.tree(manager, "acme")).toBeNull();
    const report = await kit.organizations.rollUp(manager, "east", { value: (o) => o.id.length });
    expect(report && { ids: ids(report.organizations), count: report.count, total: report.total }).toEqual({
      ids: ["east", "boston", "cambridge", "new-york"],
      count: 4,
      total: "east".length + "boston".length + "cambridge".length + "new-york".length,
    });
    expect(await kit.organizations.rollUp(manager, "acme")).toBeNull(); // it may not read Acme itself
  });

  it("and their tickets, through the ticket filter, with explain naming the cascade", async () => {
    const policy = await kit.policy();
    expect(policy.subject("regional-manager").ticketReadFilter()).toMatchObject({ organizationIds: ["boston", "cambridge", "east", "new-york"] });
    const decision = await kit.explain({ check: "canViewTicket", subject: "regional-manager", ticket: { requesterId: "boston-member", organizationId: "cambridge" } });
    expect(decision.reason).toBe('manager of "east" (cascades to descendants) → "cambridge" is below "east"');
    expect(policy.canViewTicket("regional-manager", { requesterId: "la-member", organizationId: "la" })).toBe(false);
  });

  it("a regional admin manages the plain members of every branch, within each branch's allowed roles", async () => {
    await kit.users.upsert(regionalAdmin, { id: "new-tech" }, { organizationId: "boston", role: "technician" });
    expect(await kit.memberships.get(admin, "new-tech", "boston")).toMatchObject({ role: "technician" });
    expect((await kit.memberships.setRole(regionalAdmin, "cambridge-member", "cambridge", "member")).role).toBe("member");
    await rejects(kit.memberships.setRole(regionalAdmin, "cambridge-member", "cambridge", "technician"), "FORBIDDEN"); // boston allows it, cambridge does not
    expect((await kit.memberships.listByOrganization(regionalAdmin, "boston")).map((m) => m.userId)).toContain("new-tech");
    expect(await kit.memberships.remove(regionalAdmin, "new-tech", "boston")).toBe(true);
  });

  it("never a branch's admins, nor users of organizations beside its region", async () => {
    await rejects(kit.memberships.remove(regionalAdmin, "boston-admin", "boston"), "FORBIDDEN");
    await rejects(kit.memberships.setRole(regionalAdmin, "boston-admin", "boston", "technician"), "FORBIDDEN");
    await rejects(kit.memberships.setAdmin(regionalAdmin, "boston-member", "boston", true), "FORBIDDEN"); // designating admins is platform work
    await rejects(kit.memberships.remove(regionalAdmin, "la-member", "la"), "FORBIDDEN");
    const refusal = await rejects(kit.users.upsert(regionalAdmin, { id: "intruder" }, { organizationId: "la" }), "FORBIDDEN");
    expect(refusal.message).toContain("it may not read that organization"); // the refusal tells nothing about la
    expect(await kit.memberships.get(admin, "boston-admin", "boston")).toMatchObject({ admin: true });
  });

  it("a discontinued organization in between stops both cascades below it; reactivating restores them", async () => {
    await kit.organizations.discontinue(admin, "boston");
    expect(await kit.organizations.get(manager, "cambridge")).toBeNull();
    expect(await kit.organizations.get(manager, "boston")).toBeNull();
    await rejects(kit.memberships.setRole(regionalAdmin, "cambridge-member", "cambridge", "member"), "FORBIDDEN");
    const decision = await kit.explain({ check: "canManageUser", subject: "regional-admin", targetUserId: "cambridge-member", organizationId: "cambridge" });
    expect(decision.reason).toContain('the cascade of admin of "east" stops at discontinued "boston"');
    expect(ids((await kit.organizations.search(manager, { limit: 100 })).items).sort()).toEqual(["east", "new-york"]);
    expect((await kit.organizations.rollUp(manager, "east"))?.count).toBe(2);
    await kit.organizations.reactivate(admin, "boston");
    expect((await kit.organizations.get(manager, "cambridge"))?.id).toBe("cambridge");
    expect((await kit.memberships.setRole(regionalAdmin, "cambridge-member", "cambridge", "member")).role).toBe("member");
  });

  it("a move carries what cascades at once, in the facade and in the live policy", async () => {
    await kit.organizations.setParent(admin, "la", "new-york");
    expect((await kit.organizations.get(manager, "la"))?.id).toBe("la");
    expect((await kit.policy()).canViewTicket("regional-manager", { requesterId: "x", organizationId: "la" })).toBe(true);
    expect((await kit.memberships.setRole(regionalAdmin, "la-member", "la", "member")).role).toBe("member");
    await kit.organizations.setParent(admin, "la", "west");
    expect(await kit.organizations.get(manager, "la")).toBeNull();
    expect((await kit.policy()).canViewTicket("regional-manager", { requesterId: "x", organizationId: "la" })).toBe(false);
  });

  it("the exported snapshot carries the rules: a service compiling it answers as the kit", async () => {
    const { snapshot } = await kit.exportSnapshot();
    expect(snapshot.roles).toEqual(CASCADING.roles);
    expect(snapshot.admins).toEqual(CASCADING.admins);
    const own = compilePolicy(snapshot);
    const live = await kit.policy();
    for (const subject of ["regional-manager", "regional-admin", "boston-member", "la-member"]) {
      for (const organization of ["acme", "east", "boston", "cambridge", "new-york", "west", "la"]) {
        expect(own.canOnOrganization(subject, "read", organization)).toBe(live.canOnOrganization(subject, "read", organization));
        expect(own.canManageUser(subject, null, organization)).toBe(live.canManageUser(subject, null, organization));
        expect(own.canViewTicket(subject, { requesterId: "x", organizationId: organization })).toBe(live.canViewTicket(subject, { requesterId: "x", organizationId: organization }));
      }
      expect(own.subject(subject).organizationReadScope()).toEqual(live.subject(subject).organizationReadScope());
    }
  });
});

describe.each(targets)("no cascading rules on $name: the seed's independent organizations", ({ storage: makeStorage }) => {
  let kit: OrgKit;
  beforeAll(async () => {
    kit = await world(await makeStorage(), {});
  });

  it("a parent's manager and admin have nothing below their organization", async () => {
    expect(await kit.organizations.get(manager, "boston")).toBeNull();
    expect(ids((await kit.organizations.search(manager, { limit: 100 })).items)).toEqual(["east"]);
    expect(ids((await kit.organizations.rollUp(manager, "east"))!.organizations)).toEqual(["east"]);
    expect((await kit.policy()).canViewTicket("regional-manager", { requesterId: "x", organizationId: "boston" })).toBe(false);
    await rejects(kit.users.upsert(regionalAdmin, { id: "new-tech" }, { organizationId: "boston" }), "FORBIDDEN");
    await rejects(kit.memberships.setRole(regionalAdmin, "cambridge-member", "cambridge", "member"), "FORBIDDEN");
    const { snapshot } = await kit.exportSnapshot();
    expect("roles" in snapshot || "admins" in snapshot).toBe(false);
  });

  it("roll-up still counts what a platform admin sees, and validates its input", async () => {
    expect((await kit.organizations.rollUp(admin, "acme", { discontinued: "prune" }))?.count).toBe(7);
    expect(await kit.organizations.rollUp(admin, "no-such-org")).toBeNull();
    await rejects(kit.organizations.rollUp(admin, "acme", { discontinued: "maybe" } as never), "VALIDATION_FAILED");
    await rejects(kit.organizations.rollUp(admin, "acme", { value: 3 } as never), "VALIDATION_FAILED");
  });
});

describe("configuration", () => {
  it("refuses malformed rules with paths", async () => {
    const { memoryStorage } = await import("../../src/adapters/memory/index.js");
    const storage = memoryStorage();
    const make = (config: unknown) => () => createOrgKit({ storage, config: config as OrgKitConfigInput });
    for (const config of [{ roles: { manager: { cascade: "up" } } }, { roles: { "": {} } }, { admins: { cascade: "descendants", extra: 1 } }, { roles: [{}] }, { roles: ["technician", { name: "manager", cascade: "up" }] }]) {
      expect(make(config)).toThrow(expect.objectContaining({ code: "VALIDATION_FAILED" }));
    }
    expect(createOrgKit({ storage, config: CASCADING }).config.roles).toEqual(CASCADING.roles);
  });
});
