/**
 * The main job on the embedded default (in-memory storage): build the Acme tree, add a
 * domain rule, upsert a user who is linked automatically, then check and explain
 * permissions. Run it with `npm run quickstart`.
 */
import { createOrgKit, SYSTEM_ACTOR } from "../src/index.js";
import { memoryStorage } from "../src/adapters/memory/index.js";

const kit = createOrgKit({ storage: memoryStorage(), config: { membershipPolicy: "single" } });
const system = SYSTEM_ACTOR;

// A platform admin, acting as a person (every use case is authorized).
await kit.users.upsert(system, { id: "admin", kind: "agent", emails: [{ value: "ops@platform.example", verified: true }], platformRole: "admin", registered: true });
const admin = { type: "user", id: "admin" } as const;

// 1. The Acme tree from the asset-platform docs.
const acme = await kit.organizations.create(admin, {
  name: "Acme Manufacturing",
  type: "customer",
  externalId: "CUST-001",
  address: { city: "Springfield", country: "us" },
  allowedRoles: ["member", "technician"],
  allowedApps: ["assets", "tickets"],
});
const east = await kit.organizations.create(admin, { name: "Acme East Region", parentId: acme.id });
const west = await kit.organizations.create(admin, { name: "Acme West Region", parentId: acme.id });
await kit.organizations.create(admin, { name: "Acme Boston Office", parentId: east.id });
await kit.organizations.create(admin, { name: "Acme New York Office", parentId: east.id });
await kit.organizations.create(admin, { name: "Acme LA Office", parentId: west.id });
await kit.organizations.create(admin, { name: "Acme Service Partners", parentId: acme.id });

const tree = await kit.organizations.tree(admin, acme.id);
const print = (node: NonNullable<typeof tree>, indent = ""): void => {
  console.log(`${indent}${node.organization.name}`);
  for (const child of node.children) print(child, `${indent}  `);
};
print(tree!);

// 2. An email-domain rule: everyone @acme.example belongs to Acme.
const { rule } = await kit.rules.add(admin, acme.id, { kind: "domain", value: "Acme.Example", includeSubdomains: true });
console.log(`\nrule: ${rule.kind} ${rule.value} (subdomains: ${rule.includeSubdomains})`);

// 3. A user signs up; the rule links it automatically.
await kit.users.upsert(system, { id: "jane", emails: [{ value: "Jane.Doe@mail.ACME.example", verified: true }], registered: true });
const why = await kit.memberships.explain(admin, "jane", acme.id);
console.log(`jane member of Acme: ${why.member} — ${why.reason}`);

// 4. Usergroups: linking Acme to "Premium Support" grants its members that group's permissions.
await kit.usergroups.create(admin, { id: "everyone", name: "Everyone", permissions: ["kb.read"], builtIn: "everyone" });
await kit.usergroups.create(admin, { id: "premium", name: "Premium Support", permissions: ["chat.support"] });
await kit.usergroups.linkOrganization(admin, acme.id, "premium");

console.log(`\njane can chat.support: ${await kit.can("jane", "chat.support")}`);
console.log(`guest can chat.support: ${await kit.can(null, "chat.support")}`);
console.log(`guest can kb.read: ${await kit.can(null, "kb.read")}`);
const decision = await kit.explain({ check: "can", subject: "jane", permission: "chat.support" });
console.log(`explain: ${decision.reason}`);

// 5. Org admins manage only their own organization.
await kit.users.upsert(system, { id: "carl", emails: [{ value: "carl@acme.example", verified: true }] });
await kit.memberships.setAdmin(admin, "carl", acme.id, true);
const carl = { type: "user", id: "carl" } as const;
await kit.users.upsert(carl, { id: "tom", emails: ["tom@contractor.example"] }, { organizationId: acme.id, role: "technician" });
try {
  await kit.memberships.add(carl, { userId: "tom", organizationId: east.id });
} catch (error) {
  console.log(`\ncarl adding tom to East Region: ${(error as { code: string }).code} (no rights over child organizations)`);
}

const events = await kit.events.list(admin, { organizationId: acme.id });
console.log(`\naudit trail for Acme: ${events.map((e) => e.type).join(", ")}`);
