/**
 * GDPR articles 15, 17 and 20 through the facade: `users.erase` takes a person's
 * addresses out of every table (checked by reading every stored row with the raw
 * inspector), the audit trail and the change feed, keeping the history under the user id;
 * `users.export` hands over everything held about a user; `users.list` pages users and
 * `users.remove` deletes a user without history. Every refusal and bad input, a failure
 * halfway that leaves nothing, and a second kit's policy following the erasure. Memory,
 * PGlite, and the server when ORGKIT_PG_URL is set.
 */
import { describe, expect, it } from "vitest";
import { createOrgKit, ERASED_MARKER, SYSTEM_ACTOR, type OrgKit } from "../../src/index.js";
import { OrgKitError } from "../../src/errors.js";
import { createTestClock } from "../../src/testing/test-clock.js";
import { createTestIds } from "../../src/testing/test-ids.js";
import { rejects } from "./setup.js";
import { dumpThroughPorts, storageTargets, type StorageTarget } from "./storage-targets.js";
import type { Storage, StorageSession } from "../../src/storage/index.js";

const system = SYSTEM_ACTOR;
const admin = { type: "user", id: "admin" } as const;
const as = (id: string) => ({ type: "user", id }) as const;
const targets = storageTargets();

/** Jane's identities: what must appear nowhere after her erasure. */
const JANE = { email: "jane@acme.example", privateEmail: "jane.private@mail.example", phone: "+16234348050", username: "jdoe-1987" };
const JANE_VALUES = Object.values(JANE);

function newKit(storage: Storage): OrgKit {
  return createOrgKit({ storage, clock: createTestClock().now, ids: createTestIds(), config: { membershipPolicy: "multiple" } });
}

/**
 * Acme (domain rule, links a group), Beta (an email rule naming Jane), Gamma (a phone
 * rule), Delta (a username rule), Epsilon (Jane its org admin, by hand), Zeta (Jane a
 * member, then discontinued: dormant). Bob shares Acme's domain; Jane made Carl, in Epsilon.
 */
async function world(target: StorageTarget) {
  const storage = await target.storage();
  const kit = newKit(storage);
  await kit.users.upsert(system, { id: "admin", kind: "agent", platformRole: "admin", registered: true });
  await kit.usergroups.create(admin, { id: "portal", name: "Portal", permissions: ["portal.use"] });
  await kit.usergroups.create(admin, { id: "testers", name: "Beta testers", permissions: ["beta.use"] });
  await kit.usergroups.create(admin, { id: "everyone", name: "Everyone", permissions: ["kb.read"], builtIn: "everyone" });
  await kit.organizations.create(admin, { id: "acme", name: "Acme", usergroupIds: ["portal"], allowedRoles: ["member", "manager"] });
  for (const id of ["beta", "gamma", "delta", "epsilon", "zeta"]) await kit.organizations.create(admin, { id, name: id[0]!.toUpperCase() + id.slice(1), allowedRoles: ["member", "manager"] });
  await kit.rules.add(admin, "acme", { id: "rule-domain", kind: "domain", value: "acme.example" });
  await kit.rules.add(admin, "beta", { id: "rule-email", kind: "email", value: "Jane@Acme.example" });
  await kit.rules.add(admin, "gamma", { id: "rule-phone", kind: "phone", value: "+1 (623) 434-8050" });
  await kit.rules.add(admin, "delta", { id: "rule-username", kind: "username", value: "JDoe-1987" });
  await kit.users.upsert(system, {
    id: "jane",
    emails: [{ value: JANE.email, verified: true }, JANE.privateEmail],
    phones: [{ value: JANE.phone, verified: true }],
    username: { value: JANE.username, verified: true },
    usergroupIds: ["testers"],
    registered: true,
  });
  await kit.users.upsert(system, { id: "bob", emails: [{ value: "bob@acme.example", verified: true }] });
  await kit.memberships.add(admin, { userId: "jane", organizationId: "epsilon", role: "manager", admin: true });
  await kit.users.upsert(as("jane"), { id: "carl" }, { organizationId: "epsilon" }); // Jane acts: events she did
  await kit.memberships.add(admin, { userId: "jane", organizationId: "zeta" });
  await kit.organizations.discontinue(admin, "zeta");
  return { storage, kit, inspect: target.inspect(storage) };
}

