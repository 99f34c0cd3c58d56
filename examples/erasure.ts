/**
 * A person's data under the GDPR: export what orgkit holds about a user (articles 15 and
 * 20), erase it (article 17) and check with the raw inspector that the address is in no
 * stored row any more, page through users, and remove a user created by mistake. The
 * snippets of docs/lifecycle-erasure.md, on the in-memory storage:
 *
 *   npx tsx examples/erasure.ts
 */
import assert from "node:assert/strict";
import { createOrgKit, isOrgKitError, SYSTEM_ACTOR } from "../src/index.js";
import { memoryStorage, memoryInspector } from "../src/adapters/memory/index.js";

const storage = memoryStorage();
const kit = createOrgKit({ storage, config: { membershipPolicy: "multiple" } });
const admin = { type: "user", id: "admin" } as const;
await kit.users.upsert(SYSTEM_ACTOR, { id: "admin", kind: "agent", platformRole: "admin" });
const acme = await kit.organizations.create(admin, { name: "Acme Manufacturing" });
await kit.rules.add(admin, acme.id, { kind: "domain", value: "acme.example" });
const vip = await kit.organizations.create(admin, { name: "Acme VIP desk" });
await kit.rules.add(admin, vip.id, { kind: "email", value: "jane@acme.example" }); // a rule naming one person
await kit.users.upsert(SYSTEM_ACTOR, { id: "u-8f3a", emails: [{ value: "jane@acme.example", verified: true }], phones: ["+1 623 434 8050"] });

// --- Export (articles 15 and 20): everything orgkit holds about the user, as JSON.
const data = await kit.users.export(SYSTEM_ACTOR, "u-8f3a");
console.log(`export: ${data.user.emails.join(", ")}; member of ${data.memberships.map((m) => m.organization?.name).join(", ")}; ${data.events.length} events`);
console.log(`  why in the VIP desk: ${data.memberships.find((m) => m.organizationId === vip.id)!.reason}`);
const json = JSON.stringify(data, null, 2); // hand this to the person
assert.ok(json.includes("jane@acme.example"));

// --- Erase (article 17): one transaction, nothing personal left behind.
const erasure = await kit.users.erase(SYSTEM_ACTOR, "u-8f3a");
console.log(`erase: ended ${erasure.membershipsEnded.length} memberships, removed ${erasure.rulesRemoved.length} rule, scrubbed ${erasure.eventsScrubbed} events and ${erasure.feedEntriesScrubbed} feed entries`);
console.log(`  the tombstone: ${JSON.stringify({ id: erasure.user.id, emails: erasure.user.emails, erasedAt: erasure.user.erasedAt })}`);

// Every stored row of every table, read straight from the storage: the address is gone.
const rows = await memoryInspector(storage).dump!();
assert.equal(rows.includes("jane@acme.example"), false);
assert.equal(rows.includes("+16234348050"), false);
const [linked] = (await kit.events.list(admin, { limit: 100 })).filter((e) => e.type === "membership.added" && e.organizationId === vip.id);
console.log(`  the history stays: ${linked!.type} of ${String(linked!.data["userId"])}, reason ${JSON.stringify(linked!.data["reason"])}`);

// The id cannot come back with its old links.
try {
  await kit.users.upsert(SYSTEM_ACTOR, { id: "u-8f3a", emails: ["jane@acme.example"] });
} catch (error) {
  if (!isOrgKitError(error, "CONFLICT")) throw error;
  console.log(`  reusing the id: ${error.code} (${String(error.details["reason"])})`);
}

// --- List, a page at a time.
for (const id of ["u-1", "u-2", "u-3"]) await kit.users.upsert(SYSTEM_ACTOR, { id });
const ids: string[] = [];
for (let after: string | null = null; ; ) {
  const page = await kit.users.list(admin, { after, limit: 2 });
  ids.push(...page.items.map((user) => user.id));
  if ((after = page.nextCursor) === null) break;
}
console.log(`list: ${ids.join(", ")}`);
// An org admin lists its organization's users:
await kit.users.upsert(SYSTEM_ACTOR, { id: "u-boss", emails: [{ value: "boss@acme.example", verified: true }] });
await kit.memberships.setAdmin(admin, "u-boss", acme.id, true);
const members = await kit.users.list({ type: "user", id: "u-boss" }, { organizationId: acme.id });
console.log(`  ${acme.name}'s users, for its org admin: ${members.items.map((user) => user.id).join(", ")}`);

// --- Remove a user with no history (created by mistake); one with history is a CONFLICT.
assert.equal(await kit.users.remove(admin, "u-3"), true);
const kept = await kit.users.remove(admin, "u-8f3a").catch((error: unknown) => error);
console.log(`remove: u-3 removed; u-8f3a refused: ${isOrgKitError(kept, "CONFLICT") ? `${kept.code} (${kept.details.reason})` : "?"}`);
