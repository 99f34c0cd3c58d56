/**
 * Issue 11, "Reads that leak": what the facade lets an actor read is what the evaluator
 * says it may read. Search applies the evaluator's read scope in the query (pages are
 * full, cursors only ever hold a visible row, `total` counts what the actor may see);
 * members of a discontinued organization read nothing of it; `resources.get` answers
 * exactly as `policy.canAccessResource`; audit events and member rules, which name
 * people's addresses, are for those who administer the organization. Runs on memory and
 * PGlite.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { createOrgKit, SYSTEM_ACTOR, type OrgKit } from "../../src/index.js";
import { memoryStorage } from "../../src/adapters/memory/index.js";
import { createTestClock } from "../../src/testing/test-clock.js";
import { createTestIds } from "../../src/testing/test-ids.js";
import { rejects } from "./setup.js";
import { storageTargets } from "./storage-targets.js";
import type { Storage } from "../../src/storage/index.js";

const system = SYSTEM_ACTOR;
const admin = { type: "user", id: "admin" } as const;
const as = (id: string) => ({ type: "user", id }) as const;
const targets = storageTargets();

/** The id a search cursor holds (base64url of `[sort, direction, value, id]`). */
function cursorId(cursor: string): string {
  const json = Buffer.from(cursor, "base64url").toString("utf8");
  return (JSON.parse(json) as unknown[])[3] as string;
}