/** Whether any of `values` appears in `text`, compared case-insensitively. */
function mentions(text: string, values: readonly string[]): string[] {
  const lower = text.toLowerCase();
  return values.filter((value) => lower.includes(value.toLowerCase()));
}

/** `storage` whose sessions inside transactions fail at `changes.scrub` (the last step of an erasure). */
function failingAtFeedScrub(storage: Storage): Storage {
  const wrap = (session: StorageSession): StorageSession => ({
    ...session,
    changes: {
      ...session.changes,
      scrub: async () => Promise.reject(new OrgKitError("STORAGE_FAILURE", "the connection died halfway", { details: { reason: "connection_lost" } })),
    },
  });
  return new Proxy(storage, {
    get(target, key) {
      if (key === "transaction") return <T>(fn: (s: StorageSession) => Promise<T>) => target.transaction((session) => fn(wrap(session)));
      const value = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

describe.each(targets)("user erasure, export, list and remove on $name", (target) => {
  it("erase: the person's addresses appear in no stored row, event or feed entry; the history stays under the user id", async () => {
    const { storage, kit, inspect } = await world(target);
    const before = await inspect.dump!();
    expect(mentions(before, JANE_VALUES), "the world holds Jane's identities before").toEqual(JANE_VALUES);
    expect((await kit.memberships.listByUser(admin, "jane")).map((m) => m.organizationId)).toEqual(["acme", "beta", "delta", "epsilon", "gamma", "zeta"]);
    const eventsBefore = await storage.events.lastSequence();

    const erasure = await kit.users.erase(system, "jane");
    expect(erasure.alreadyErased).toBe(false);
    expect(erasure.membershipsEnded.map((m) => m.organizationId)).toEqual(["acme", "beta", "delta", "epsilon", "gamma", "zeta"]);
    expect(erasure.rulesRemoved.map((r) => r.id).sort()).toEqual(["rule-email", "rule-phone", "rule-username"]);
    expect(erasure.eventsScrubbed).toBeGreaterThan(0);
    // PostgreSQL's feed entries refer to their events (scrubbed in the events table) and hold no copies.
    if (target.name === "memory") expect(erasure.feedEntriesScrubbed).toBeGreaterThan(0);
    expect(erasure.keptShared).toEqual([]);
    expect(erasure.user).toMatchObject({ id: "jane", emails: [], phones: [], username: null, verifiedEmails: [], registered: false, usergroupIds: [], erasedAt: expect.any(String) });

    // Every row of every table, read straight from the backend: none of Jane's identities.
    const after = await inspect.dump!();
    expect(mentions(after, JANE_VALUES)).toEqual([]);
    expect(after).toContain(ERASED_MARKER);
    // And through the ports, the audit trail and the feed.
    const events = await storage.events.list({ limit: 1000 });
    const feed = (await kit.changes.since(0)).entries;
    expect(mentions(JSON.stringify(events) + JSON.stringify(feed), JANE_VALUES)).toEqual([]);

    // The history stays: the events about Jane keep her id, and say why her memberships ended.
    const aboutJane = events.filter((e) => e.data["userId"] === "jane");
    expect(aboutJane.filter((e) => e.type === "membership.added").map((e) => e.organizationId).sort()).toEqual(["acme", "beta", "delta", "epsilon", "gamma", "zeta"]);
    const ended = events.filter((e) => e.sequence > eventsBefore && e.type === "membership.removed");
    expect(ended.map((e) => [e.organizationId, e.data["reason"]]).sort()).toEqual(["acme", "beta", "delta", "epsilon", "gamma", "zeta"].map((o) => [o, "user_erased"]));
    const linkedByEmail = events.find((e) => e.type === "membership.added" && e.organizationId === "beta")!;
    expect(linkedByEmail.data).toMatchObject({ userId: "jane", rule: { kind: "email", value: ERASED_MARKER }, reason: { kind: "email", email: ERASED_MARKER } });
    expect(events.filter((e) => e.actor.id === "jane").map((e) => e.type)).toEqual(["user.created", "membership.added"]); // what she did, still hers
    expect(events.at(-1)).toMatchObject({ type: "user.erased", organizationId: null, actor: { type: "system" }, data: { userId: "jane", membershipsEnded: 6 } });
    // The feed's events are the trail's events, scrubbed alike.
    const trail = new Map(events.map((e) => [e.sequence, e]));
    for (const entry of feed) for (const event of entry.events) if (trail.has(event.sequence)) expect(event).toEqual(trail.get(event.sequence));

    // Everyone else is as before; the rules naming Jane are gone, the domain rule stays.
    expect(await kit.memberships.get(admin, "bob", "acme")).not.toBeNull();
    expect(await kit.memberships.get(admin, "carl", "epsilon")).not.toBeNull();
    expect((await kit.rules.list(admin, "acme")).map((r) => r.id)).toEqual(["rule-domain"]);
    for (const org of ["beta", "gamma", "delta"]) expect(await kit.rules.list(admin, org)).toEqual([]);
    expect((await kit.organizations.get(admin, "beta"))!.memberRules).toEqual([]);
    expect(await kit.memberships.listByUser(admin, "jane")).toEqual([]);

    // No rule links her again, and her id cannot come back with its old links.
    const readded = await kit.rules.add(admin, "acme", { kind: "username", value: "anything" });
    expect(readded.usersRelinked).toBe(0);
    expect(await kit.memberships.listByUser(admin, "jane")).toEqual([]);
    const reused = await rejects(kit.users.upsert(system, { id: "jane", emails: [{ value: JANE.email, verified: true }] }), "CONFLICT");
    expect(reused.details).toMatchObject({ reason: "erased", id: "jane" });
    expect((await rejects(kit.memberships.add(admin, { userId: "jane", organizationId: "acme" }), "CONFLICT")).details.reason).toBe("erased");
    expect(await kit.users.get(admin, "jane")).toEqual(erasure.user);
  });

  it("erase: invitations to the person's addresses, and the one it accepted, go too (the address appears nowhere)", async () => {
    const { kit, inspect } = await world(target);
    const accepted = await kit.invitations.create(admin, { organizationId: "beta", email: JANE.privateEmail });
    await kit.invitations.accept(accepted.token, "jane");
    await kit.invitations.create(admin, { organizationId: "gamma", email: JANE.privateEmail });
    await kit.invitations.create(admin, { organizationId: "delta", phone: JANE.phone });
    await kit.invitations.create(admin, { organizationId: "delta", email: "someone.else@mail.example" });
    expect(mentions(await inspect.dump!(), [JANE.privateEmail])).toEqual([JANE.privateEmail]);

    const erasure = await kit.users.erase(system, "jane");
    expect(erasure.invitationsDeleted).toBe(3);
    expect(mentions(await inspect.dump!(), JANE_VALUES)).toEqual([]);
    expect((await kit.invitations.list(admin, "delta")).map((i) => i.address)).toEqual(["someone.else@mail.example"]);
  });

  it("erase: another kit on the same storage follows it (memberships, groups and admin rights go)", async () => {
    const { storage, kit } = await world(target);
    const other = newKit(storage);
    expect(await other.can("jane", "portal.use")).toBe(true); // through Acme's linked group
    expect(await other.can("jane", "beta.use")).toBe(true); // her own group
    expect((await other.policy()).canManageUser("jane", "carl", "epsilon")).toBe(true);
    await kit.users.erase(system, "jane");
    const policy = await other.policy({ atLeast: kit.revision() });
    expect(policy.can("jane", "portal.use")).toBe(false);
    expect(policy.can("jane", "beta.use")).toBe(false);
    expect(policy.can("jane", "kb.read")).toBe(true); // Everyone, as any id
    expect(policy.canManageUser("jane", "carl", "epsilon")).toBe(false);
    expect(policy.canOnOrganization("jane", "read", "epsilon")).toBe(false);
  });

  it("erase: a value another user holds too stays where it is theirs as well; erasing again does nothing", async () => {
    const storage = await target.storage();
    const kit = newKit(storage);
    await kit.organizations.create(system, { id: "acme", name: "Acme" });
    await kit.rules.add(system, "acme", { id: "shared-rule", kind: "email", value: "support@acme.example" });
    for (const id of ["ann", "bea"]) await kit.users.upsert(system, { id, emails: [{ value: "support@acme.example", verified: true }, { value: `${id}@own.example`, verified: true }] });
    const erasure = await kit.users.erase(system, "ann");
    expect(erasure.keptShared).toEqual(["support@acme.example"]);
    expect(erasure.rulesRemoved).toEqual([]);
    expect((await kit.rules.list(system, "acme")).map((r) => r.id)).toEqual(["shared-rule"]);
    expect(await kit.memberships.get(system, "bea", "acme")).not.toBeNull();
    const dump = await target.inspect(storage).dump!();
    expect(mentions(dump, ["ann@own.example"])).toEqual([]);
    expect(mentions(dump, ["bea@own.example", "support@acme.example"])).toHaveLength(2);

    const revision = kit.revision();
    const again = await kit.users.erase(system, "ann");
    expect(again).toMatchObject({ alreadyErased: true, user: erasure.user, membershipsEnded: [], eventsScrubbed: 0 });
    expect(kit.revision()).toBe(revision);
  });

  it("erase: a failure halfway (the feed scrub) leaves nothing erased", async () => {
    const { storage, kit, inspect } = await world(target);
    const before = { ports: await dumpThroughPorts(storage), raw: await inspect.dump!(), revision: await storage.changes.latestRevision() };
    const failing = newKit(failingAtFeedScrub(storage));
    await rejects(failing.users.erase(system, "jane"), "STORAGE_FAILURE");
    expect(await dumpThroughPorts(storage)).toBe(before.ports);
    expect(await inspect.dump!()).toBe(before.raw);
    expect(await storage.changes.latestRevision()).toBe(before.revision);
    expect(mentions(await inspect.dump!(), JANE_VALUES)).toEqual(JANE_VALUES);
    expect((await kit.users.erase(system, "jane")).alreadyErased).toBe(false); // and it works once the storage does
  });

  it("erase: refusals and bad input write nothing", async () => {
    const { storage, kit } = await world(target);
    await kit.users.upsert(system, { id: "root", kind: "agent", platformRole: "super_admin" });
    await kit.users.upsert(system, { id: "admin2", kind: "agent", platformRole: "admin" });
    await kit.profiles.create(admin, { id: "editors", name: "Editors", organizations: { none: ["read", "edit", "delete"] } });
    await kit.users.upsert(admin, { id: "agent", kind: "agent", profileId: "editors" });
    const before = { ports: await dumpThroughPorts(storage), revision: await storage.changes.latestRevision() };
    // Jane is epsilon's org admin and an agent may edit every organization: neither erases anyone.
    for (const actor of [as("jane"), as("bob"), as("agent"), as("nobody")]) {
      const refused = await rejects(kit.users.erase(actor, "bob"), "FORBIDDEN");
      expect(refused.details).toMatchObject({ check: "canAdministerPlatform" });
    }
    await rejects(kit.users.erase(as("jane"), "jane"), "FORBIDDEN"); // not even herself: the host erases
    await rejects(kit.users.erase(admin, "root"), "FORBIDDEN"); // a platform admin's record needs a super admin
    const demoted = await rejects(kit.users.erase(admin, "admin2"), "FORBIDDEN"); // an admin cannot take another's role away by erasing it
    expect(demoted.details).toMatchObject({ check: "canGrantPlatformRoles" });
    await rejects(kit.users.erase(as("bob"), "no-such-user"), "FORBIDDEN"); // does not tell whether the id exists
    await rejects(kit.users.erase(admin, "no-such-user"), "NOT_FOUND");
    for (const bad of [" jane", "", 42, null, { id: "jane" }]) await rejects(kit.users.erase(system, bad as string), "VALIDATION_FAILED");
    await rejects(kit.users.erase({ type: "user", id: "admin " }, "jane"), "VALIDATION_FAILED");
    await rejects(kit.users.erase({ type: "robot" } as never, "jane"), "VALIDATION_FAILED");
    expect(await dumpThroughPorts(storage)).toBe(before.ports);
    expect(await storage.changes.latestRevision()).toBe(before.revision);
    expect((await kit.users.erase(as("root"), "admin2")).user).toMatchObject({ platformRole: null, erasedAt: expect.any(String) }); // a super admin may
    expect((await kit.users.erase(as("root"), "root")).user.erasedAt).toBeDefined();
  });

  it("export: the identities, memberships with provenance, effective groups and every event that concerns the user", async () => {
    const { kit } = await world(target);
    const data = await kit.users.export(system, "jane");
    expect(JSON.parse(JSON.stringify(data))).toEqual(data);
    expect(data).toMatchObject({ format: "orgkit.user-export", formatVersion: 1, exportedAt: expect.any(String) });
    expect(data.user).toMatchObject({ id: "jane", emails: [JANE.email, JANE.privateEmail], verifiedEmails: [JANE.email], phones: [JANE.phone], username: JANE.username });
    const byOrganization = new Map(data.memberships.map((m) => [m.organizationId, m]));
    expect([...byOrganization.keys()]).toEqual(["acme", "beta", "delta", "epsilon", "gamma", "zeta"]);
    expect(byOrganization.get("beta")).toMatchObject({ source: { type: "rule", ruleId: "rule-email" }, organization: { id: "beta", name: "Beta", status: "active" }, rule: { kind: "email", value: JANE.email } });
    expect(byOrganization.get("beta")!.reason).toContain(`email rule '${JANE.email}'`);
    expect(byOrganization.get("acme")).toMatchObject({ rule: { kind: "domain", value: "acme.example" } });
    expect(byOrganization.get("epsilon")).toMatchObject({ source: { type: "manual" }, role: "manager", admin: true, rule: null, reason: "Added by hand; role manager, organization admin." });
    expect(byOrganization.get("zeta")).toMatchObject({ organization: { status: "discontinued" } });
    expect(data.usergroups).toEqual([
      { id: "everyone", name: "Everyone", permissions: ["kb.read"], via: [{ type: "builtIn", builtIn: "everyone" }] },
      { id: "portal", name: "Portal", permissions: ["portal.use"], via: [{ type: "organization", organizationId: "acme" }] },
      { id: "testers", name: "Beta testers", permissions: ["beta.use"], via: [{ type: "direct" }] },
    ]);
    // Events about her and the one she did, by sequence; nothing about others alone.
    const sequences = data.events.map((e) => e.sequence);
    expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
    expect(data.events.every((e) => e.data["userId"] === "jane" || e.actor.id === "jane")).toBe(true);
    expect(data.events.filter((e) => e.actor.id === "jane").map((e) => [e.type, e.data["userId"]])).toEqual([["user.created", "carl"], ["membership.added", "carl"]]);
    expect(data.events.filter((e) => e.type === "membership.added" && e.data["userId"] === "jane")).toHaveLength(6);
    expect(data.events.filter((e) => e.type === "user.created" && e.data["userId"] === "jane")).toHaveLength(1);

    // After an erasure: the tombstone, nothing personal, the history kept.
    await kit.users.erase(system, "jane");
    const erased = await kit.users.export(admin, "jane");
    expect(erased.user.erasedAt).toBeDefined();
    expect(erased.memberships).toEqual([]);
    expect(erased.usergroups.map((g) => g.id)).toEqual(["everyone"]);
    expect(mentions(JSON.stringify(erased), JANE_VALUES)).toEqual([]);
    expect(erased.events.length).toBe(data.events.length + 7); // six memberships ended, and user.erased
  });

  it("export: refusals and bad input", async () => {
    const { kit } = await world(target);
    for (const actor of [as("jane"), as("bob"), as("nobody")]) await rejects(kit.users.export(actor, "jane"), "FORBIDDEN"); // not the user itself: the host answers its request
    await rejects(kit.users.export(as("bob"), "no-such-user"), "FORBIDDEN");
    await rejects(kit.users.export(admin, "no-such-user"), "NOT_FOUND");
    for (const bad of ["jane\n", "", 1, undefined]) await rejects(kit.users.export(system, bad as string), "VALIDATION_FAILED");
  });

  it("remove: a user without history is deleted and its id is free again; one with history is a CONFLICT", async () => {
    const { storage, kit } = await world(target);
    await kit.users.upsert(system, { id: "typo", emails: ["typo@nowhere.example"] });
    await kit.users.upsert(admin, { id: "typo", registered: true }); // edits of its own record are no history
    await kit.users.upsert(system, { id: "root", kind: "agent", platformRole: "super_admin" });
    await kit.users.upsert(system, { id: "admin2", kind: "agent", platformRole: "admin" });
    // Jane and Carl leave every organization: what happened to them stays history all the same.
    for (const org of ["acme", "beta", "delta", "epsilon", "gamma", "zeta"]) await storage.memberships.delete("jane", org);
    await storage.memberships.delete("carl", "epsilon");
    const before = { ports: await dumpThroughPorts(storage), revision: await storage.changes.latestRevision() };
    const members = await rejects(kit.users.remove(admin, "bob"), "CONFLICT");
    expect(members.details).toMatchObject({ reason: "has_history", id: "bob", memberships: 1 });
    const joined = await rejects(kit.users.remove(admin, "jane"), "CONFLICT");
    expect(joined.details).toMatchObject({ reason: "has_history", memberships: 0, event: { type: "membership.added" } });
    expect((await rejects(kit.users.remove(system, "carl"), "CONFLICT")).details).toMatchObject({ memberships: 0, event: { type: "membership.added" } });
    await rejects(kit.users.remove(as("jane"), "typo"), "FORBIDDEN");
    await rejects(kit.users.remove(as("bob"), "no-such-user"), "FORBIDDEN");
    await rejects(kit.users.remove(admin, "root"), "FORBIDDEN");
    await rejects(kit.users.remove(admin, "admin2"), "FORBIDDEN"); // its role would go: a super admin's call
    for (const bad of [" typo", "", 7, ["typo"]]) await rejects(kit.users.remove(system, bad as string), "VALIDATION_FAILED");
    expect(await kit.users.remove(admin, "no-such-user")).toBe(false);
    expect(await dumpThroughPorts(storage)).toBe(before.ports);
    expect(await storage.changes.latestRevision()).toBe(before.revision);
    const revision = kit.revision();

    const policy = await kit.policy();
    expect(await kit.users.remove(admin, "typo")).toBe(true);
    expect(await kit.users.get(admin, "typo")).toBeNull();
    expect(await storage.users.findMatching({ kind: "email", value: "typo@nowhere.example", includeSubdomains: false }, { after: null, limit: 10 })).toEqual([]);
    expect((await storage.events.list({ after: (await storage.events.lastSequence()) - 1, limit: 1 }))[0]).toMatchObject({ type: "user.removed", data: { userId: "typo" } });
    const [entry] = (await kit.changes.since(revision)).entries;
    expect(entry!.changes).toEqual([{ type: "user.remove", userId: "typo" }]);
    expect(policy.version).toBeLessThan((await kit.policy()).version);
    // The id is free: a new user of that id starts afresh.
    expect((await kit.users.upsert(system, { id: "typo" })).version).toBe(1);
    expect(await kit.users.remove(as("root"), "admin2")).toBe(true); // a super admin may
    // Removing admin2 was something root did: root has history now.
    expect((await rejects(kit.users.remove(system, "root"), "CONFLICT")).details).toMatchObject({ event: { type: "user.removed", sequence: expect.any(Number) } });
  });

  it("list: cursor pages of every user, or of an organization's members for those who manage them", async () => {
    const { kit } = await world(target);
    for (let i = 0; i < 7; i++) await kit.users.upsert(system, { id: `p${i}`, emails: [`p${i}@people.example`] });
    for (const id of ["p1", "p2", "p3"]) await kit.memberships.add(admin, { userId: id, organizationId: "epsilon" });
    const all: string[] = [];
    const sizes: number[] = [];
    for (let after: string | null = null; ; ) {
      const page = await kit.users.list(system, { after, limit: 4 });
      all.push(...page.items.map((u) => u.id));
      sizes.push(page.items.length);
      after = page.nextCursor;
      if (after === null) break;
      expect(after).toBe(page.items.at(-1)!.id);
    }
    expect(all).toEqual(["admin", "bob", "carl", "jane", "p0", "p1", "p2", "p3", "p4", "p5", "p6"]);
    expect(sizes).toEqual([4, 4, 3]);
    expect((await kit.users.list(admin)).items).toHaveLength(11); // default limit 100
    expect(await kit.users.list(admin, { limit: 1000 })).toEqual({ items: expect.any(Array), nextCursor: null }); // the largest page
    expect((await kit.users.list(admin, { organizationId: "epsilon", limit: 1000 })).items).toHaveLength(5);
    expect((await kit.users.list(admin, { limit: 11 })).nextCursor).toBeNull(); // a full last page says it is the last
    expect(await kit.users.list(admin, { after: "p6" })).toEqual({ items: [], nextCursor: null });

    // Jane administers Epsilon: she lists its members, a page at a time.
    const first = await kit.users.list(as("jane"), { organizationId: "epsilon", limit: 3 });
    expect(first.items.map((u) => u.id)).toEqual(["carl", "jane", "p1"]);
    expect(first.nextCursor).toBe("p1");
    const second = await kit.users.list(as("jane"), { organizationId: "epsilon", limit: 3, after: first.nextCursor });
    expect(second).toEqual({ items: [expect.objectContaining({ id: "p2" }), expect.objectContaining({ id: "p3" })], nextCursor: null });
    expect((await kit.users.list(admin, { organizationId: "epsilon", limit: 5 })).items.map((u) => u.id)).toEqual(["carl", "jane", "p1", "p2", "p3"]);
    // Others: an empty page for an organization they do not manage (or that does not exist), FORBIDDEN for everyone.
    expect(await kit.users.list(as("bob"), { organizationId: "epsilon" })).toEqual({ items: [], nextCursor: null });
    expect(await kit.users.list(as("jane"), { organizationId: "acme" })).toEqual({ items: [], nextCursor: null });
    expect(await kit.users.list(as("jane"), { organizationId: "no-such-org" })).toEqual({ items: [], nextCursor: null });
    await rejects(kit.users.list(as("jane")), "FORBIDDEN");
    await rejects(kit.users.list(as("nobody"), {}), "FORBIDDEN");
    for (const bad of [{ limit: 0 }, { limit: 1001 }, { limit: 2.5 }, { after: " p1" }, { after: 3 }, { organizationId: "" }, { page: 2 }, "all"]) {
      await rejects(kit.users.list(admin, bad as never), "VALIDATION_FAILED");
    }
  });
});
