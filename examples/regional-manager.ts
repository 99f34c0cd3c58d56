/**
 * Access that flows down the tree, by choice (in-memory storage): with `roles.manager`
 * and `admins` set to cascade, the manager of Acme East Region sees the tickets of every
 * office below it and the region's admin manages the offices' users — with `explain`
 * saying why — while a discontinued office stops the cascade below it and moving an
 * office moves what cascades into it. Without the configuration, each organization's
 * access stays its own, as the seed describes.
 *
 * Run: `npx tsx examples/regional-manager.ts`
 */
import { createOrgKit, isOrgKitError, SYSTEM_ACTOR, type OrgKitConfigInput } from "../src/index.js";
import { memoryStorage } from "../src/adapters/memory/index.js";

const system = SYSTEM_ACTOR;
const admin = { type: "user", id: "admin" } as const;
const manager = { type: "user", id: "maria" } as const; // manages Acme East Region
const regionalAdmin = { type: "user", id: "rafael" } as const; // administers Acme East Region

/** The seed's Acme tree, one deeper office, and the region's people. */
async function acme(config: OrgKitConfigInput) {
  const kit = createOrgKit({ storage: memoryStorage(), config });
  await kit.users.upsert(system, { id: "admin", kind: "agent", platformRole: "admin", registered: true });
  const create = (id: string, name: string, parentId?: string) =>
    kit.organizations.create(admin, { id, name, allowedRoles: ["member", "technician"], ...(parentId ? { parentId } : {}) });
  await create("acme", "Acme Manufacturing");
  await create("east", "Acme East Region", "acme");
  await create("boston", "Acme Boston Office", "east");
  await create("cambridge", "Acme Cambridge Lab", "boston");
  await create("new-york", "Acme New York Office", "east");
  await create("west", "Acme West Region", "acme");
  await create("la", "Acme LA Office", "west");
  for (const [userId, organizationId, role] of [
    ["maria", "east", "manager"],
    ["rafael", "east", "member"],
    ["bob", "boston", "member"],
    ["lea", "la", "member"],
  ] as const) {
    await kit.users.upsert(system, { id: userId, registered: true });
    await kit.memberships.add(admin, { userId, organizationId, role });
  }
  await kit.memberships.setAdmin(admin, "rafael", "east", true);
  return kit;
}

const names = async (kit: Awaited<ReturnType<typeof acme>>, actor: typeof manager) =>
  (await kit.organizations.search(actor, { limit: 100 })).items.map((o) => o.name).join(", ");

// 1. The seed's default: nothing flows down.
const independent = await acme({});
console.log("Without cascades, Maria reads:", await names(independent, manager));

// 2. Cascading manager role and admins.
const kit = await acme({
  roles: { manager: { seesOrganizationTickets: true, cascade: "descendants" } },
  admins: { cascade: "descendants" },
});
console.log("With cascades, Maria reads:   ", await names(kit, manager));

const policy = await kit.policy();
const ticket = { requesterId: "bob", organizationId: "boston" };
console.log(`\nMaria may view a Boston ticket: ${policy.canViewTicket("maria", ticket)}`);
console.log(`  why: ${policy.explain({ check: "canViewTicket", subject: "maria", ticket }).reason}`);
console.log(`Maria may view an LA ticket: ${policy.canViewTicket("maria", { requesterId: "lea", organizationId: "la" })}`);
console.log("Maria's ticket filter (for the host's ticket query):", JSON.stringify(policy.subject("maria").ticketReadFilter()));

// 3. The regional admin manages the offices' users, within each office's allowed roles.
await kit.users.upsert(regionalAdmin, { id: "tina" }, { organizationId: "cambridge", role: "technician" });
console.log(`\nRafael added tina to Cambridge Lab as ${(await kit.memberships.get(admin, "tina", "cambridge"))?.role}`);
console.log(`  why: ${(await kit.explain({ check: "canManageUser", subject: "rafael", targetUserId: "tina", organizationId: "cambridge" })).reason}`);
try {
  await kit.memberships.remove(regionalAdmin, "lea", "la");
} catch (error) {
  if (!isOrgKitError(error)) throw error;
  console.log(`Rafael may not touch LA: ${error.code}`);
}

// 4. Reporting: what Maria sees under her region, with a figure per office.
const openTickets = new Map([["east", 2], ["boston", 5], ["cambridge", 1], ["new-york", 3], ["la", 8]]);
const report = await kit.organizations.rollUp(manager, "east", { value: (o) => openTickets.get(o.id) ?? 0 });
console.log(`\nOpen tickets in Maria's region: ${report?.total} over ${report?.count} organizations`);

// 5. A discontinued office stops the cascade below it; reactivating restores it.
await kit.organizations.discontinue(admin, "boston");
const closed = await kit.policy();
console.log(`\nBoston discontinued — Maria may view a Cambridge ticket: ${closed.canViewTicket("maria", { requesterId: "tina", organizationId: "cambridge" })}`);
console.log(`  why not: ${closed.explain({ check: "canViewTicket", subject: "maria", ticket: { requesterId: "tina", organizationId: "cambridge" } }).reason}`);
await kit.organizations.reactivate(admin, "boston");

// 6. Moving an office moves what cascades into it, at once.
await kit.organizations.setParent(admin, "la", "east");
console.log(`\nLA moved under East — Maria reads: ${await names(kit, manager)}`);
