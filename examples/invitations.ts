/**
 * Invitations on the embedded default (in-memory storage): an org admin invites a
 * contractor's address with a role, the host accepts the invitation once the person has
 * signed in, and `explain` says who invited whom and when. Then what a token refuses:
 * a second use, a replaced invitation, an expired one.
 *
 *   npx tsx examples/invitations.ts
 */
import { createOrgKit, isOrgKitError, SYSTEM_ACTOR } from "../src/index.js";
import { memoryStorage } from "../src/adapters/memory/index.js";
import { createTestClock } from "../src/testing/index.js";

const clock = createTestClock("2026-03-02T09:00:00.000Z"); // a clock the example can move forward
const kit = createOrgKit({ storage: memoryStorage(), clock: clock.now, config: { membershipPolicy: "single" } });
const system = SYSTEM_ACTOR;

// A platform admin, Acme (whose admins may give the roles member and technician), and Carl, Acme's org admin.
await kit.users.upsert(system, { id: "admin", kind: "agent", platformRole: "admin" });
const admin = { type: "user", id: "admin" } as const;
const acme = await kit.organizations.create(admin, { name: "Acme Manufacturing", allowedRoles: ["member", "technician"] });
await kit.users.upsert(system, { id: "carl", emails: [{ value: "carl@acme.example", verified: true }] });
await kit.memberships.add(admin, { userId: "carl", organizationId: acme.id, admin: true });
const carl = { type: "user", id: "carl" } as const;

// 1. Carl invites a contractor. The token comes back once: send it (a link, a code); orgkit keeps its SHA-256 only.
const { invitation, token } = await kit.invitations.create(carl, { organizationId: acme.id, email: "Dana@Contractor.example", role: "technician" });
console.log(`invited ${invitation.address} as ${invitation.role}, until ${invitation.expiresAt}`);
console.log(`link: https://helpdesk.example/join?token=${token.slice(0, 16)}…`);

// 2. Dana follows the link and signs up; the host, having authenticated her as user "dana", accepts.
const accepted = await kit.invitations.accept(token, "dana");
console.log(`dana's verified emails: ${accepted.user.verifiedEmails.join(", ")}`);
console.log(`membership: ${accepted.membership.role} of ${acme.name} (source ${accepted.membership.source.type})`);

// 3. Why is she a member?
const why = await kit.memberships.explain(carl, "dana", acme.id);
console.log(`explain: ${why.reason}`);

// 4. What a token refuses, each with its own code (and nothing written).
const codeOf = async (attempt: Promise<unknown>) => attempt.then(() => "accepted", (error) => (isOrgKitError(error) ? error.code : "?"));
console.log(`the same token again: ${await codeOf(kit.invitations.accept(token, "dana"))}`);
const first = await kit.invitations.create(carl, { organizationId: acme.id, email: "eli@contractor.example" });
await kit.invitations.create(carl, { organizationId: acme.id, email: "eli@contractor.example", role: "technician" }); // replaces the first
console.log(`a replaced invitation: ${await codeOf(kit.invitations.accept(first.token, "eli"))}`);
const late = await kit.invitations.create(carl, { organizationId: acme.id, email: "fay@contractor.example" });
clock.advance(8 * 24 * 60 * 60 * 1000); // default expiry: 7 days
console.log(`after 8 days: ${await codeOf(kit.invitations.accept(late.token, "fay"))}`);
console.log(`not a token: ${await codeOf(kit.invitations.accept("orgkit_inv_guessed", "fay"))}`);

// 5. The audit trail (no token, no address in it).
const events = await kit.events.list(admin, { organizationId: acme.id });
console.log(`audit: ${events.map((e) => e.type).join(", ")}`);
console.log(`pending for Acme: ${(await kit.invitations.list(carl, acme.id, { status: "pending" })).map((i) => `${i.address}${i.expired ? " (expired)" : ""}`).join(", ")}`);
