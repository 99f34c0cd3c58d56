/**
 * Merging a duplicate organization, on the in-memory storage: two CRM imports created
 * "Acme Corporation" twice. Preview the merge, merge the duplicate into the survivor,
 * and follow the redirects (a lookup by the duplicate's id or external id, and a later
 * import row that still names it). Run it with `npx tsx examples/merge-organizations.ts`;
 * docs/lifecycle-merge.md walks through it.
 */
import { createOrgKit, isOrgKitError, SYSTEM_ACTOR } from "../src/index.js";
import { memoryStorage } from "../src/adapters/memory/index.js";

const kit = createOrgKit({
  storage: memoryStorage(),
  config: { membershipPolicy: "multiple", customFields: [{ key: "tier", type: "select", options: ["gold", "silver"] }, { key: "accountManager", type: "text" }] },
});
await kit.users.upsert(SYSTEM_ACTOR, { id: "admin", kind: "agent", platformRole: "admin", registered: true });
const admin = { type: "user", id: "admin" } as const;

// Two records of one customer: Acme (CRM id CRM-1) and a duplicate from another import (CRM-77).
const acme = await kit.organizations.create(admin, { id: "acme", name: "Acme Corporation", externalId: "CRM-1", tags: ["key account"], customFields: { tier: "gold" } });
const duplicate = await kit.organizations.create(admin, { id: "acme-corp", name: "ACME Corp.", externalId: "CRM-77", tags: ["EMEA"], customFields: { tier: "silver", accountManager: "Dana" } });
await kit.organizations.create(admin, { id: "acme-berlin", name: "Acme Berlin", parentId: duplicate.id });
await kit.rules.add(admin, duplicate.id, { kind: "domain", value: "acme.example" });
await kit.users.upsert(SYSTEM_ACTOR, { id: "jane", emails: [{ value: "jane@acme.example", verified: true }] }); // joins the duplicate by its rule
await kit.users.upsert(SYSTEM_ACTOR, { id: "omar" });
await kit.memberships.add(admin, { userId: "omar", organizationId: acme.id, role: "manager" });
await kit.memberships.add(admin, { userId: "omar", organizationId: duplicate.id, role: "member", admin: true });
await kit.resources.assign(admin, { kind: "asset", id: "laptop-7", organizationId: duplicate.id });

// 1. What would move, and what would clash (nothing is written).
const [seenDuplicate, seenSurvivor] = [await kit.organizations.get(admin, duplicate.id), await kit.organizations.get(admin, acme.id)];
const preview = await kit.organizations.previewMerge(admin, duplicate.id, acme.id);
console.log("would move:", preview.moved);
for (const conflict of preview.conflicts) console.log("conflict:", JSON.stringify(conflict));

// 2. The merge, in one transaction; the versions read before the preview guard against a change made since.
const result = await kit.organizations.merge(admin, duplicate.id, acme.id, {
  expectedDuplicateVersion: seenDuplicate!.version,
  expectedSurvivorVersion: seenSurvivor!.version,
});
console.log("survivor:", result.survivor.name, result.survivor.tags, result.survivor.customFields);
console.log("jane:", (await kit.memberships.explain(admin, "jane", acme.id)).reason);
console.log("omar keeps the survivor's membership:", (await kit.memberships.get(admin, "omar", acme.id))?.role);
console.log("laptop-7 belongs to:", (await kit.resources.get(admin, "asset", "laptop-7"))?.organizationId === acme.id ? "Acme Corporation" : "?");
console.log("Acme Berlin's parent:", (await kit.organizations.get(admin, "acme-berlin"))?.parentId === acme.id ? "Acme Corporation" : "?");

// 3. The duplicate redirects: lookups by its id or external id answer the survivor.
const found = await kit.organizations.get(admin, duplicate.id);
if (found && found.id !== duplicate.id) console.log(`${duplicate.id} now redirects to ${found.name}`);
console.log("by CRM-77:", (await kit.organizations.getByExternalId(admin, "CRM-77"))?.name);
const tombstone = await kit.organizations.get(admin, duplicate.id, { followMerges: false });
console.log("the duplicate itself:", tombstone?.status, "mergedInto the survivor:", tombstone?.mergedInto === acme.id);

// An import that still names CRM-77 updates the survivor; it does not bring the duplicate back.
const imported = await kit.organizations.import(admin, [{ externalId: "CRM-77", name: "Acme Corporation", industry: "Manufacturing" }]);
console.log("import row CRM-77:", imported.rows[0]?.status, imported.rows[0]?.id === acme.id ? "(the survivor)" : "");

// A merged organization takes no more changes.
try {
  await kit.organizations.reactivate(admin, duplicate.id);
} catch (error) {
  if (isOrgKitError(error, "CONFLICT")) console.log("reactivate the duplicate:", error.code, error.details.reason);
}
