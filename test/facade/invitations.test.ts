/**
 * Invitations through the facade, on memory, PGlite (and the server when ORGKIT_PG_URL is
 * set): invite → accept → explain, who may invite what, replacement, revocation, expiry,
 * the distinct codes of bad tokens (nothing written), the sender's authority re-checked at
 * acceptance, the `"single"` move, linking by the verified address in the same
 * transaction, one winner of two concurrent acceptances, tenants, and bad input.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createOrgKit, SYSTEM_ACTOR, type OrgKitConfigInput, type OrgKitErrorCode } from "../../src/index.js";
import { createTestClock } from "../../src/testing/test-clock.js";
import { createTestIds } from "../../src/testing/test-ids.js";
import { admin, as, rejects } from "./setup.js";
import { dumpThroughPorts, storageTargets, type StorageTarget } from "./storage-targets.js";
import type { Storage } from "../../src/storage/index.js";

const system = SYSTEM_ACTOR;
const carl = as("carl"); // org admin of acme
const DAY = 24 * 60 * 60 * 1000;
const targets = storageTargets();

/**
 * A kit with organizations `acme` (allowed roles member and technician; carl is its org
 * admin) and `globex`, a plain user `plain`, and an agent whose profile may read and edit
 * organizations without states.
 */
async function world(target: StorageTarget, config: OrgKitConfigInput = {}, given?: Storage) {
  const storage = given ?? (await target.storage());
  const clock = createTestClock();
  const kit = createOrgKit({ storage, clock: clock.now, ids: createTestIds(), config });
  await kit.users.upsert(system, { id: "admin", kind: "agent", platformRole: "admin", registered: true });
  await kit.organizations.create(admin, { id: "acme", name: "Acme", allowedRoles: ["member", "technician"] });
  await kit.organizations.create(admin, { id: "globex", name: "Globex" });
  await kit.users.upsert(system, { id: "carl", emails: [{ value: "carl@acme.example", verified: true }] });
  await kit.memberships.add(admin, { userId: "carl", organizationId: "acme", admin: true });
  await kit.users.upsert(admin, { id: "plain" });
  await kit.profiles.create(admin, { id: "editors", name: "Editors", organizations: { none: ["read", "edit"] } });
  await kit.users.upsert(admin, { id: "agent", kind: "agent", profileId: "editors" });
  return { kit, storage, clock };
}

/** Expects `promise` to fail with `code` and to have written nothing (no row, no event, no feed entry). */
async function refusedUnchanged<C extends OrgKitErrorCode>(storage: Storage, promise: () => Promise<unknown>, code: C) {
  const before = await dumpThroughPorts(storage);
  const revision = await storage.changes.latestRevision();
  const error = await rejects(promise(), code);
  expect(await dumpThroughPorts(storage), `${code}: something was written`).toBe(before);
  expect(await storage.changes.latestRevision()).toBe(revision);
  return error;
}

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