describe.each(targets)("reads on $name", ({ storage: makeStorage }) => {
  let kit: OrgKit;
  beforeAll(async () => {
    kit = createOrgKit({ storage: await makeStorage(), clock: createTestClock().now, ids: createTestIds() });
    await kit.users.upsert(system, { id: "admin", kind: "agent", platformRole: "admin", registered: true });
    await kit.profiles.create(admin, { id: "readers", name: "Readers", organizations: { service: ["read"] } });
    await kit.users.upsert(system, { id: "reader", kind: "agent", profileId: "readers" });
    // 30 organizations, sorted by name, every third one "service" (visible to the reader).
    for (let i = 0; i < 30; i++) {
      const name = `Org ${String(i).padStart(2, "0")}`;
      await kit.organizations.create(admin, { id: `o${i}`, name, states: i % 3 === 0 ? ["service"] : ["outreach"] });
    }
    // Ann is a plain member of o1 (not "service"), Bob its org admin; o1 owns an asset.
    for (const id of ["ann", "bob"]) {
      await kit.users.upsert(system, { id, emails: [{ value: `${id}@o1.example`, verified: true }] });
      await kit.memberships.add(admin, { userId: id, organizationId: "o1" });
    }
    await kit.memberships.setAdmin(admin, "bob", "o1", true);
    await kit.rules.add(admin, "o1", { kind: "email", value: "carol@o1.example" });
    await kit.users.upsert(system, { id: "carol", emails: [{ value: "carol@o1.example", verified: true }] });
    await kit.resources.assign(admin, { kind: "asset", id: "laptop-1", organizationId: "o1" });
    await kit.resources.assign(admin, { kind: "asset", id: "server-3", organizationId: "o3" });
  });

  it("search filters in the query: pages are full, cursors never name a hidden organization, and total counts what the actor may see", async () => {
    const visible = new Set(Array.from({ length: 10 }, (_, i) => `o${i * 3}`)); // the reader's ten "service" organizations
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 20; pages++) {
      const page = await kit.organizations.search(as("reader"), { limit: 3, cursor });
      expect(page.total).toBe(10);
      if (page.nextCursor !== null) {
        expect(page.items).toHaveLength(3); // full pages, however many hidden rows lie between
        expect(visible.has(cursorId(page.nextCursor)), "a cursor names a hidden organization").toBe(true);
      }
      seen.push(...page.items.map((o) => o.id));
      cursor = page.nextCursor;
      if (cursor === null) break;
    }
    expect(seen.sort()).toEqual([...visible].sort());
    // A member reads its own organization (active membership), and nothing else.
    const ann = await kit.organizations.search(as("ann"), {});
    expect(ann.items.map((o) => o.id)).toEqual(["o1"]);
    expect(ann.total).toBe(1);
    // An unknown id sees nothing, and learns no count.
    expect(await kit.organizations.search(as("nobody"), { text: "org" })).toEqual({ items: [], nextCursor: null, total: 0 });
  });

  it("an adapter that ignores the search's visibility filter is refused (STORAGE_FAILURE), not allowed to leak", async () => {
    const storage = memoryStorage();
    const search = storage.organizations.search.bind(storage.organizations);
    // An adapter written before `visibility` existed: it drops the filter.
    const legacy: Storage = {
      ...storage,
      organizations: { ...storage.organizations, search: ({ visibility: _, ...query }) => search(query) },
      transaction: (fn) => storage.transaction((session) => fn({ ...session, organizations: { ...session.organizations, search: ({ visibility: _, ...query }) => session.organizations.search(query) } })),
    };
    const legacyKit = createOrgKit({ storage: legacy, clock: createTestClock().now, ids: createTestIds() });
    await legacyKit.users.upsert(system, { id: "admin", kind: "agent", platformRole: "admin" });
    await legacyKit.organizations.create(admin, { id: "secret", name: "Secret" });
    const error = await rejects(legacyKit.organizations.search(as("nobody"), {}), "STORAGE_FAILURE");
    expect(error.details).toMatchObject({ reason: "adapter_contract", field: "visibility" });
    expect((await legacyKit.organizations.search(admin, {})).total).toBe(1); // no filter to ignore for a platform admin
  });

  it("resources.get answers exactly where policy.canAccessResource does", async () => {
    const policy = await kit.policy();
    for (const actor of ["admin", "reader", "ann", "bob", "carol", "nobody"]) {
      for (const id of ["laptop-1", "server-3"]) {
        const expected = policy.canAccessResource(actor, { kind: "asset", id });
        const got = await kit.resources.get(as(actor), "asset", id);
        expect(got !== null, `${actor} on ${id}`).toBe(expected);
        const listed = await kit.resources.listByOrganization(as(actor), id === "laptop-1" ? "o1" : "o3");
        expect(listed.length > 0, `${actor} lists the owner of ${id}`).toBe(expected);
      }
    }
    // The reader's profile reads o3 ("service") but that is not access to its resources.
    expect(await kit.resources.get(as("reader"), "asset", "server-3")).toBeNull();
  });

  it("plain members do not read other members' addresses in audit events or member rules", async () => {
    const annEvents = await kit.events.list(as("ann"), { organizationId: "o1" });
    expect(JSON.stringify(annEvents)).not.toContain("carol@o1.example");
    expect(await kit.rules.list(as("ann"), "o1")).toEqual([]);
    // Its org admin does (it manages those users).
    expect(JSON.stringify(await kit.events.list(as("bob"), { organizationId: "o1" }))).toContain("carol@o1.example");
    expect((await kit.rules.list(as("bob"), "o1")).map((r) => r.value)).toEqual(["carol@o1.example"]);
  });

  it("a refusal carries the evaluator's explanation, cut to what the actor may see", async () => {
    const readable = await rejects(kit.organizations.update(as("reader"), "o3", { industry: "Retail" }), "FORBIDDEN");
    expect(readable.details).toMatchObject({ check: "canOnOrganization" });
    expect(readable.message).toContain('staff profile "readers"');
    const hidden = await rejects(kit.organizations.update(as("reader"), "o2", { industry: "Retail" }), "FORBIDDEN");
    expect(hidden.details).toMatchObject({ check: "canOnOrganization", reason: "it may not read that organization" });
    expect(hidden.message).not.toContain("outreach");
  });

  it("an agent whose profile allows edit and delete but not read may neither edit nor discontinue the organization (a write hands it the organization back)", async () => {
    await kit.profiles.create(admin, { id: "blind", name: "Blind editors", organizations: { outreach: ["edit", "delete"] } });
    await kit.users.upsert(system, { id: "blind-agent", kind: "agent", profileId: "blind" });
    const policy = await kit.policy();
    expect(policy.canOnOrganization("blind-agent", "edit", "o2")).toBe(false);
    expect(policy.canOnOrganization("blind-agent", "delete", "o2")).toBe(false);
    expect(policy.explain({ check: "canOnOrganization", subject: "blind-agent", action: "edit", organization: "o2" }).reason).toContain("not read");
    const edit = await rejects(kit.organizations.update(as("blind-agent"), "o2", { industry: "Retail" }), "FORBIDDEN");
    expect(edit.details).toMatchObject({ reason: "it may not read that organization" });
    await rejects(kit.organizations.discontinue(as("blind-agent"), "o2"), "FORBIDDEN");
    expect((await kit.organizations.get(admin, "o2"))).toMatchObject({ status: "active" });
    expect((await kit.organizations.get(admin, "o2"))?.industry ?? null).not.toBe("Retail");
  });

  it("previewRemove of a rule that links nobody answers an empty preview (it was NOT_FOUND: the rule was not in the matcher)", async () => {
    const { rule } = await kit.rules.add(admin, "o4", { kind: "domain", value: "nobody-here.example" });
    const preview = await kit.rules.previewRemove(admin, "o4", rule.id);
    expect(preview).toMatchObject({ leaving: [], moving: [], joining: [], truncated: false });
    await kit.rules.remove(admin, "o4", rule.id);
  });

  it("members of a discontinued organization no longer read it, its resources, members or events (the policy says no)", async () => {
    await kit.organizations.discontinue(admin, "o1");
    const policy = await kit.policy();
    expect(policy.canOnOrganization("ann", "read", "o1")).toBe(false);
    expect(await kit.organizations.get(as("ann"), "o1")).toBeNull();
    expect((await kit.organizations.search(as("ann"), {})).total).toBe(0);
    expect(await kit.resources.get(as("ann"), "asset", "laptop-1")).toBeNull();
    expect(await kit.memberships.listByOrganization(as("ann"), "o1")).toEqual([]);
    expect(await kit.events.list(as("bob"), { organizationId: "o1" })).toEqual([]);
    expect(await kit.organizations.ancestors(as("ann"), "o1")).toEqual([]);
    await kit.organizations.reactivate(admin, "o1");
    expect((await kit.organizations.get(as("ann"), "o1"))?.id).toBe("o1");
  });
});
