/**
 * Domain proof: Acme proves it controls acme.example (a TXT record), so its domain rule
 * links people under `domainRules.proof: "required"` and no other organization can claim
 * the domain. A fake resolver stands in for DNS; in production, leave `dns` out and orgkit
 * asks `node:dns/promises`. Run with `npx tsx examples/domain-proof.ts`.
 */
import { createOrgKit, isOrgKitError, SYSTEM_ACTOR, type TxtResolver } from "../src/index.js";
import { memoryStorage } from "../src/adapters/memory/index.js";

// What "the internet" publishes: record name → TXT records.
const zone = new Map<string, string[][]>();
const dns: TxtResolver = { resolveTxt: async (name) => zone.get(name) ?? [] };

const kit = createOrgKit({ storage: memoryStorage(), dns, config: { domainRules: { proof: "required" } } });
const admin = SYSTEM_ACTOR;

const acme = await kit.organizations.create(admin, { name: "Acme Manufacturing" });
const squat = await kit.organizations.create(admin, { name: "Squatters Ltd" });
const { rule } = await kit.rules.add(admin, acme.id, { kind: "domain", value: "acme.example", includeSubdomains: true });
await kit.users.upsert(admin, { id: "ann", emails: [{ value: "ann@eu.acme.example", verified: true }] });

// Unproven, the rule links nobody.
console.log("before:", (await kit.memberships.listByUser(admin, "ann")).length, "memberships");

// 1. What to publish.
const challenge = await kit.rules.domainChallenge(admin, acme.id, rule.id);
console.log(`publish: ${challenge.name} TXT "${challenge.value}"`);

// 2. A check before the record is there fails, and says why (a result, not an error).
const early = await kit.rules.proveDomain(admin, acme.id, rule.id);
if (!early.proven) console.log("not yet:", early.reason);

// 3. Publish, prove: ann joins Acme in the same write.
zone.set(challenge.name, [[challenge.value]]);
const result = await kit.rules.proveDomain(admin, acme.id, rule.id);
if (!result.proven) throw new Error(`expected a proof, got ${result.reason}`);
console.log("proven by", result.proof.method, "- users relinked:", result.usersRelinked);
console.log("ann is in:", (await kit.memberships.listByUser(admin, "ann")).map((m) => m.organizationId === acme.id ? "Acme" : m.organizationId));
console.log((await kit.memberships.explain(admin, "ann", acme.id)).reason);

// 4. Nobody else may claim the domain or a name under it now.
try {
  await kit.rules.add(admin, squat.id, { kind: "domain", value: "eu.acme.example" });
} catch (error) {
  if (!isOrgKitError(error, "RULE_CONFLICT")) throw error;
  console.log("refused:", error.code, error.details["reason"]);
}
