/**
 * A write the memory storage cannot index (a malformed record that passed the adapter's
 * light argument checks) fails and leaves nothing behind: not the row, not an index entry
 * — directly and inside a transaction. Found by the storage fuzz test (seed 1654611058).
 */
import { describe, expect, it } from "vitest";
import { memoryStorage, memoryInspector } from "../../src/adapters/memory/index.js";
import { buildUser } from "../../src/testing/builders.js";
import type { User } from "../../src/domain/membership/model.js";

const malformed = (id: string) => ({ ...buildUser({ id, emails: ["ann@acme.example"] }), phones: undefined }) as unknown as User;

describe("memory storage: a write that cannot be indexed", () => {
  it("users.insert of a user whose phones are not a list fails and stores nothing (not even its email in the index)", async () => {
    const storage = memoryStorage();
    await expect(storage.users.insert(malformed("ann"))).rejects.toThrow();
    expect(await storage.users.get("ann")).toBeNull();
    expect(await memoryInspector(storage).count("users")).toBe(0);
    expect(await storage.users.findMatching({ kind: "email", value: "ann@acme.example", includeSubdomains: false }, { after: null, limit: 10 })).toEqual([]);
    // The id is free: a well-formed user takes it.
    await storage.users.insert(buildUser({ id: "ann", emails: ["ann@acme.example"] }));
    expect((await storage.users.findMatching({ kind: "domain", value: "acme.example", includeSubdomains: false }, { after: null, limit: 10 })).map((u) => u.id)).toEqual(["ann"]);
  });

  it("users.update to a malformed user fails and keeps the stored one, indexes included, also inside a transaction that goes on", async () => {
    const storage = memoryStorage();
    const ann = buildUser({ id: "ann", emails: ["ann@acme.example"], phones: ["+15550100"] });
    await storage.users.insert(ann);
    await expect(storage.users.update({ ...malformed("ann"), emails: ["ann@other.example"], version: 2 } as User, 1)).rejects.toThrow();
    await storage.transaction(async (tx) => {
      await expect(tx.users.update({ ...malformed("ann"), version: 2 } as User, 1)).rejects.toThrow();
      await tx.users.insert(buildUser({ id: "bob" }));
    });
    expect(await storage.users.get("ann")).toEqual(ann);
    const byPhone = await storage.users.findMatching({ kind: "phone", value: "+15550100", includeSubdomains: false }, { after: null, limit: 10 });
    expect(byPhone.map((u) => u.id)).toEqual(["ann"]);
    expect(await storage.users.findMatching({ kind: "email", value: "ann@other.example", includeSubdomains: false }, { after: null, limit: 10 })).toEqual([]);
    expect(await storage.users.get("bob")).not.toBeNull();
  });
});
