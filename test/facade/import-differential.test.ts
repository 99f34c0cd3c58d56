/**
 * Issue 13, "Bulk ingestion through the facade": the import works in sets, and answers
 * exactly as it did row by row. Each scenario seeds two identical storages, imports the
 * same 2,000 random rows — parents in random order, stored parents, missing ones, loops,
 * moves of stored organizations (some closing a loop through stored data), renames onto
 * taken names, invalid rows, platform-only fields, states an agent may not hold — with
 * the row-by-row implementation of before (`row-by-row-import.ts`) on one and the facade
 * on the other, and compares every row's outcome, the stored organizations and the audit
 * trail.
 *
 * What may differ, and is left out of the comparison: generated ids (compared through
 * the external ids they belong to), and timestamps (a per-row import now commits chunks
 * of rows, each at its transaction's time).
 */
import { describe, expect, it } from "vitest";
import { createOrgKit, SYSTEM_ACTOR, type ImportResult } from "../../src/index.js";
import { memoryStorage } from "../../src/adapters/memory/index.js";
import { loadAuthorization } from "../../src/service/authorization.js";
import { resolveOrgKitConfig, type OrgKitConfigInput } from "../../src/service/config.js";
import { createRuntime } from "../../src/service/runtime.js";
import { createTestClock } from "../../src/testing/test-clock.js";
import { createTestIds } from "../../src/testing/test-ids.js";
import { createRowByRowImport } from "./row-by-row-import.js";
import { storageTargets, withoutSetMethods } from "./storage-targets.js";
import type { Storage } from "../../src/storage/index.js";

const admin = { type: "user", id: "admin" } as const;
const agent = { type: "user", id: "agent" } as const;
const STATES = ["service", "outreach", "opportunities"] as const;

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Scenario {
  readonly seed: number;
  readonly size: number;
  readonly config: OrgKitConfigInput;
  readonly actor: typeof admin | typeof agent;
  /** How many rows are meant to fail (0: a clean batch, which all-or-nothing must write). */
  readonly faults: "none" | "some";
}

