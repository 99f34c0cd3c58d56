import { describe, expect, it } from "vitest";
import { isOrgKitError, type ImportResult, type OrgKitConfigInput } from "../../src/index.js";
import { admin, as, rejects, setup as setupOn } from "./setup.js";
import { storageTargets } from "./storage-targets.js";

const targets = storageTargets();

const batch = [
  { externalId: "BOS", name: "Acme Boston Office", parentExternalId: "EAST" },
  { externalId: "EAST", name: "Acme East Region", parentExternalId: "ACME" },
  { externalId: "ACME", name: "Acme Manufacturing", type: "customer", tags: ["key"] },
  { externalId: "WEST", name: "Acme West Region", parentExternalId: "ACME" },
];

describe.each(targets)("bulk import (seed 002 Ingestion) on $name", ({ storage: makeStorage }) => {
  const setup = async (config: OrgKitConfigInput = {}) => setupOn(config, await makeStorage());

  it("creates a tree with parents referenced by external id in any order", async () => {
    const { kit } = await setup();
    const result = await kit.organizations.import(admin, batch);
    expect(result).toMatchObject({ dryRun: false, created: 4, updated: 0, unchanged: 0, failed: 0 });
    expect(result.rows.map((r) => [r.row, r.status])).toEqual([[0, "created"], [1, "created"], [2, "created"], [3, "created"]]);
    const acme = await kit.organizations.getByExternalId(admin, "ACME");
    const tree = await kit.organizations.tree(admin, acme!.id);
    expect(tree!.children.map((c) => c.organization.name)).toEqual(["Acme East Region", "Acme West Region"]);
    expect(tree!.children[0]!.children.map((c) => c.organization.name)).toEqual(["Acme Boston Office"]);
  });

  it("re-running the same batch changes nothing; a changed row updates", async () => {
    const { kit, storage } = await setup();
    await kit.organizations.import(admin, batch);
    const sequence = await storage.events.lastSequence();
    const again = await kit.organizations.import(admin, batch);
    expect(again).toMatchObject({ created: 0, updated: 0, unchanged: 4 });
    expect(await storage.events.lastSequence()).toBe(sequence);
    const changed = await kit.organizations.import(admin, [{ ...batch[3]!, name: "Acme West", parentExternalId: "EAST" }]);
    expect(changed).toMatchObject({ updated: 1 });
    const west = await kit.organizations.getByExternalId(admin, "WEST");
    expect(west).toMatchObject({ name: "Acme West", version: 2 });
    expect(west!.parentId).toBe((await kit.organizations.getByExternalId(admin, "EAST"))!.id);
  });

  it("all-or-nothing: one bad row fails the batch with every row's errors, and nothing is written", async () => {
    const { kit, storage } = await setup();
    const sequence = await storage.events.lastSequence();
    const bad = [...batch, { externalId: "BAD", name: "", address: { country: "Atlantis" } }, { externalId: "BOS", name: "Dup" }];
    const error = await rejects(kit.organizations.import(admin, bad), "VALIDATION_FAILED");
    const result = error.details.result as ImportResult;
    expect(result.failed).toBe(2);
    expect(error.details.issues.map((i) => i.path)).toEqual(["rows.4.name", "rows.4.address.country", "rows.5.externalId"]);
    expect(await storage.events.lastSequence()).toBe(sequence);
    // A failure found only while writing (a cycle against stored data) also rolls everything back.
    await kit.organizations.import(admin, batch);
    const cycle = await rejects(
      kit.organizations.import(admin, [{ externalId: "NEW", name: "New" }, { externalId: "ACME", name: "Acme Manufacturing", type: "customer", tags: ["key"], parentExternalId: "BOS" }]),
      "HIERARCHY_CYCLE",
    );
    expect((cycle.details.result as ImportResult).rows[1]).toMatchObject({ status: "failed", error: { code: "HIERARCHY_CYCLE" } });
    expect(await kit.organizations.getByExternalId(admin, "NEW")).toBeNull();
  });

  it("per-row: good rows land, bad rows and their children are reported", async () => {
    const { kit } = await setup();
    const rows = [
      { externalId: "P", name: "Parent", address: { country: "XXX" } },
      { externalId: "C", name: "Child", parentExternalId: "P" },
      { externalId: "OK", name: "Fine" },
      { externalId: "ORPHAN", name: "Orphan", parentExternalId: "MISSING" },
    ];
    const result = await kit.organizations.import(admin, rows, { mode: "per-row" });
    expect(result.rows.map((r) => [r.row, r.status, r.error?.code ?? null])).toEqual([
      [0, "failed", "VALIDATION_FAILED"],
      [1, "failed", "PARENT_NOT_FOUND"],
      [2, "created", null],
      [3, "failed", "PARENT_NOT_FOUND"],
    ]);
    expect(result.rows[0]!.error!.issues[0]!.path).toBe("rows.0.address.country");
    expect(await kit.organizations.getByExternalId(admin, "OK")).not.toBeNull();
  });

  it("dry run reports what would change and writes nothing", async () => {
    const { kit, storage } = await setup();
    const sequence = await storage.events.lastSequence();
    const result = await kit.organizations.import(admin, batch, { dryRun: true });
    expect(result).toMatchObject({ dryRun: true, created: 4 });
    expect(await storage.events.lastSequence()).toBe(sequence);
    expect(await kit.organizations.getByExternalId(admin, "ACME")).toBeNull();
    const perRow = await kit.organizations.import(admin, [...batch, { externalId: "X", name: "" }], { mode: "per-row", dryRun: true });
    expect(perRow).toMatchObject({ created: 4, failed: 1 });
    expect(await kit.organizations.getByExternalId(admin, "ACME")).toBeNull();
  });

  it("checks depth for parents created earlier in the same batch", async () => {
    const { kit } = await setup({ maxDepth: 1 });
    const error = await rejects(kit.organizations.import(admin, batch), "MAX_DEPTH_EXCEEDED");
    expect((error.details.result as ImportResult).rows[0]).toMatchObject({ status: "failed", error: { code: "MAX_DEPTH_EXCEEDED" } });
    const shallow = await kit.organizations.import(admin, batch.slice(1), { mode: "per-row" });
    expect(shallow.rows.map((r) => r.status)).toEqual(["created", "created", "created"]);
    const deeper = await kit.organizations.import(admin, [{ externalId: "DEEP", name: "Deep", parentExternalId: "EAST" }], { mode: "per-row" });
    expect(deeper.rows[0]!.error?.code).toBe("MAX_DEPTH_EXCEEDED");
  });

  it("needs the right to create organizations", async () => {
    const { kit } = await setup();
    await kit.users.upsert(admin, { id: "nobody" });
    try {
      await kit.organizations.import(as("nobody"), batch);
      expect.unreachable();
    } catch (error) {
      expect(isOrgKitError(error, "FORBIDDEN")).toBe(true);
      expect(((error as { details: { result: ImportResult } }).details.result.rows[0]!.error!.code)).toBe("FORBIDDEN");
    }
  });
});

