/**
 * Issue 13, "Bulk ingestion through the facade": what the set-wise import adds or must
 * keep — `onProgress`, rows isolated by savepoints when one fails at the database (also
 * in the per-row dry run, which shares one transaction), and authorization per row.
 * (The differential test against the row-by-row import is import-differential.test.ts.)
 */
import { describe, expect, it } from "vitest";
import { createOrgKit, SYSTEM_ACTOR, type ImportProgress, type ImportResult } from "../../src/index.js";
import { memoryStorage } from "../../src/adapters/memory/index.js";
import { withOverrides } from "../../src/service/membership-guard.js";
import { loadAuthorization, type AccessRequest } from "../../src/service/authorization.js";
import { buildOrganization } from "../../src/testing/builders.js";
import { admin, as, rejects, setup } from "./setup.js";
import { dumpThroughPorts, storageTargets, withoutSetMethods } from "./storage-targets.js";
import type { Storage, StorageSession } from "../../src/storage/index.js";

const targets = storageTargets();
const pglite = targets.find((t) => t.name === "PGlite")!;

describe("onProgress", () => {
  const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ externalId: `P${i}`, name: `Progress ${i}`, parentExternalId: i < 10 ? null : `P${i % 10}` }));

  it("reports rows as they are processed, done only growing, about every 1 %, and done === total at the end", async () => {
    const { kit } = await setup();
    for (const mode of ["all-or-nothing", "per-row"] as const) {
      const seen: ImportProgress[] = [];
      const batch = rows(2500).map((r) => ({ ...r, externalId: `${mode}-${r.externalId}`, name: `${mode} ${r.name}`, parentExternalId: r.parentExternalId === null ? null : `${mode}-${r.parentExternalId}` }));
      await kit.organizations.import(admin, batch, { mode, onProgress: (p) => seen.push(p) });
      expect(seen.at(-1)).toEqual({ done: 2500, total: 2500 });
      expect(seen.every((p) => p.total === 2500)).toBe(true);
      for (let i = 1; i < seen.length; i++) expect(seen[i]!.done).toBeGreaterThan(seen[i - 1]!.done);
      expect(seen.length).toBeGreaterThan(10);
      expect(seen.length).toBeLessThanOrEqual(102);
    }
  });

  it("ends with done === total also when an all-or-nothing import fails, and in a dry run", async () => {
    const { kit } = await setup();
    const seen: ImportProgress[] = [];
    await rejects(kit.organizations.import(admin, [...rows(20), { externalId: "BAD", name: "" }], { onProgress: (p) => seen.push(p) }), "VALIDATION_FAILED");
    expect(seen.at(-1)).toEqual({ done: 21, total: 21 });
    seen.length = 0;
    await rejects(kit.organizations.import(admin, [...rows(20), { externalId: "LOOSE", name: "Loose", parentExternalId: "NOWHERE" }], { onProgress: (p) => seen.push(p) }), "PARENT_NOT_FOUND");
    expect(seen.at(-1)).toEqual({ done: 21, total: 21 });
    seen.length = 0;
    await kit.organizations.import(admin, rows(20), { dryRun: true, mode: "per-row", onProgress: (p) => seen.push(p) });
    expect(seen.at(-1)).toEqual({ done: 20, total: 20 });
  });

  it("must be a function; one that throws stops the import, and an all-or-nothing import then writes nothing", async () => {
    const { kit, storage } = await setup();
    const error = await rejects(kit.organizations.import(admin, rows(3), { onProgress: "50%" as never }), "VALIDATION_FAILED");
    expect(error.details.issues[0]!.path).toBe("options.onProgress");
    const before = await dumpThroughPorts(storage);
    const stop = new Error("the user pressed cancel");
    await expect(
      kit.organizations.import(admin, rows(2500), {
        onProgress: ({ done }) => {
          if (done > 1000) throw stop;
        },
      }),
    ).rejects.toBe(stop);
    expect(await dumpThroughPorts(storage)).toBe(before);
  });
});

/**
 * A storage whose transactions do not see the organization with `externalId` when the
 * import looks it up — as if another writer had inserted it between the import's check
 * and its write — so the import's insert of that row fails at the database (`CONFLICT`,
 * unique external id), which no in-memory check could foresee.
 */
function hiding(storage: Storage, externalId: string): Storage {
  const hide = (session: StorageSession): StorageSession => ({
    ...session,
    organizations: withOverrides(session.organizations, {
      getByExternalId: async (id: string) => (id === externalId ? null : session.organizations.getByExternalId(id)),
      ...(session.organizations.getManyByExternalId
        ? { getManyByExternalId: async (ids: readonly string[]) => session.organizations.getManyByExternalId!(ids.filter((id) => id !== externalId)) }
        : {}),
    }),
  });
  return { ...storage, transaction: (fn) => storage.transaction((session) => fn(hide(session))) };
}

