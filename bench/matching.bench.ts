/**
 * Member matching: the compiled matcher vs a naive linear scan over the same rules,
 * side by side in one process. 100,000 rules (50 k domains — a third with
 * includeSubdomains —, 30 k emails, 10 k usernames, 10 k phones) over 20,000
 * organizations; 1,000,000 email identities in raw spelling (a quarter in mixed case),
 * so normalization is part of every match: 20 % hit an email rule, 40 % a domain rule
 * (exact host or subdomain), 40 % nothing (free-mail and unknown domains).
 * Run: `npx tsx bench/matching.bench.ts` (or `npm run bench -- matching`).
 *
 * Cases (ops/s): emailMatch (match one email identity, normalization included);
 * naiveEmailMatch (the reference scan over all 100 k rules, on a 1,000-identity sample);
 * usernameMatch, phoneMatch (libphonenumber parses each phone: far slower), lookupKeys
 * (what a database-backed service computes per person), addRemove (one rule added and
 * removed again: no rebuild). Also the compile time of 100 k rules and one timed pass
 * over all 1,000,000 identities. Before measuring, both implementations are checked to
 * return the same result on the sample.
 */
import { isDeepStrictEqual } from "node:util";
import { compileMatcher, createMemberRule, identityLookupKeys, type Identity, type MemberRule } from "../src/domain/matching/index.js";
import { naiveMatch } from "../test/matching/naive-scan.js";
import { consume, measure, report, rng, timeMs } from "./harness.js";

const ORGANIZATIONS = 20_000;
const DOMAIN_RULES = 50_000;
const EMAIL_RULES = 30_000;
const USERNAME_RULES = 10_000;
const PHONE_RULES = 10_000;
const IDENTITIES = 1_000_000;
const NAIVE_SAMPLE = 1_000;
const OPTIONS = { rounds: 5, roundMs: 200, warmupMs: 200 } as const;
const NORMALIZE = { defaultRegion: "US" } as const;

const random = rng(20260301);
const pick = (n: number) => Math.floor(random() * n);
const organization = () => `org_${pick(ORGANIZATIONS).toString(36).padStart(4, "0")}`;
const mixedCase = (value: string) => value.replace(/[a-z]/g, (c) => (random() < 0.3 ? c.toUpperCase() : c));

// --- rules, created (and normalized) as a host would --------------------------------
const TLDS = ["com", "net", "io", "co.uk", "de", "com.au", "example"];
const rules: MemberRule[] = [];
let ruleId = 0;
const add = (kind: MemberRule["kind"], value: string, includeSubdomains = false) =>
  rules.push(createMemberRule({ id: `rule_${(ruleId++).toString(36)}`, organizationId: organization(), kind, value, includeSubdomains }, NORMALIZE));

const ruleDomains: string[] = [];
for (let i = 0; i < DOMAIN_RULES; i++) {
  const domain = `company${i.toString(36)}.${TLDS[i % TLDS.length]}`;
  ruleDomains.push(domain);
  add("domain", domain, i % 3 === 0);
}
const ruleEmails: string[] = [];
for (let i = 0; i < EMAIL_RULES; i++) {
  const email = `person${i.toString(36)}@mail${(i % 5000).toString(36)}.example.org`;
  ruleEmails.push(email);
  add("email", email);
}
for (let i = 0; i < USERNAME_RULES; i++) add("username", `user_${i.toString(36)}`);
// Valid US numbers: real area codes, exchanges 200–999 (never 555).
const AREA_CODES = [212, 213, 305, 310, 312, 415, 602, 617, 623, 646, 702, 713, 718, 808, 917];
const rulePhones: string[] = [];
for (let i = 0; rulePhones.length < PHONE_RULES; i++) {
  const exchange = 200 + (i % 800);
  if (exchange === 555) continue;
  const phone = `(${AREA_CODES[i % AREA_CODES.length]}) ${exchange}-${String(Math.floor(i / 800) % 10000).padStart(4, "0")}`;
  rulePhones.push(phone);
  add("phone", phone);
}