describe("a per-row import and storage faults", () => {
  it("a storage fault stops a per-row import instead of being reported as a failed row", async () => {
    const { memoryStorage } = await import("../../src/adapters/memory/index.js");
    const { OrgKitError } = await import("../../src/errors.js");
    const real = memoryStorage();
    let written = 0;
    let faulted = false;
    const lost = () => {
      faulted = true;
      return new OrgKitError("STORAGE_FAILURE", "organizations.insertMany failed: Connection terminated unexpectedly", {
        details: { operation: "organizations.insertMany", reason: "connection_lost", commitUnknown: true },
      });
    };
    // A storage that (once) loses its connection when the 1,500th organization is written (as PostgreSQL would report it).
    const faulty: typeof real = {
      ...real,
      transaction: (fn) =>
        real.transaction((session) =>
          fn({
            ...session,
            organizations: {
              ...session.organizations,
              insert: async (organization) => {
                if (++written === 1500 && !faulted) throw lost();
                return session.organizations.insert(organization);
              },
              insertMany: async (organizations) => {
                if (!faulted && written < 1500 && written + organizations.length >= 1500) throw lost();
                written += organizations.length;
                return session.organizations.insertMany!(organizations);
              },
            },
          }),
        ),
    };
    const { kit } = await setupOn({}, faulty);
    const rows = Array.from({ length: 2500 }, (_, i) => ({ externalId: `R${i}`, name: `Row ${i}` }));
    const error = await rejects(kit.organizations.import(admin, rows, { mode: "per-row" }), "STORAGE_FAILURE");
    // A per-row import commits chunks of 1,000 rows: the second chunk was lost, the first is committed.
    expect(error.details).toMatchObject({ reason: "connection_lost", commitUnknown: true, row: 1000, externalId: "R1000" });
    const committed = (error.details.committed ?? []).map((r) => r.externalId);
    expect(committed).toEqual(rows.slice(0, 1000).map((r) => r.externalId));
    expect(await real.organizations.getByExternalId("R999")).not.toBeNull();
    // The failed chunk wrote nothing, the rows after it were never attempted: the host re-runs the (idempotent) import.
    expect(await real.organizations.getByExternalId("R1000")).toBeNull();
    expect(await real.organizations.getByExternalId("R2499")).toBeNull();
    const again = await kit.organizations.import(admin, rows, { mode: "per-row" });
    expect(again).toMatchObject({ created: 1500, unchanged: 1000, failed: 0 });
  });
});