describe("a row that fails at the database fails alone (savepoints)", () => {
  const batch = [
    { externalId: "A", name: "Alpha" },
    { externalId: "TAKEN", name: "Someone else's" },
    { externalId: "CHILD", name: "Child of taken", parentExternalId: "TAKEN" },
    { externalId: "B", name: "Beta", parentExternalId: "A" },
    { externalId: "C", name: "Gamma" },
  ];

  async function world(storage: Storage) {
    const { kit } = await setup({}, storage);
    await kit.organizations.import(admin, [{ externalId: "TAKEN", name: "Taken Corp" }]);
    const hidden = hiding(storage, "TAKEN");
    return { kit: createOrgKit({ storage: hidden }), storage };
  }

  const outcome = (result: ImportResult) => result.rows.map((r) => [r.externalId, r.status, r.error?.code ?? null, r.error?.issues[0]?.code ?? null]);
  const expected = [
    ["A", "created", null, null],
    ["TAKEN", "failed", "CONFLICT", "CONFLICT"],
    ["CHILD", "failed", "PARENT_NOT_FOUND", "parent_failed"],
    ["B", "created", null, null],
    ["C", "created", null, null],
  ];

  it("per-row dry run on PGlite: the other rows still come back created (one transaction, rolled back at the end)", async () => {
    const { kit, storage } = await world(await pglite.storage());
    const before = await dumpThroughPorts(storage);
    const result = await kit.organizations.import(SYSTEM_ACTOR, batch, { mode: "per-row", dryRun: true });
    expect(outcome(result)).toEqual(expected);
    expect(result).toMatchObject({ dryRun: true, created: 3, failed: 2 });
    expect(await dumpThroughPorts(storage)).toBe(before);
  });

  // And on an adapter without savepoints (nor the other set-wise methods), whose failed statements do not abort the transaction.
  const stripped = { name: "memory without set methods", storage: async () => withoutSetMethods(memoryStorage()) };
  const all = [...targets, stripped];

  it.each(all.map((t) => [t.name, t] as const))("per-row on %s: the other rows are written, the taken one left as it was", async (_, target) => {
    const { kit, storage } = await world(await target.storage());
    const result = await kit.organizations.import(SYSTEM_ACTOR, batch, { mode: "per-row" });
    expect(outcome(result)).toEqual(expected);
    expect((await storage.organizations.getByExternalId("TAKEN"))?.name).toBe("Taken Corp");
    expect((await storage.organizations.getByExternalId("B"))?.parentId).toBe((await storage.organizations.getByExternalId("A"))?.id);
    expect(await storage.organizations.getByExternalId("CHILD")).toBeNull();
    // Each written row has its event, the failed ones none.
    const events = await storage.events.list({ limit: 100 });
    expect(events.filter((e) => e.type === "organization.created").length).toBe(1 + 3);
  });

  it.each(all.map((t) => [t.name, t] as const))("all-or-nothing on %s: the batch fails on that row and nothing is written", async (_, target) => {
    const { kit, storage } = await world(await target.storage());
    const before = await dumpThroughPorts(storage);
    const error = await rejects(kit.organizations.import(SYSTEM_ACTOR, batch), "CONFLICT");
    const result = error.details["result"] as ImportResult;
    expect(result.rows.find((r) => r.externalId === "TAKEN")).toMatchObject({ status: "failed", error: { code: "CONFLICT" } });
    expect(await dumpThroughPorts(storage)).toBe(before);
  });
});

