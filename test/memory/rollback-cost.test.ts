import { describe, expect, it } from "vitest";
import { memoryStorage } from "../../src/adapters/memory/index.js";
import { MEMORY_INTERNALS, type WithMemoryInternals } from "../../src/adapters/memory/internals.js";
import type { Organization } from "../../src/domain/organization/schema.js";
import { buildOrganization, buildUser } from "../../src/testing/index.js";

const SIZE = 100_000;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
}

describe("memoryStorage rollback cost", () => {
  it("undoes a transaction in time proportional to its writes, not to the store (100 k organizations)", async () => {
    const storage = memoryStorage();
    const internals = (storage as unknown as WithMemoryInternals)[MEMORY_INTERNALS]();
    const base = buildOrganization({ id: "org_base", name: "Base" });
    const at = (i: number): Organization => ({ ...base, id: `org_${String(i).padStart(6, "0")}`, name: `Organization ${i}`, parentId: i < 10 ? null : `org_${String(i % 10).padStart(6, "0")}` });
    await storage.transaction(async (session) => {
      for (let i = 0; i < SIZE; i++) await session.organizations.insert(at(i));
    });
    expect(internals.count("organizations")).toBe(SIZE);
    expect(internals.pendingWrites()).toBe(0);

    const timings: number[] = [];
    for (let round = 0; round < 60; round++) {
      const t0 = performance.now();
      await storage
        .transaction(async (session) => {
          await session.organizations.insert({ ...at(SIZE + round), parentId: "org_000001" });
          const victim = (await session.organizations.get("org_000042"))!;
          await session.organizations.update({ ...victim, name: `Renamed ${round}`, parentId: null, version: victim.version + 1 }, victim.version);
          await session.users.insert(buildUser({ id: `usr_${round}`, emails: [`u${round}@example.com`] }));
          // The undo log holds the transaction's writes only.
          expect(internals.pendingWrites()).toBe(3);
          throw new Error("roll back");
        })
        .catch(() => undefined);
      timings.push(performance.now() - t0);
    }
    // Copying a 100 k-entry map (a snapshot) alone takes several milliseconds; the undo log takes microseconds.
    expect(median(timings)).toBeLessThan(2);
    expect(internals.count("organizations")).toBe(SIZE);
    expect(internals.count("users")).toBe(0);
    expect((await storage.organizations.get("org_000042"))?.name).toBe("Organization 42");
    expect((await storage.organizations.children("org_000002", { limit: 1000 })).map((o) => o.id)).toContain("org_000042");
    expect(await storage.organizations.findActiveByName("Renamed 0")).toBeNull();
  }, 120_000);
});