// --- identities: raw, as they arrive in tickets and sign-ups --------------------------
const FREE_MAIL = ["gmail.com", "outlook.com", "yahoo.com", "hotmail.co.uk"];
const identities: Identity[] = new Array(IDENTITIES);
for (let i = 0; i < IDENTITIES; i++) {
  const r = random();
  let email: string;
  if (r < 0.2) email = ruleEmails[pick(EMAIL_RULES)]!;
  else if (r < 0.6) {
    const domain = ruleDomains[pick(DOMAIN_RULES)]!;
    email = `u${pick(1e6).toString(36)}@${random() < 0.3 ? "mail." : ""}${domain}`;
  } else if (r < 0.8) email = `someone${pick(1e6).toString(36)}@${FREE_MAIL[pick(FREE_MAIL.length)]}`;
  else email = `x${pick(1e6).toString(36)}@unknown${pick(1e5).toString(36)}.${TLDS[pick(TLDS.length)]}`;
  identities[i] = { emails: [random() < 0.25 ? mixedCase(email) : email] };
}
const usernameIdentities: Identity[] = Array.from({ length: 4096 }, () => ({ username: random() < 0.5 ? `User_${pick(USERNAME_RULES).toString(36)}` : `nobody${pick(1e6)}` }));
const phoneIdentities: Identity[] = Array.from({ length: 4096 }, () => ({ phones: [random() < 0.5 ? rulePhones[pick(PHONE_RULES)]! : `+1 415 ${200 + pick(700)} ${String(pick(10000)).padStart(4, "0")}`] }));

// --- compile ---------------------------------------------------------------------------
const compileMs = timeMs(() => compileMatcher(rules, NORMALIZE), 5);
const matcher = compileMatcher(rules, NORMALIZE);

// --- the two implementations agree on the sample ----------------------------------------
const sample = Array.from({ length: NAIVE_SAMPLE }, () => identities[pick(IDENTITIES)]!);
for (const identity of sample) {
  const fast = matcher.match(identity);
  const slow = naiveMatch(rules, identity, NORMALIZE);
  if (!isDeepStrictEqual(fast.matches.map((m) => [m.organizationId, m.rule.id]), slow.matches.map((m) => [m.organizationId, m.rule.id]))) {
    throw new Error(`matcher and naive scan disagree on ${JSON.stringify(identity)}`);
  }
}

// --- one pass over all identities ---------------------------------------------------------
let matched = 0;
const passStart = performance.now();
for (let i = 0; i < IDENTITIES; i++) if (matcher.match(identities[i]!).matches.length > 0) matched++;
const matchAllMs = performance.now() - passStart;

// --- measured cases ------------------------------------------------------------------------
const emailMatch = measure((i) => matcher.match(identities[i % IDENTITIES]!), 1, OPTIONS);
const naiveEmailMatch = measure((i) => naiveMatch(rules, sample[i % NAIVE_SAMPLE]!, NORMALIZE), 1, { rounds: 3, roundMs: 300, warmupMs: 100 });
const usernameMatch = measure((i) => matcher.match(usernameIdentities[i & 4095]!), 1, OPTIONS);
const phoneMatch = measure((i) => matcher.match(phoneIdentities[i & 4095]!), 1, OPTIONS);
const lookupKeys = measure((i) => identityLookupKeys(identities[i % IDENTITIES]!, NORMALIZE), 1, OPTIONS);
const extra = Array.from({ length: 4096 }, (_, i) =>
  createMemberRule({ id: `extra_${i}`, organizationId: "org_extra", kind: "domain", value: `extra${i}.example.net`, includeSubdomains: true }),
);
const addRemove = measure(
  (i) => {
    const rule = extra[i & 4095]!;
    matcher.add(rule);
    return matcher.remove(rule.id);
  },
  1,
  OPTIONS,
);
consume(matched);

report(
  "matching",
  { emailMatch, naiveEmailMatch, usernameMatch, phoneMatch, lookupKeys, addRemove },
  { emailMatchVsNaive: emailMatch / naiveEmailMatch },
  {
    compileMs: Number(compileMs.toFixed(1)),
    rules: rules.length,
    identities: IDENTITIES,
    matchAllMs: Math.round(matchAllMs),
    matchedShare: Number((matched / IDENTITIES).toFixed(3)),
  },
);
