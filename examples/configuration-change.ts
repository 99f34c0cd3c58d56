/**
 * One configuration per store: a deployment running with `membershipPolicy: "multiple"`
 * switches to `"single"`. The new kit refuses until its configuration is adopted; the
 * adoption first checks that the data fits (a user in two organizations does not), and
 * once it is fixed, records the new configuration — after which the old kit refuses.
 */
import { strict as assert } from "node:assert";
import { createOrgKit, isOrgKitError, SYSTEM_ACTOR, type ConfigurationProblem } from "../src/index.js";
import { memoryStorage } from "../src/adapters/memory/index.js";

const storage = memoryStorage();
const system = SYSTEM_ACTOR;

// Today's deployment: users may belong to several organizations.
const old = createOrgKit({ storage, config: { membershipPolicy: "multiple" } });
console.log("recorded:", await old.ready()); // { status: "recorded", fingerprint: "sha256:…" }
const acme = await old.organizations.create(system, { name: "Acme" });
const globex = await old.organizations.create(system, { name: "Globex" });
await old.users.upsert(system, { id: "jane" });
await old.memberships.add(system, { userId: "jane", organizationId: acme.id });
await old.memberships.add(system, { userId: "jane", organizationId: globex.id });

// The new configuration refuses to run on this store, and says why.
const next = createOrgKit({ storage, config: { membershipPolicy: "single" } });
try {
  await next.ready();
  assert.fail("a kit configured otherwise must refuse");
} catch (error) {
  assert.ok(isOrgKitError(error, "CONFIGURATION_MISMATCH"));
  console.log("refused:", error.details["differences"]); // [{ key: "membershipPolicy", stored: "multiple", kit: "single" }]
}

// Does the data fit? A dry run writes nothing.
try {
  await next.configuration.adopt(system, { dryRun: true });
  assert.fail("jane belongs to two organizations");
} catch (error) {
  assert.ok(isOrgKitError(error, "CONFIGURATION_INCOMPATIBLE"));
  const [problem] = error.details["problems"] as ConfigurationProblem[];
  console.log(`${problem!.message}: ${problem!.count}`, problem!.examples); // [{ userId: "jane", organizationIds: [...] }]
}

// Fix the data with the running kit, then adopt, expecting the configuration seen.
await old.memberships.remove(system, "jane", globex.id);
const seen = (await next.configuration.stored())!.fingerprint;
const adoption = await next.configuration.adopt(system, { from: seen });
console.log("adopted:", adoption.adopted, adoption.differences);
assert.equal((await next.ready()).status, "matched");

// The old configuration is refused from now on; the new one runs.
try {
  await old.memberships.add(system, { userId: "jane", organizationId: globex.id });
  assert.fail("the old kit must refuse");
} catch (error) {
  assert.ok(isOrgKitError(error, "CONFIGURATION_MISMATCH"));
}
await next.memberships.add(system, { userId: "jane", organizationId: globex.id }); // moves jane: one organization each
assert.deepEqual((await next.memberships.listByUser(system, "jane")).map((m) => m.organizationId), [globex.id]);
const adopted = (await next.events.list(system)).find((event) => event.type === "configuration.adopted");
assert.ok(adopted, "the adoption is in the audit trail");
console.log("audited:", adopted.type, adopted.data["from"], "→", adopted.data["to"]);