describe.each(targets)("invitations on $name", (target) => {
  it("invite → accept → explain: a new user gets the verified address and the membership says who invited whom and when", async () => {
    const { kit, storage } = await world(target);
    const { invitation, token } = await kit.invitations.create(carl, { organizationId: "acme", email: "Dana@Contractor.Example", role: "technician" });
    expect(token).toMatch(/^orgkit_inv_[A-Za-z0-9_-]{43}$/);
    expect(invitation).toMatchObject({
      organizationId: "acme",
      kind: "email",
      address: "dana@contractor.example",
      role: "technician",
      admin: false,
      invitedBy: carl,
      status: "pending",
      expired: false,
      endedAt: null,
      endedBy: null,
    });
    expect(Date.parse(invitation.expiresAt) - Date.parse(invitation.createdAt)).toBe(7 * DAY);
    expect(invitation).not.toHaveProperty("tokenHash");
    // Stored: the token's SHA-256 only.
    const stored = await storage.invitations!.get(invitation.id);
    expect(stored?.tokenHash).toBe(sha256(token));

    const accepted = await kit.invitations.accept(token, "dana");
    expect(accepted.invitation).toMatchObject({ id: invitation.id, status: "accepted", endedBy: { type: "user", id: "dana" } });
    expect(accepted.user).toMatchObject({ id: "dana", kind: "user", emails: ["dana@contractor.example"], verifiedEmails: ["dana@contractor.example"], registered: false });
    expect(accepted.membership).toMatchObject({
      userId: "dana",
      organizationId: "acme",
      role: "technician",
      admin: false,
      source: { type: "invitation", invitationId: invitation.id, invitedBy: carl, invitedAt: invitation.createdAt },
    });
    expect(await kit.memberships.get(admin, "dana", "acme")).toEqual(accepted.membership);
    const why = await kit.memberships.explain(carl, "dana", "acme");
    expect(why.member).toBe(true);
    expect(why.reason).toBe(`Joined by accepting invitation ${invitation.id}, sent by user carl at ${invitation.createdAt}; role technician.`);

    const events = (await kit.events.list(admin, { limit: 1000 })).filter((e) => e.type.startsWith("invitation.") || e.data["userId"] === "dana");
    expect(events.map((e) => [e.type, e.actor])).toEqual([
      ["invitation.created", carl],
      ["invitation.accepted", { type: "user", id: "dana" }],
      ["user.created", { type: "user", id: "dana" }],
      ["membership.added", { type: "user", id: "dana" }],
    ]);
    expect(events[1]!.data).toMatchObject({ invitationId: invitation.id, userId: "dana", invitedBy: carl, invitedAt: invitation.createdAt });
    // The token is nowhere: not in any row, event or feed entry.
    const everything = (await dumpThroughPorts(storage)) + JSON.stringify(await storage.changes.since(0, 1000));
    expect(everything).not.toContain(token);
    expect(everything).not.toContain(token.slice("orgkit_inv_".length));
    // The live policy saw the membership.
    expect((await kit.policy()).canOnOrganization("dana", "read", "acme")).toBe(true);
  });

  it("who may invite what: platform admins any role and the admin flag; org admins their organization's allowed roles only; nobody else", async () => {
    const { kit, storage } = await world(target);
    await kit.invitations.create(admin, { organizationId: "globex", email: "boss@globex.example", role: "owner", admin: true });
    await kit.invitations.create(carl, { organizationId: "acme", email: "a@x.example" });
    const refusals: [ReturnType<typeof as> | typeof admin, Parameters<typeof kit.invitations.create>[1]][] = [
      [carl, { organizationId: "acme", email: "b@x.example", role: "manager" }], // not an allowed role of acme
      [carl, { organizationId: "acme", email: "b@x.example", admin: true }], // designating admins is platform work
      [carl, { organizationId: "globex", email: "b@x.example" }], // not its organization
      [as("plain"), { organizationId: "acme", email: "b@x.example" }],
      [as("agent"), { organizationId: "acme", email: "b@x.example" }], // editing an organization is not managing its users
      [as("nobody"), { organizationId: "acme", email: "b@x.example" }],
    ];
    for (const [who, input] of refusals) await refusedUnchanged(storage, () => kit.invitations.create(who, input), "FORBIDDEN");
    // The refusal about an organization the actor may not read says only that.
    const hidden = await rejects(kit.invitations.create(as("plain"), { organizationId: "globex", email: "b@x.example" }), "FORBIDDEN");
    expect(hidden.details["reason"]).toBe("it may not read that organization");
    await refusedUnchanged(storage, () => kit.invitations.create(admin, { organizationId: "missing", email: "b@x.example" }), "NOT_FOUND");
  });

  it("an existing user: the address joins its identities as verified, and member rules link it by that address in the same transaction", async () => {
    const { kit, storage } = await world(target);
    await kit.rules.add(admin, "globex", { kind: "domain", value: "globex.example" });
    // Ann typed the address herself: unverified, so the rule does not link her.
    await kit.users.upsert(system, { id: "ann", emails: ["ann@home.example", "ann@globex.example"] });
    expect(await kit.memberships.listByUser(admin, "ann")).toEqual([]);
    const { token } = await kit.invitations.create(carl, { organizationId: "acme", email: "ANN@globex.example" });
    const revision = await storage.changes.latestRevision();
    const { user } = await kit.invitations.accept(token, "ann");
    expect(user.emails).toEqual(["ann@home.example", "ann@globex.example"]);
    expect(user.verifiedEmails).toEqual(["ann@globex.example"]);
    expect(user.version).toBe(2);
    expect((await kit.memberships.listByUser(admin, "ann")).map((m) => [m.organizationId, m.source.type])).toEqual([
      ["acme", "invitation"],
      ["globex", "rule"],
    ]);
    // One write: one feed entry with every event of it.
    const entries = await storage.changes.since(revision, 10);
    expect(entries).toHaveLength(1);
    expect(entries[0]!.events.map((e) => e.type)).toEqual(["invitation.accepted", "user.updated", "membership.added", "membership.added"]);
  });

  it("a phone invitation: normalized to E.164 and verified as a phone", async () => {
    const { kit } = await world(target, { defaultPhoneRegion: "US" });
    const { invitation, token } = await kit.invitations.create(admin, { organizationId: "acme", phone: "(415) 555-0100" });
    expect(invitation).toMatchObject({ kind: "phone", address: "+14155550100" });
    await kit.users.upsert(system, { id: "pat", phones: ["+1 415 555 0100"] });
    const { user } = await kit.invitations.accept(token, "pat");
    expect(user.phones).toEqual(["+14155550100"]);
    expect(user.verifiedPhones).toEqual(["+14155550100"]);
  });

  it("a member already takes the invited role and source; accepting never takes an admin flag away", async () => {
    const { kit } = await world(target);
    await kit.users.upsert(system, { id: "bo", emails: [{ value: "bo@acme.example", verified: true }] });
    await kit.memberships.add(admin, { userId: "bo", organizationId: "acme", admin: true });
    const { token } = await kit.invitations.create(admin, { organizationId: "acme", email: "bo@acme.example", role: "technician" });
    const { membership } = await kit.invitations.accept(token, "bo");
    expect(membership).toMatchObject({ role: "technician", admin: true, source: { type: "invitation" } });
    const events = await kit.events.list(admin, { organizationId: "acme", limit: 1000 });
    expect(events.at(-1)).toMatchObject({ type: "membership.source_changed", data: { userId: "bo", role: "technician", admin: true } });
  });

  it('"single" policy: accepting moves the user, also out of an organization the sender has no rights on (the invitee consented)', async () => {
    const { kit } = await world(target, { membershipPolicy: "single" });
    await kit.users.upsert(system, { id: "eve", emails: [{ value: "eve@globex.example", verified: true }] });
    await kit.memberships.add(admin, { userId: "eve", organizationId: "globex", role: "manager" });
    const { token } = await kit.invitations.create(carl, { organizationId: "acme", email: "eve@globex.example" });
    // carl could not have moved her directly:
    await rejects(kit.memberships.add(carl, { userId: "eve", organizationId: "acme" }), "FORBIDDEN");
    await kit.invitations.accept(token, "eve");
    expect((await kit.memberships.listByUser(admin, "eve")).map((m) => m.organizationId)).toEqual(["acme"]);
    const moved = (await kit.events.list(admin, { organizationId: "globex", limit: 1000 })).at(-1)!;
    expect(moved).toMatchObject({ type: "membership.removed", actor: { type: "user", id: "eve" }, data: { userId: "eve", reason: "moved", to: "acme" } });
  });

  it('"single" policy: accepting ends the rule memberships the verified address would otherwise keep', async () => {
    const { kit } = await world(target, { membershipPolicy: "single" });
    await kit.rules.add(admin, "globex", { kind: "domain", value: "globex.example" });
    await kit.users.upsert(system, { id: "gus", emails: [{ value: "gus@globex.example", verified: true }] });
    expect((await kit.memberships.listByUser(admin, "gus")).map((m) => m.organizationId)).toEqual(["globex"]);
    const { token } = await kit.invitations.create(carl, { organizationId: "acme", email: "gus@globex.example" });
    await kit.invitations.accept(token, "gus");
    expect((await kit.memberships.listByUser(admin, "gus")).map((m) => [m.organizationId, m.source.type])).toEqual([["acme", "invitation"]]);
  });

  it("a new invitation to the same address and organization replaces the old one, whose token then says so", async () => {
    const { kit, storage } = await world(target);
    const first = await kit.invitations.create(carl, { organizationId: "acme", email: "dana@x.example" });
    const other = await kit.invitations.create(carl, { organizationId: "acme", phone: "+1 415 555 0100" }); // another address
    await kit.invitations.create(admin, { organizationId: "globex", email: "dana@x.example" }); // another organization
    const second = await kit.invitations.create(admin, { organizationId: "acme", email: "DANA@x.example", role: "technician" });
    const pending = await kit.invitations.list(carl, "acme", { status: "pending" });
    expect(pending.map((i) => i.id).sort()).toEqual([other.invitation.id, second.invitation.id].sort());
    expect((await kit.invitations.list(carl, "acme", { status: "replaced" })).map((i) => [i.id, i.endedBy])).toEqual([[first.invitation.id, admin]]);
    const error = await refusedUnchanged(storage, () => kit.invitations.accept(first.token, "dana"), "INVITATION_REVOKED");
    expect(error.details).toEqual({ invitationId: first.invitation.id, reason: "replaced" });
    expect(error.message).not.toContain(first.token);
    expect((await kit.invitations.accept(second.token, "dana")).membership.role).toBe("technician");
    const events = await kit.events.list(admin, { organizationId: "acme", limit: 1000 });
    expect(events.filter((e) => e.type === "invitation.revoked").map((e) => e.data)).toEqual([{ invitationId: first.invitation.id, reason: "replaced" }]);
  });

  it("revoke: the token stops working; revoking again changes nothing; an accepted one cannot be revoked; only those who manage the organization's users revoke", async () => {
    const { kit, storage } = await world(target);
    const { invitation, token } = await kit.invitations.create(carl, { organizationId: "acme", email: "r@x.example" });
    for (const who of [as("plain"), as("agent"), as("nobody")]) await refusedUnchanged(storage, () => kit.invitations.revoke(who, invitation.id), "FORBIDDEN");
    const revoked = await kit.invitations.revoke(carl, invitation.id);
    expect(revoked).toMatchObject({ status: "revoked", endedBy: carl });
    const error = await refusedUnchanged(storage, () => kit.invitations.accept(token, "r"), "INVITATION_REVOKED");
    expect(error.details).toEqual({ invitationId: invitation.id, reason: "revoked" });
    const sequence = await storage.events.lastSequence();
    expect(await kit.invitations.revoke(admin, invitation.id)).toEqual(revoked);
    expect(await storage.events.lastSequence()).toBe(sequence);

    const second = await kit.invitations.create(admin, { organizationId: "globex", email: "s@x.example" });
    await refusedUnchanged(storage, () => kit.invitations.revoke(carl, second.invitation.id), "FORBIDDEN"); // not its organization
    await kit.invitations.accept(second.token, "s");
    await refusedUnchanged(storage, () => kit.invitations.revoke(admin, second.invitation.id), "INVITATION_USED");
    // An unknown id: NOT_FOUND for a platform admin, a refusal for anyone else (ids are not probed).
    await refusedUnchanged(storage, () => kit.invitations.revoke(admin, "inv_missing"), "NOT_FOUND");
    await refusedUnchanged(storage, () => kit.invitations.revoke(carl, "inv_missing"), "FORBIDDEN");
  });

  it("expiry: 7 days by default, the configured expiry, or the invitation's own; an expired token is INVITATION_EXPIRED and may still be revoked or replaced", async () => {
    const { kit, storage, clock } = await world(target, { invitationExpiryMs: 2 * DAY });
    const byConfig = await kit.invitations.create(carl, { organizationId: "acme", email: "a@x.example" });
    const ownExpiry = await kit.invitations.create(carl, { organizationId: "acme", email: "b@x.example", expiresInMs: 10 * DAY });
    expect(Date.parse(byConfig.invitation.expiresAt) - Date.parse(byConfig.invitation.createdAt)).toBe(2 * DAY);
    clock.advance(2 * DAY);
    const error = await refusedUnchanged(storage, () => kit.invitations.accept(byConfig.token, "a"), "INVITATION_EXPIRED");
    expect(error.details).toEqual({ invitationId: byConfig.invitation.id, expiresAt: byConfig.invitation.expiresAt });
    expect((await kit.invitations.list(carl, "acme")).map((i) => [i.id, i.status, i.expired])).toEqual([
      [byConfig.invitation.id, "pending", true],
      [ownExpiry.invitation.id, "pending", false],
    ]);
    await kit.invitations.accept(ownExpiry.token, "b");
    const renewed = await kit.invitations.create(carl, { organizationId: "acme", email: "a@x.example" });
    await kit.invitations.accept(renewed.token, "a");

    const { kit: byDefault, clock: defaultClock } = await world(target);
    const week = await byDefault.invitations.create(admin, { organizationId: "acme", email: "w@x.example" });
    defaultClock.advance(7 * DAY - 60_000);
    await byDefault.invitations.accept(week.token, "w");
    const late = await byDefault.invitations.create(admin, { organizationId: "acme", email: "late@x.example" });
    defaultClock.advance(7 * DAY);
    await rejects(byDefault.invitations.accept(late.token, "late"), "INVITATION_EXPIRED");
    expect(await byDefault.invitations.revoke(admin, late.invitation.id)).toMatchObject({ status: "revoked", expired: false });
  });

  it("a token admits once: the second acceptance is INVITATION_USED and writes nothing", async () => {
    const { kit, storage } = await world(target);
    const { invitation, token } = await kit.invitations.create(carl, { organizationId: "acme", email: "u@x.example" });
    await kit.invitations.accept(token, "u1");
    for (const user of ["u1", "u2"]) {
      const error = await refusedUnchanged(storage, () => kit.invitations.accept(token, user), "INVITATION_USED");
      expect(error.details).toEqual({ invitationId: invitation.id });
    }
  });

  it("an erased user's id cannot accept: CONFLICT (erased), nothing written, the invitation still pending", async () => {
    const { kit, storage } = await world(target);
    await kit.users.upsert(SYSTEM_ACTOR, { id: "gone", emails: ["gone@x.example"] });
    await kit.users.erase(SYSTEM_ACTOR, "gone");
    const { invitation, token } = await kit.invitations.create(carl, { organizationId: "acme", email: "gone@x.example" });
    const error = await refusedUnchanged(storage, () => kit.invitations.accept(token, "gone"), "CONFLICT");
    expect(error.details).toMatchObject({ reason: "erased" });
    expect((await storage.invitations!.get(invitation.id))!.status).toBe("pending");
    expect(await storage.memberships.listByUser("gone")).toEqual([]);
  });

  it("two acceptances of one token at the same moment: exactly one wins, the other is INVITATION_USED", async () => {
    const { kit, storage } = await world(target);
    const { token } = await kit.invitations.create(carl, { organizationId: "acme", email: "twice@x.example" });
    const outcomes = await Promise.allSettled([kit.invitations.accept(token, "first"), kit.invitations.accept(token, "second")]);
    const won = outcomes.filter((o) => o.status === "fulfilled");
    const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect((lost[0]!.reason as { code: string }).code).toBe("INVITATION_USED");
    const winner = (won[0] as PromiseFulfilledResult<{ user: { id: string } }>).value.user.id;
    const loser = winner === "first" ? "second" : "first";
    expect((await kit.memberships.listByOrganization(admin, "acme")).map((m) => m.userId)).toContain(winner);
    // The loser left nothing behind: no user, no membership, no event.
    expect(await kit.users.get(admin, loser)).toBeNull();
    expect((await storage.events.list({ limit: 1000 })).filter((e) => e.type === "invitation.accepted")).toHaveLength(1);
  });

  it("two invitations to the same address at the same moment: both are sent, one replaces the other, one stays pending", async () => {
    const { kit } = await world(target);
    const sent = await Promise.all([
      kit.invitations.create(admin, { organizationId: "acme", email: "race@x.example" }),
      kit.invitations.create(carl, { organizationId: "acme", email: "race@x.example", role: "technician" }),
    ]);
    const pending = await kit.invitations.list(admin, "acme", { status: "pending" });
    const replaced = await kit.invitations.list(admin, "acme", { status: "replaced" });
    expect(pending).toHaveLength(1);
    expect(replaced).toHaveLength(1);
    expect(sent.map((s) => s.invitation.id).sort()).toEqual([pending[0]!.id, replaced[0]!.id].sort());
    const live = sent.find((s) => s.invitation.id === pending[0]!.id)!;
    const dead = sent.find((s) => s.invitation.id === replaced[0]!.id)!;
    await rejects(kit.invitations.accept(dead.token, "race"), "INVITATION_REVOKED");
    await kit.invitations.accept(live.token, "race");
  });

  it("bad tokens: malformed, unknown, and another tenant's are INVITATION_INVALID, which says nothing about the token", async () => {
    const base = await target.storage();
    const { kit, storage } = await world(target, {}, base.forTenant!("tenant-a"));
    const { kit: neighbour } = await world(target, {}, base.forTenant!("tenant-b"));
    const { token: foreign } = await neighbour.invitations.create(admin, { organizationId: "acme", email: "x@x.example" });
    const unknown = `orgkit_inv_${"A".repeat(43)}`;
    for (const token of ["nope", `orgkit_inv_${"A".repeat(42)}`, `${foreign} `, unknown, foreign, foreign.toLowerCase()]) {
      const error = await refusedUnchanged(storage, () => kit.invitations.accept(token, "x"), "INVITATION_INVALID");
      expect(error.details).toEqual({});
      expect(error.message).not.toContain(token.trim());
    }
    // The neighbour's token still works there.
    await neighbour.invitations.accept(foreign, "x");
  });

  it("the sender's authority is checked again at acceptance: an invitation does not outlive it", async () => {
    const { kit, storage } = await world(target);
    const { token } = await kit.invitations.create(carl, { organizationId: "acme", email: "late@x.example" });
    await kit.memberships.setAdmin(admin, "carl", "acme", false);
    const error = await refusedUnchanged(storage, () => kit.invitations.accept(token, "late"), "FORBIDDEN");
    expect(error.details.actor).toEqual(carl);
    expect(error.message).not.toContain(token);
    // Given back, the same token works again (it was never spent).
    await kit.memberships.setAdmin(admin, "carl", "acme", true);
    await kit.invitations.accept(token, "late");

    // A platform admin's admin invitation needs a platform admin still.
    await kit.users.upsert(system, { id: "ops", kind: "agent", platformRole: "admin" });
    const boss = await kit.invitations.create(as("ops"), { organizationId: "globex", email: "boss@x.example", admin: true });
    await kit.users.upsert(system, { id: "ops", platformRole: null });
    await refusedUnchanged(storage, () => kit.invitations.accept(boss.token, "boss"), "FORBIDDEN");
    // The system actor's invitations stand on the host's authority.
    const bySystem = await kit.invitations.create(system, { organizationId: "globex", email: "sys@x.example", admin: true });
    expect((await kit.invitations.accept(bySystem.token, "sys")).membership).toMatchObject({ admin: true, source: { invitedBy: { type: "system", id: "system" } } });
  });

  it("a discontinued organization accepts no invitation and sends none", async () => {
    const { kit, storage } = await world(target);
    const { token } = await kit.invitations.create(carl, { organizationId: "acme", email: "d@x.example" });
    await kit.organizations.discontinue(admin, "acme");
    await refusedUnchanged(storage, () => kit.invitations.accept(token, "d"), "ORGANIZATION_DISCONTINUED");
    await refusedUnchanged(storage, () => kit.invitations.create(admin, { organizationId: "acme", email: "e@x.example" }), "ORGANIZATION_DISCONTINUED");
    await kit.organizations.reactivate(admin, "acme");
    await kit.invitations.accept(token, "d");
  });

  it("list: those who manage the organization's users, by id, a page at a time, optionally by state; others get nothing", async () => {
    const { kit } = await world(target);
    const ids: string[] = [];
    for (const name of ["a", "b", "c", "d"]) ids.push((await kit.invitations.create(carl, { organizationId: "acme", email: `${name}@x.example` })).invitation.id);
    await kit.invitations.revoke(carl, ids[1]!);
    expect((await kit.invitations.list(carl, "acme")).map((i) => i.id)).toEqual(ids);
    expect((await kit.invitations.list(admin, "acme", { limit: 2 })).map((i) => i.id)).toEqual(ids.slice(0, 2));
    expect((await kit.invitations.list(admin, "acme", { after: ids[1]!, limit: 2 })).map((i) => i.id)).toEqual(ids.slice(2));
    expect((await kit.invitations.list(carl, "acme", { status: "revoked" })).map((i) => i.id)).toEqual([ids[1]]);
    expect(JSON.stringify(await kit.invitations.list(carl, "acme"))).not.toContain("tokenHash");
    for (const who of [as("plain"), as("agent"), as("nobody")]) expect(await kit.invitations.list(who, "acme")).toEqual([]);
    expect(await kit.invitations.list(carl, "globex")).toEqual([]);
    expect(await kit.invitations.list(admin, "missing")).toEqual([]);
  });

  it("bad input is VALIDATION_FAILED (or the address's own code) with its path, before anything is written", async () => {
    const { kit, storage } = await world(target);
    const bad: [unknown, string, OrgKitErrorCode][] = [
      [{ organizationId: "acme" }, "email", "VALIDATION_FAILED"],
      [{ organizationId: "acme", email: "a@x.example", phone: "+14155550100" }, "email", "VALIDATION_FAILED"],
      [{ organizationId: "acme", email: "not an address" }, "email", "INVALID_EMAIL"],
      [{ organizationId: "acme", phone: "12" }, "phone", "INVALID_PHONE"],
      [{ organizationId: "acme", email: "a@x.example", role: "" }, "role", "VALIDATION_FAILED"],
      [{ organizationId: "acme", email: "a@x.example", admin: "yes" }, "admin", "VALIDATION_FAILED"],
      [{ organizationId: "acme", email: "a@x.example", expiresInMs: 59_999 }, "expiresInMs", "VALIDATION_FAILED"],
      [{ organizationId: "acme", email: "a@x.example", expiresInMs: 91 * DAY }, "expiresInMs", "VALIDATION_FAILED"],
      [{ organizationId: "acme", email: "a@x.example", expiresInMs: 1.5 * DAY + 0.5 }, "expiresInMs", "VALIDATION_FAILED"],
      [{ organizationId: "acme ", email: "a@x.example" }, "organizationId", "VALIDATION_FAILED"],
      [{ organizationId: "acme", email: "a@x.example", token: "mine" }, "", "VALIDATION_FAILED"],
      [{ organizationId: "acme", email: "a\u0000@x.example" }, "email", "VALIDATION_FAILED"],
      [null, "", "VALIDATION_FAILED"],
    ];
    for (const [input, path, code] of bad) {
      const error = await refusedUnchanged(storage, () => kit.invitations.create(admin, input as never), code);
      const details = error.details as { readonly issues?: readonly { path: string }[]; readonly path?: string };
      const paths = code === "VALIDATION_FAILED" ? details.issues!.map((i) => i.path) : [details.path];
      expect(paths, JSON.stringify(input)).toContain(path);
    }
    await refusedUnchanged(storage, () => kit.invitations.create({ type: "user" } as never, { organizationId: "acme", email: "a@x.example" }), "VALIDATION_FAILED");
    for (const [token, userId] of [[42, "u"], ["", "u"], ["x".repeat(257), "u"], [`orgkit_inv_${"A".repeat(43)}`, " u"], [`orgkit_inv_${"A".repeat(43)}`, 7], [undefined, "u"]] as const) {
      await refusedUnchanged(storage, () => kit.invitations.accept(token as never, userId as never), "VALIDATION_FAILED");
    }
    await refusedUnchanged(storage, () => kit.invitations.revoke(admin, "" as never), "VALIDATION_FAILED");
    for (const options of [{ status: "expired" }, { limit: 0 }, { limit: 1001 }, { after: 3 }, { sort: "id" }]) {
      await rejects(kit.invitations.list(admin, "acme", options as never), "VALIDATION_FAILED");
    }
    expect(() => createOrgKit({ storage, config: { invitationExpiryMs: 1000 } })).toThrow(/invitationExpiryMs/);
    expect(() => createOrgKit({ storage, config: { invitationExpiryMs: 91 * DAY } })).toThrow(/invitationExpiryMs/);
  });

  it("a storage without an invitations repository (an adapter written before them) refuses kit.invitations and nothing else", async () => {
    const { storage } = await world(target);
    const { invitations: _invitations, ...session } = storage;
    const legacy: Storage = { ...session, transaction: (fn) => storage.transaction(({ invitations: _omitted, ...rest }) => fn(rest)) };
    const kit = createOrgKit({ storage: legacy, clock: createTestClock().now, ids: createTestIds("legacy_") });
    const error = await rejects(kit.invitations.create(admin, { organizationId: "acme", email: "a@x.example" }), "STORAGE_FAILURE");
    expect(error.details).toMatchObject({ reason: "unsupported", repository: "invitations" });
    await kit.organizations.create(admin, { name: "Still works" });
  });
});
