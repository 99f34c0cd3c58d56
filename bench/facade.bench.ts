/**
 * Facade throughput on memory storage: creating 100,000 organizations (authorized as a
 * platform admin, validated, audited), search pages over them, and user upserts that
 * auto-link against 10,000 member rules.
 */
import { createOrgKit, SYSTEM_ACTOR } from "../src/index.js";
import { memoryStorage } from "../src/adapters/memory/index.js";
import { median, report, timeMsAsync } from "./harness.js";

const ORGS = Number(process.env.BENCH_FACADE_ORGS ?? 100_000);
const RULES = 10_000;
const kit = createOrgKit({ storage: memoryStorage() });
await kit.users.upsert(SYSTEM_ACTOR, { id: "admin", kind: "agent", platformRole: "admin" });
const admin = { type: "user", id: "admin" } as const;

// 1. createOrganization: sequential creates, as a host would issue them.
const types = ["customer", "oem", "distributor", "sales"];
const batchRates: number[] = [];
let created = 0;
const ids: string[] = [];
while (created < ORGS) {
  const batch = Math.min(10_000, ORGS - created);
  const t0 = performance.now();
  for (let i = 0; i < batch; i++) {
    const n = created + i;
    const organization = await kit.organizations.create(admin, {
      name: `Organization ${n}`,
      type: types[n % 4],
      tags: n % 10 === 0 ? ["key"] : [],
      states: n % 3 === 0 ? ["service"] : [],
      ...(n >= 1000 && n % 7 === 0 ? { parentId: ids[n % 1000] } : {}),
    });
    ids.push(organization.id);
  }
  batchRates.push(batch / ((performance.now() - t0) / 1000));
  created += batch;
}
const createOrganization = median(batchRates);

// 2. searchPage: a filtered, sorted first page with its total, then a cursor page.
const queries = [
  { text: "organization 12", limit: 50 },
  { types: ["oem"], tags: ["key"], limit: 50, sort: "updatedAt" as const },
  { states: ["service"], limit: 50, sort: "name" as const, direction: "desc" as const },
];
let q = 0;
const searchMs = await timeMsAsync(async () => {
  const query = queries[q++ % queries.length]!;
  const first = await kit.organizations.search(admin, query);
  return kit.organizations.search(admin, { ...query, cursor: first.nextCursor });
}, 15);
const searchPage = 2000 / searchMs; // two pages per timed run

// 3. upsertUserAutoLink: 10k rules (domains and emails), then new users who match.
for (let i = 0; i < RULES; i++) {
  const owner = ids[i * 7 % ids.length]!;
  if (i % 2 === 0) await kit.rules.add(SYSTEM_ACTOR, owner, { kind: "domain", value: `company${i}.example` });
  else await kit.rules.add(SYSTEM_ACTOR, owner, { kind: "email", value: `contact${i}@partner${i}.example` });
}
const upsertRates: number[] = [];
let userNo = 0;
for (let round = 0; round < 5; round++) {
  const t0 = performance.now();
  for (let i = 0; i < 2000; i++, userNo++) {
    const r = (userNo * 13) % RULES;
    const email = r % 2 === 0 ? `user${userNo}@company${r}.example` : `contact${r}@partner${r}.example`;
    await kit.users.upsert(SYSTEM_ACTOR, { id: `u${userNo}`, emails: [{ value: email, verified: true }], registered: true });
  }
  upsertRates.push(2000 / ((performance.now() - t0) / 1000));
}
const upsertUserAutoLink = median(upsertRates);
const linked = (await kit.memberships.listByUser(SYSTEM_ACTOR, "u0")).length;
if (linked !== 1) throw new Error(`auto-link failed: u0 has ${linked} memberships`);

report("facade", { createOrganization, searchPage, upsertUserAutoLink }, {}, { organizations: ORGS, rules: RULES, searchPageMs: Number((searchMs / 2).toFixed(2)) });
