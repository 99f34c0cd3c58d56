/**
 * A helpdesk end to end on in-memory storage: organizations with member rules, users
 * linked automatically as they write in, an organization manager who sees every ticket
 * of the organization, agents whose staff profile decides by organization state, and a
 * usergroup linked to an organization. Run with `npx tsx examples/helpdesk.ts`.
 */
import { createOrgKit, SYSTEM_ACTOR, type Actor } from "../src/index.js";
import { memoryStorage } from "../src/adapters/memory/index.js";
import { createTestClock, createTestIds } from "../src/testing/index.js";

const kit = createOrgKit({
  storage: memoryStorage(),
  clock: createTestClock("2026-11-24T09:00:00.000Z").now,
  ids: createTestIds(),
  config: { defaultPhoneRegion: "US", membershipPolicy: "multiple" },
});
const system = SYSTEM_ACTOR;
await kit.users.upsert(system, { id: "lead", kind: "agent", platformRole: "admin", registered: true });
const lead: Actor = { type: "user", id: "lead" };

// Organizations and their member rules (SmarterTrack's example).
const smarter = await kit.organizations.create(lead, { name: "SmarterTools Inc", states: ["service"], contact: { website: "https://smartertools.com" } });
await kit.rules.add(lead, smarter.id, { kind: "domain", value: "smartertools.com" });
await kit.rules.add(lead, smarter.id, { kind: "phone", value: "(623) 434-8050" });
const example = await kit.organizations.create(lead, { name: "Example Ltd", states: ["service", "opportunities"] });
await kit.rules.add(lead, example.id, { kind: "email", value: "jsmith@example.com" });
await kit.rules.add(lead, example.id, { kind: "email", value: "jdoe@example.co.uk" });

// Staff: a support profile may read and edit Service organizations, read (not edit) Service+Opportunities ones.
await kit.profiles.create(lead, {
  id: "support",
  name: "Support",
  organizations: { service: ["read", "edit"], "service+opportunities": ["read"] },
  notes: { editOwn: true, deleteOwn: true },
});
await kit.users.upsert(lead, { id: "agent-ann", kind: "agent", profileId: "support", registered: true });

// Requesters arrive by email and phone; the rules link them.
interface Ticket {
  readonly id: string;
  readonly requesterId: string;
  readonly organizationId: string | null;
  readonly subject: string;
}
const tickets: Ticket[] = [];
async function inbound(requesterId: string, identity: { emails?: string[]; phones?: string[] }, subject: string): Promise<void> {
  // Member rules link verified identities only. Here the mail pipeline vouches for the
  // sender (SPF/DKIM passed) and the phone system for the caller id, so the host marks them verified.
  const verified = (values: string[] | undefined) => values?.map((value) => ({ value, verified: true }));
  await kit.users.upsert(system, {
    id: requesterId,
    registered: true,
    ...(identity.emails ? { emails: verified(identity.emails) } : {}),
    ...(identity.phones ? { phones: verified(identity.phones) } : {}),
  });
  const memberships = await kit.memberships.listByUser(system, requesterId);
  const organizationId = memberships[0]?.organizationId ?? null;
  tickets.push({ id: `T${tickets.length + 1}`, requesterId, organizationId, subject });
  const org = organizationId ? (await kit.organizations.get(system, organizationId))!.name : "(no organization)";
  console.log(`${subject.padEnd(28)} from ${requesterId.padEnd(6)} -> ${org}`);
}
await inbound("mia", { emails: ["Mia@SmarterTools.com"] }, "License renewal");
await inbound("caller", { phones: ["+1 623-434-8050"] }, "Phone: server down");
await inbound("js", { emails: ["jsmith@example.com"] }, "Invoice question");
await inbound("anon", { emails: ["someone@gmail.com"] }, "Where is my order?");

// Mia becomes SmarterTools' organization manager: she sees every ticket of her organization.
await kit.memberships.setRole(lead, "mia", smarter.id, "manager");
const policy = await kit.policy();
console.log("\nTickets Mia may view:", tickets.filter((t) => policy.canViewTicket("mia", t)).map((t) => t.id).join(", "));
console.log("Tickets the caller may view:", tickets.filter((t) => policy.canViewTicket("caller", t)).map((t) => t.id).join(", "));

// The agent's profile decides by the organization's exact state combination.
for (const org of [smarter, example]) {
  const actions = (["read", "edit", "delete"] as const).filter((a) => policy.canOnOrganization("agent-ann", a, org.id));
  console.log(`agent-ann on ${org.name} [${org.states.join("+")}]: ${actions.join(", ") || "nothing"}`);
}
const why = policy.explain({ check: "canOnOrganization", subject: "agent-ann", action: "edit", organization: example.id });
console.log(`why not edit Example Ltd: ${why.reason}`);
console.log(`agent-ann may edit her own note: ${policy.canEditNote("agent-ann", { organizationId: smarter.id, authorId: "agent-ann" })}`);
console.log(`agent-ann may edit another's note: ${policy.canEditNote("agent-ann", { organizationId: smarter.id, authorId: "lead" })}`);

// Usergroups: SmarterTools' people get priority chat through a linked group.
await kit.usergroups.create(lead, { id: "everyone", name: "Everyone", permissions: ["portal.browse"], builtIn: "everyone" });
await kit.usergroups.create(lead, { id: "vip", name: "VIPs", permissions: ["chat.support"] });
await kit.usergroups.linkOrganization(lead, smarter.id, "vip");
console.log(`\ncaller can chat.support: ${await kit.can("caller", "chat.support")}; anon: ${await kit.can("anon", "chat.support")}`);

// Discontinuing keeps history; the audit trail shows what happened.
await kit.organizations.discontinue(lead, example.id);
const trail = await kit.events.list(lead, { organizationId: example.id });
console.log(`\nExample Ltd audit trail: ${trail.map((e) => e.type).join(", ")}`);
