/**
 * Routing inbound emails and calls to organizations with `orgkit/matching`, the reason
 * shown for each. Rules come from the SmarterTrack seed (SmarterTools by domain and
 * phone; Example Ltd by two exact addresses) plus a few that show the guards and the
 * subdomain rules. Run with `npx tsx examples/email-routing.ts`.
 */
import {
  compileMatcher,
  createMemberRule,
  describeMatch,
  identityLookupKeys,
  type Identity,
  type MemberRuleInput,
} from "../src/domain/matching/index.js";
import { isOrgKitError } from "../src/index.js";

const NAMES: Record<string, string> = {
  org_smartertools: "SmarterTools Inc",
  org_example: "Example Ltd",
  org_acme: "Acme Manufacturing",
  org_acme_eu: "Acme Europe",
  org_books: "Bücher GmbH",
};

// Phones written without +country code are read as US numbers; use the same options
// for rules, the matcher and lookup keys.
const options = { defaultRegion: "US" } as const;

const inputs: MemberRuleInput[] = [
  { id: "r1", organizationId: "org_smartertools", kind: "domain", value: "smartertools.com" },
  { id: "r2", organizationId: "org_smartertools", kind: "phone", value: "(623) 434-8050" },
  { id: "r3", organizationId: "org_example", kind: "email", value: "jsmith@example.com" },
  { id: "r4", organizationId: "org_example", kind: "email", value: "jdoe@example.co.uk" },
  { id: "r5", organizationId: "org_acme", kind: "domain", value: "acme.com", includeSubdomains: true },
  { id: "r6", organizationId: "org_acme_eu", kind: "domain", value: "eu.acme.com", includeSubdomains: true },
  { id: "r7", organizationId: "org_books", kind: "domain", value: "Bücher.example" },
  // Refused: a free-mail provider would lump every Gmail customer together …
  { id: "r8", organizationId: "org_acme", kind: "domain", value: "gmail.com" },
  // … and a public suffix every company in the UK.
  { id: "r9", organizationId: "org_example", kind: "domain", value: "co.uk" },
];

console.log("== rules");
const rules = [];
for (const input of inputs) {
  try {
    const rule = createMemberRule(input, options);
    rules.push(rule);
    console.log(`${rule.id}  ${NAMES[rule.organizationId]}: ${rule.kind} ${rule.value}${rule.includeSubdomains ? " (and subdomains)" : ""}`);
  } catch (error) {
    if (!isOrgKitError(error)) throw error;
    console.log(`${input.id}  refused, ${error.code}: ${error.message}`);
  }
}

const matcher = compileMatcher(rules, options);

const inbound: { channel: string; from: Identity }[] = [
  { channel: "email", from: { emails: ["Support@SmarterTools.com"] } },
  { channel: "call", from: { phones: ["623.434.8050"] } },
  { channel: "email", from: { emails: ["JSmith@Example.com"] } },
  { channel: "email", from: { emails: ["management@example.com"] } },
  { channel: "email", from: { emails: ["jdoe@example.co.uk"], phones: ["+1 623-434-8050"] } },
  { channel: "email", from: { emails: ["lena@lyon.eu.acme.com"] } },
  { channel: "email", from: { emails: ["sam@mail.acme.com"] } },
  { channel: "email", from: { emails: ["sam@notacme.com"] } },
  { channel: "email", from: { emails: ["info@bücher.example"] } },
  { channel: "chat", from: { emails: ["not-an-address", "ann@gmail.com"], phones: ["n/a"] } },
];

console.log("\n== inbound");
for (const { channel, from } of inbound) {
  const { matches, skipped } = matcher.match(from);
  const who = [...(from.emails ?? []), ...(from.phones ?? [])].join(", ");
  const best = matches[0];
  console.log(`${channel} from ${who}`);
  console.log(`  → ${best ? `${NAMES[best.organizationId]}: ${describeMatch(best)}` : "no organization"}`);
  for (const other of matches.slice(1)) console.log(`    also ${NAMES[other.organizationId]}: ${describeMatch(other)}`);
  for (const part of skipped) console.log(`    skipped ${part.field}[${part.index}] ${JSON.stringify(part.value)}: ${part.reason}`);
}

// A database-backed service looks up only the rules that could match one person.
console.log("\n== lookup keys for lena@lyon.eu.acme.com");
for (const key of identityLookupKeys({ emails: ["lena@lyon.eu.acme.com"] }, options).keys) console.log(`  ${key.kind} ${key.value}`);

// Before adding a rule, see whom it would move.
console.log("\n== preview: Acme claims the SmarterTools number");
const preview = matcher.preview(
  createMemberRule({ id: "r10", organizationId: "org_acme", kind: "phone", value: "623-434-8050" }, options),
  inbound.map((message) => message.from),
);
console.log(`  refused under the "reject" policy: ${preview.rejected} (conflicts with ${preview.conflicts.map((r) => r.id).join(", ")})`);
for (const change of preview.joining) console.log(`  would join ${NAMES[change.organizationId]}: ${[...(change.person.emails ?? []), ...(change.person.phones ?? [])].join(", ")}`);
