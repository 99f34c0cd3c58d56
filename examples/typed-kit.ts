/**
 * A typed kit: the host declares its vocabulary once with `defineConfig` — permissions,
 * roles, organization types, states and custom fields — and the kit is typed by it: a
 * misspelled name fails `tsc` (the lines marked `@ts-expect-error` below), custom fields
 * come back with their declared types. At run time the kit refuses the same names with
 * `VALIDATION_FAILED` and the path of the field (shown below with casts, as a request
 * body typed `any` would reach it). See docs/typed-kits.md.
 */
import { strict as assert } from "node:assert";
import { createOrgKit, defineConfig, isOrgKitError, SYSTEM_ACTOR } from "../src/index.js";
import { memoryStorage } from "../src/adapters/memory/index.js";

const config = defineConfig({
  permissions: ["portal.tickets.create", "portal.tickets.view", "kb.advanced"],
  // The built-in `member` and `manager` are always declared; an entry may carry the role's rule.
  roles: ["technician", { name: "manager", cascade: "descendants" }],
  organizationTypes: ["customer", "partner"],
  states: ["service", "outreach"],
  customFields: [
    { key: "tier", type: "select", options: ["gold", "silver"], required: true },
    { key: "seats", type: "number" },
  ],
});

const kit = createOrgKit({ storage: memoryStorage(), config });
const system = SYSTEM_ACTOR;

const acme = await kit.organizations.create(system, { name: "Acme", type: "customer", states: ["service"], customFields: { tier: "gold", seats: 40 } });
const tier: "gold" | "silver" = acme.customFields.tier; // typed by its declared options
const seats: number | undefined = acme.customFields.seats;
console.log(acme.name, acme.type, acme.states, tier, seats); // Acme customer [ 'service' ] gold 40

await kit.usergroups.create(system, { name: "Portal users", permissions: ["portal.tickets.create", "portal.tickets.view"], builtIn: "registered" });
await kit.users.upsert(system, { id: "jane", registered: true });
const membership = await kit.memberships.add(system, { userId: "jane", organizationId: acme.id, role: "manager" });
console.log(membership.role, await kit.can("jane", "portal.tickets.create")); // manager true

// Each of these fails the type check…
// @ts-expect-error "portal.tickts.create" is not a declared permission
const typo = () => kit.can("jane", "portal.tickts.create");
// @ts-expect-error "custmer" is not a declared organization type
const custmer = () => kit.organizations.create(system, { name: "Globex", type: "custmer", customFields: { tier: "silver" } });
// @ts-expect-error "manger" is not a declared role
const manger = () => kit.memberships.setRole(system, "jane", acme.id, "manger");

// …and is refused at run time, naming the field, with nothing written.
for (const [what, attempt] of [["permission", typo], ["organization type", custmer], ["role", manger]] as const) {
  try {
    await attempt();
    assert.fail(`a misspelled ${what} must be refused`);
  } catch (error) {
    assert.ok(isOrgKitError(error, "VALIDATION_FAILED"));
    console.log(`${what}:`, error.details.issues[0]?.path, "-", error.details.issues[0]?.message);
  }
}
// permission: permission - 'portal.tickts.create' is not a declared permission (portal.tickets.create, portal.tickets.view, kb.advanced)
// organization type: type - Invalid option: expected one of "customer"|"partner"
// role: role - 'manger' is not a declared role (member, manager, technician)
assert.equal((await kit.memberships.get(system, "jane", acme.id))?.role, "manager");