describe.each(targets)("authorization, row by row, on $name", ({ storage: makeStorage }) => {
  /** An agent that may add organizations and read and edit "service" ones, read "outreach" ones, and nothing else. */
  async function world() {
    const { kit, storage } = await setup({}, await makeStorage());
    await kit.profiles.create(admin, { id: "desk", name: "Desk", add: true, organizations: { service: ["read", "edit"], outreach: ["read"] } });
    await kit.users.upsert(SYSTEM_ACTOR, { id: "agent", kind: "agent", registered: true, profileId: "desk" });
    await kit.users.upsert(SYSTEM_ACTOR, { id: "nobody", kind: "agent", registered: true });
    await kit.usergroups.create(admin, { id: "staff", name: "Staff", permissions: ["kb.read"] });
    await kit.organizations.import(admin, [
      { externalId: "MINE", name: "Mine", states: ["service"] },
      { externalId: "READONLY", name: "Read only", states: ["outreach"] },
      { externalId: "HIDDEN", name: "Hidden", states: ["opportunities"] },
    ]);
    return { kit, storage };
  }
  const agent = as("agent");

  it("all-or-nothing: a row the agent may not create, or an organization it may not edit, refuses the batch and leaves storage as it was", async () => {
    const { kit, storage } = await world();
    const before = await dumpThroughPorts(storage);
    const good = Array.from({ length: 50 }, (_, i) => ({ externalId: `OK${i}`, name: `Fine ${i}`, states: ["service"] }));
    const refusals: [string, Record<string, unknown>][] = [
      ["a state combination it has no right on", { externalId: "OPP", name: "Opportunity", states: ["opportunities"] }],
      ["no state at all (its profile has no cell for none)", { externalId: "NONE", name: "No state" }],
      ["an organization it may read but not edit", { externalId: "READONLY", name: "Read only", description: "changed" }],
      ["the same, unchanged (refused before anything is compared)", { externalId: "READONLY", name: "Read only", states: ["outreach"] }],
      ["an organization it may not read", { externalId: "HIDDEN", name: "Hidden" }],
      ["moving its own organization into a state it cannot edit", { externalId: "MINE", name: "Mine", states: ["outreach"] }],
      ["a platform-only field", { externalId: "LINKED", name: "Linked", states: ["service"], usergroupIds: ["staff"] }],
    ];
    for (const [why, row] of refusals) {
      const error = await rejects(kit.organizations.import(agent, [...good.slice(0, 25), row, ...good.slice(25)] as never), "FORBIDDEN");
      expect(error.message, why).toContain("may not");
      expect(await dumpThroughPorts(storage), why).toBe(before);
    }
    // Without the refused row the batch goes through.
    expect(await kit.organizations.import(agent, good)).toMatchObject({ created: 50 });
  });

  it("per-row: refused rows are reported with their index, the others written", async () => {
    const { kit, storage } = await world();
    const result = await kit.organizations.import(
      agent,
      [
        { externalId: "NEW", name: "New service", states: ["service"] },
        { externalId: "OPP", name: "Opportunity", states: ["opportunities"] },
        { externalId: "MINE", name: "Mine", states: ["service"], description: "edited by the agent" },
        { externalId: "READONLY", name: "Read only", description: "changed" },
        { externalId: "HIDDEN", name: "Hidden" },
        { externalId: "UNDER-HIDDEN", name: "Under hidden", states: ["service"], parentExternalId: "HIDDEN" },
        { externalId: "UNDER-NEW", name: "Under new", states: ["service"], parentExternalId: "NEW" },
        { externalId: "UNDER-OPP", name: "Under opp", states: ["service"], parentExternalId: "OPP" },
      ],
      { mode: "per-row" },
    );
    expect(result.rows.map((r) => [r.row, r.status, r.error?.code ?? null])).toEqual([
      [0, "created", null],
      [1, "failed", "FORBIDDEN"],
      [2, "updated", null],
      [3, "failed", "FORBIDDEN"],
      [4, "failed", "FORBIDDEN"],
      [5, "failed", "PARENT_NOT_FOUND"],
      [6, "created", null],
      [7, "failed", "PARENT_NOT_FOUND"],
    ]);
    expect((await storage.organizations.getByExternalId("READONLY"))?.description).toBe("");
    expect((await storage.organizations.getByExternalId("MINE"))?.description).toBe("edited by the agent");
    // The hidden organization is refused exactly as a free external id would be for an actor without `add`.
    const nobody = await kit.organizations.import(as("nobody"), [{ externalId: "HIDDEN", name: "Hidden" }, { externalId: "FREE", name: "Free" }], { mode: "per-row" });
    expect(nobody.rows[0]!.error!.message).toBe(nobody.rows[1]!.error!.message);
  });
});

describe("Authorization.allowsEach", () => {
  it("answers as allows asked one by one, also for one organization in alternating versions", async () => {
    const storage = memoryStorage();
    const kit = createOrgKit({ storage });
    await kit.profiles.create(SYSTEM_ACTOR, { id: "desk", name: "Desk", add: true, organizations: { service: ["read", "edit"], outreach: ["read"] } });
    await kit.users.upsert(SYSTEM_ACTOR, { id: "agent", kind: "agent", registered: true, profileId: "desk" });
    const states = kit.config.organization.states;
    const requests: AccessRequest[] = [];
    for (let i = 0; i < 300; i++) {
      const organization = buildOrganization({ id: `o${i % 40}`, name: `O ${i}`, version: 1 + (i % 3), states: [["service"], ["outreach"], ["opportunities"], []][i % 4]! });
      requests.push({ check: "canOnOrganization", action: i % 2 ? "edit" : "read", organization });
      if (i % 50 === 0) requests.push({ check: "canAddOrganization" }, { check: "canAdministerPlatform" });
    }
    const batch = await storage.transaction((session) => loadAuthorization(session, { type: "user", id: "agent" }, states));
    const single = await storage.transaction((session) => loadAuthorization(session, { type: "user", id: "agent" }, states));
    const answers = batch.allowsEach(requests);
    expect(answers).toEqual(requests.map((r) => single.allows(r)));
    expect(answers.filter(Boolean).length).toBeGreaterThan(50);
    expect(answers.some((a) => !a)).toBe(true);
  });
});
