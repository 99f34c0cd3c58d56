import { describe, expect, it } from "vitest";
import { keysetPages } from "../../src/storage/pages.js";
import { memoryStorage } from "../../src/adapters/memory/index.js";
import { buildUser } from "../../src/testing/builders.js";

describe("keysetPages", () => {
  it("walks every item once, a page at a time, ending on a short page", async () => {
    const storage = memoryStorage();
    for (let i = 0; i < 1203; i++) await storage.users.insert(buildUser({ id: `u${String(i).padStart(4, "0")}` }));
    const sizes: number[] = [];
    const seen: string[] = [];
    for await (const page of keysetPages((o) => storage.users.scan(o), (u) => u.id)) {
      sizes.push(page.length);
      seen.push(...page.map((u) => u.id));
    }
    expect(sizes).toEqual([500, 500, 203]);
    expect(new Set(seen).size).toBe(1203);
  });

  it("skips nothing when the caller writes what it visited, and yields no empty page", async () => {
    const storage = memoryStorage();
    for (let i = 0; i < 10; i++) await storage.users.insert(buildUser({ id: `u${i}` }));
    const seen: string[] = [];
    for await (const page of keysetPages((o) => storage.users.scan(o), (u) => u.id, 5)) {
      for (const user of page) {
        seen.push(user.id);
        await storage.transaction(async (session) => void (await session.users.update({ ...user, registered: false, version: 2 }, 1)));
      }
    }
    expect(seen).toHaveLength(10);
    const empty: unknown[] = [];
    for await (const page of keysetPages((o) => memoryStorage().users.scan(o), (u) => u.id)) empty.push(page);
    expect(empty).toEqual([]);
  });
});