/** Stored organizations S0…S(n-1) (n = size / 4, at least 200): a random forest, some discontinued; then the rows of the batch. */
function generate(scenario: Scenario) {
  const random = rng(scenario.seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const chance = (p: number) => random() < p;
  const storedCount = Math.max(200, scenario.size / 4);
  const faulty = scenario.faults === "some";
  // What a clean batch of the agent's holds: "service" organizations only (the one combination it may read and edit).
  const agentClean = scenario.actor === agent && !faulty;
  const stored: { externalId: string; name: string; parent: string | null; states: string[]; discontinued: boolean }[] = [];
  const depth: number[] = [];
  const maxDepth = scenario.config.maxDepth ?? Infinity;
  for (let i = 0; i < storedCount; i++) {
    let parent = i > 0 && chance(0.8) ? Math.floor(random() * i) : null;
    // The stored forest respects the depth limit (the seeding import checks it).
    while (parent !== null && depth[parent]! + 1 > maxDepth) parent = parent > 0 && chance(0.7) ? Math.floor(random() * parent) : null;
    depth.push(parent === null ? 0 : depth[parent]! + 1);
    stored.push({
      externalId: `S${i}`,
      name: `Stored ${i}`,
      parent: parent === null ? null : `S${parent}`,
      states: agentClean ? ["service"] : scenario.actor === agent ? (chance(0.85) ? ["service"] : ["opportunities"]) : STATES.filter(() => chance(0.3)),
      discontinued: faulty && chance(0.05),
    });
  }
  const newCount = Math.floor(scenario.size * 0.85);
  const rows: Record<string, unknown>[] = [];
  for (let i = 0; i < newCount; i++) {
    const row: Record<string, unknown> = { externalId: `N${i}`, name: `New ${i}` };
    const p = random();
    if (p < 0.15) row["parentExternalId"] = null;
    else if (p < 0.2) {
      // omitted: a root too
    }
    // Another new row, anywhere in the batch; a clean batch names only earlier-generated ones (no loops; the shuffle mixes the order).
    else if (p < 0.65) row["parentExternalId"] = `N${Math.floor(random() * (faulty ? newCount : Math.max(i, 1)))}`;
    else if (p < 0.95 || !faulty) row["parentExternalId"] = `S${Math.floor(random() * storedCount)}`;
    else row["parentExternalId"] = chance(0.5) ? `MISSING-${i}` : `N${i}`;
    if (row["parentExternalId"] === `N${i}` && !faulty) row["parentExternalId"] = null;
    if (agentClean) row["states"] = ["service"];
    else if (chance(0.3)) row["states"] = STATES.filter(() => chance(0.4));
    if (chance(0.2)) row["tags"] = ["Key", "key", "eu"];
    if (chance(0.1)) row["address"] = { city: "Springfield", country: faulty && chance(0.2) ? "Atlantis" : "US" };
    if (faulty && chance(0.01)) row["name"] = "";
    if (faulty && chance(0.02)) row["name"] = `Stored ${Math.floor(random() * storedCount)}`; // a taken name
    if (faulty && chance(0.01)) row["name"] = `New ${Math.floor(random() * newCount)}`; // maybe taken by another new row
    if ((faulty || scenario.actor === admin) && chance(0.01)) row["usergroupIds"] = [faulty && chance(0.3) ? "no-such-group" : "staff"];
    if (faulty && i > 0 && chance(0.005)) row["externalId"] = `N${Math.floor(random() * i)}`; // a repeated external id
    rows.push(row);
  }
  const isBelow = (k: number, ancestor: number): boolean => {
    for (let at = stored[k]!.parent; at !== null; at = stored[Number(at.slice(1))]!.parent) if (at === `S${ancestor}`) return true;
    return false;
  };
  const touched = new Set<number>();
  // Every other row names a stored organization (storedCount ≥ size / 4 > the rows left).
  while (rows.length < scenario.size) {
    const i = Math.floor(random() * storedCount);
    if (touched.has(i)) continue;
    touched.add(i);
    const s = stored[i]!;
    const row: Record<string, unknown> = { externalId: s.externalId, name: s.name };
    const p = random();
    if (p < 0.3) {
      // unchanged
    } else if (p < 0.5) row["description"] = `Described ${i}`;
    else if (p < 0.65) row["name"] = faulty && chance(0.3) ? `Stored ${Math.floor(random() * storedCount)}` : `Renamed ${i}`;
    else if (p < 0.75) row["parentExternalId"] = chance(0.5) ? `S${Math.floor(random() * storedCount)}` : `N${Math.floor(random() * newCount)}`;
    else if (p < 0.8) {
      // Under one of its own descendants (a loop through stored data), or under a new row placed below one.
      const below = stored.flatMap((_, k) => (isBelow(k, i) ? [k] : []));
      if (below.length > 0) {
        const k = pick(below);
        const viaNew = rows.find((r) => r["parentExternalId"] === `S${k}`);
        row["parentExternalId"] = viaNew !== undefined && chance(0.5) ? viaNew["externalId"] : `S${k}`;
      }
    }
    else if (p < 0.9) row["parentExternalId"] = null;
    else row["states"] = agentClean ? ["service"] : STATES.filter(() => chance(0.5));
    if (!faulty && typeof row["parentExternalId"] === "string") {
      // A clean batch moves stored organizations only under new roots (never into a loop or below a depth limit).
      row["parentExternalId"] = null;
    }
    rows.push(row);
  }
  // Shuffle: parents in any order.
  for (let i = rows.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [rows[i], rows[j]] = [rows[j]!, rows[i]!];
  }
  return { stored, rows };
}

/** A storage with the admin, an agent (add; read and edit on "service"), a usergroup and the stored organizations. */
async function seed(storage: Storage, scenario: Scenario, data: ReturnType<typeof generate>) {
  const clock = createTestClock();
  const ids = createTestIds();
  const kit = createOrgKit({ storage, clock: clock.now, ids, config: scenario.config });
  await kit.users.upsert(SYSTEM_ACTOR, { id: "admin", kind: "agent", platformRole: "admin", registered: true });
  await kit.profiles.create(admin, { id: "desk", name: "Desk", add: true, organizations: { service: ["read", "edit"] } });
  await kit.users.upsert(SYSTEM_ACTOR, { id: "agent", kind: "agent", registered: true, profileId: "desk" });
  await kit.usergroups.create(admin, { id: "staff", name: "Staff", permissions: ["kb.read"] });
  const idOf = new Map<string, string>();
  // Parents first (they were generated from earlier indexes).
  await kit.organizations.import(
    SYSTEM_ACTOR,
    data.stored.map((s) => ({ externalId: s.externalId, name: s.name, parentExternalId: s.parent, states: s.states })),
  );
  for (const s of data.stored) {
    const organization = (await storage.organizations.getByExternalId(s.externalId))!;
    idOf.set(s.externalId, organization.id);
    if (s.discontinued) await kit.organizations.discontinue(admin, organization.id);
  }
  return { kit, clock, ids };
}

/** Everything compared: the rows' outcomes and the stored data, with ids replaced by the external ids they belong to. */
async function observe(storage: Storage, result: ImportResult | { error: { code: string; result: ImportResult } }) {
  const organizations = [];
  for (let after: string | null = null; ; ) {
    const page = await storage.organizations.scan({ after, limit: 1000 });
    organizations.push(...page);
    if (page.length < 1000) break;
    after = page.at(-1)!.id;
  }
  const externalOf = new Map(organizations.map((o) => [o.id, o.externalId ?? o.id]));
  const unmap = (text: string) => text.replace(/org_\d+/g, (id) => externalOf.get(id) ?? "org_?");
  const rowsOf = (r: ImportResult) =>
    r.rows.map((row) => ({
      row: row.row,
      externalId: row.externalId,
      status: row.status,
      // A dry run stores nothing: its new ids are only checked to be there.
      id: row.id === null ? null : externalOf.get(row.id) ?? "unstored",
      error: row.error === null ? null : { code: row.error.code, message: unmap(row.error.message), issues: row.error.issues.map((i) => ({ path: i.path, code: i.code, message: unmap(i.message) })) },
    }));
  const outcome = "error" in result ? { error: result.error.code, rows: rowsOf(result.error.result) } : { ...result, rows: rowsOf(result) };
  const stored = organizations
    .map((o) => ({
      externalId: o.externalId,
      name: o.name,
      parent: o.parentId === null ? null : externalOf.get(o.parentId),
      states: o.states,
      status: o.status,
      version: o.version,
      description: o.description,
      tags: o.tags,
      address: o.address,
      usergroupIds: o.usergroupIds,
    }))
    .sort((a, b) => String(a.externalId).localeCompare(String(b.externalId)));
  const events = [];
  for (let after = 0; ; ) {
    const page = await storage.events.list({ after, limit: 1000 });
    events.push(...page.map((e) => ({ sequence: e.sequence, type: e.type, organization: e.organizationId === null ? null : externalOf.get(e.organizationId), version: e.data["version"] })));
    if (page.length < 1000) break;
    after = page.at(-1)!.sequence;
  }
  return { outcome, stored, events };
}

async function settle(run: Promise<ImportResult>): Promise<ImportResult | { error: { code: string; result: ImportResult } }> {
  try {
    return await run;
  } catch (error) {
    const e = error as { code: string; details: { result?: ImportResult } };
    if (e.details?.result === undefined) throw error;
    return { error: { code: e.code, result: e.details.result } };
  }
}

type Mode = { readonly mode: "per-row" | "all-or-nothing"; readonly dryRun: boolean };

async function compare(makeStorage: () => Promise<Storage>, scenario: Scenario, mode: Mode) {
  const data = generate(scenario);
  const before = await makeStorage();
  const after = await makeStorage();
  const reference = await seed(before, scenario, data);
  const current = await seed(after, scenario, data);
  // The reference: the row-by-row use cases of before, on a runtime like the kit's.
  const config = resolveOrgKitConfig(scenario.config);
  const runtime = createRuntime(before, config, reference.clock.now, reference.ids, (session, actor) => loadAuthorization(session, actor, config.organization.states));
  const rowByRow = createRowByRowImport(runtime);
  const actor = scenario.actor;
  const expected = await observe(before, await settle(rowByRow(actor, data.rows as never, mode)));
  const actual = await observe(after, await settle(current.kit.organizations.import(actor, data.rows as never, mode)));
  if (process.env["ORGKIT_DIFFERENTIAL_VERBOSE"] === "1") {
    const codes = new Map<string, number>();
    for (const row of actual.outcome.rows) {
      const key = row.error === null ? row.status : `${row.error.code}/${row.error.issues[0]?.code ?? ""}`;
      codes.set(key, (codes.get(key) ?? 0) + 1);
    }
    console.log(scenario.seed, mode, Object.fromEntries(codes));
  }
  return { expected, actual };
}

const modes: readonly Mode[] = [
  { mode: "per-row", dryRun: false },
  { mode: "per-row", dryRun: true },
  { mode: "all-or-nothing", dryRun: false },
  { mode: "all-or-nothing", dryRun: true },
];

describe("import in sets answers as the row-by-row import did (2,000 random rows, memory)", () => {
  const scenarios: Scenario[] = [
    { seed: 1, size: 2000, config: {}, actor: admin, faults: "none" },
    { seed: 2, size: 2000, config: {}, actor: admin, faults: "some" },
    { seed: 3, size: 2000, config: { maxDepth: 3 }, actor: admin, faults: "some" },
    { seed: 4, size: 2000, config: {}, actor: agent, faults: "some" },
    { seed: 5, size: 2000, config: {}, actor: agent, faults: "none" },
    { seed: 6, size: 2000, config: { maxDepth: 5 }, actor: agent, faults: "some" },
  ];
  for (const scenario of scenarios) {
    for (const mode of modes) {
      it(`seed ${scenario.seed} (${scenario.actor.id}, ${scenario.faults === "none" ? "clean" : "with failing rows"}${scenario.config.maxDepth !== undefined ? `, maxDepth ${scenario.config.maxDepth}` : ""}), ${mode.mode}${mode.dryRun ? ", dry run" : ""}`, async () => {
        const { expected, actual } = await compare(async () => memoryStorage(), scenario, mode);
        expect(actual.outcome).toEqual(expected.outcome);
        expect(actual.stored).toEqual(expected.stored);
        expect(actual.events).toEqual(expected.events);
        if (scenario.faults === "none" && !mode.dryRun) expect((actual.outcome as ImportResult).created).toBeGreaterThan(1000);
      });
    }
  }
});

describe("import in sets on an adapter without the set-wise methods (memory, stripped)", () => {
  const scenarios: Scenario[] = [
    { seed: 8, size: 1000, config: {}, actor: admin, faults: "some" },
    { seed: 9, size: 1000, config: { maxDepth: 3 }, actor: agent, faults: "some" },
  ];
  for (const scenario of scenarios) {
    for (const mode of modes) {
      it(`seed ${scenario.seed} (${scenario.actor.id}), ${mode.mode}${mode.dryRun ? ", dry run" : ""}`, async () => {
        const { expected, actual } = await compare(async () => withoutSetMethods(memoryStorage()), scenario, mode);
        expect(actual.outcome).toEqual(expected.outcome);
        expect(actual.stored).toEqual(expected.stored);
        expect(actual.events).toEqual(expected.events);
      });
    }
  }
});

const pglite = storageTargets().find((t) => t.name === "PGlite")!;

describe("import in sets answers as the row-by-row import did (PGlite)", () => {
  it("seed 7 (admin, with failing rows, maxDepth 4), per-row", async () => {
    const { expected, actual } = await compare(() => pglite.storage(), { seed: 7, size: 600, config: { maxDepth: 4 }, actor: admin, faults: "some" }, { mode: "per-row", dryRun: false });
    expect(actual.outcome).toEqual(expected.outcome);
    expect(actual.stored).toEqual(expected.stored);
    expect(actual.events).toEqual(expected.events);
  }, 120_000);
});
