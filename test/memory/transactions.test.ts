import { describe, expect, it } from "vitest";
import { memoryStorage } from "../../src/adapters/memory/index.js";
import { isOrgKitError, type OrgKitError } from "../../src/errors.js";
import type { StorageSession } from "../../src/storage/ports.js";
import { buildOrganization, buildUser } from "../../src/testing/index.js";

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

async function failure(promise: Promise<unknown>): Promise<OrgKitError> {
  try {
    await promise;
  } catch (error) {
    if (isOrgKitError(error)) return error;
    throw error;
  }
  throw new Error("expected a failure");
}

describe("memoryStorage transactions", () => {
  it("runs concurrent transactions one at a time, in call order", async () => {
    const storage = memoryStorage();
    const log: string[] = [];
    const work = (name: string) =>
      storage.transaction(async (session) => {
        log.push(`${name}:start`);
        await tick();
        await session.organizations.insert(buildOrganization({ id: `org_${name}`, name }));
        await tick();
        log.push(`${name}:end`);
        return name;
      });
    expect(await Promise.all([work("a"), work("b"), work("c")])).toEqual(["a", "b", "c"]);
    expect(log).toEqual(["a:start", "a:end", "b:start", "b:end", "c:start", "c:end"]);
  });

  it("direct calls wait for the running transaction, so they only see committed state", async () => {
    const storage = memoryStorage();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const tx = storage.transaction(async (session) => {
      await session.organizations.insert(buildOrganization({ id: "org_1", name: "One" }));
      await gate;
    });
    let answered = false;
    const read = storage.organizations.get("org_1").then((organization) => {
      answered = true;
      return organization;
    });
    await tick();
    expect(answered).toBe(false);
    release();
    await tx;
    expect((await read)?.id).toBe("org_1");
  });

  it("a failed transaction does not block the ones queued after it", async () => {
    const storage = memoryStorage();
    const failing = storage.transaction(async () => {
      throw new Error("first fails");
    });
    const next = storage.transaction(async (session) => {
      await session.organizations.insert(buildOrganization({ id: "org_1", name: "One" }));
      return "ok";
    });
    await expect(failing).rejects.toThrow("first fails");
    expect(await next).toBe("ok");
    expect(await storage.organizations.get("org_1")).not.toBeNull();
  });

  it("a repository call that fails inside a transaction writes nothing, and the transaction may go on", async () => {
    const storage = memoryStorage();
    await storage.organizations.insert(buildOrganization({ id: "org_1", name: "One", externalId: "X" }));
    await storage.transaction(async (session) => {
      const error = await failure(session.organizations.insert(buildOrganization({ id: "org_2", name: "Two", externalId: "X" })));
      expect(error.code).toBe("CONFLICT");
      expect(await session.organizations.get("org_2")).toBeNull();
      await session.organizations.insert(buildOrganization({ id: "org_3", name: "Three" }));
    });
    expect(await storage.organizations.get("org_2")).toBeNull();
    expect(await storage.organizations.findActiveByName("two")).toBeNull();
    expect((await storage.organizations.get("org_3"))?.name).toBe("Three");
  });

  it("a session used after its transaction ended is refused", async () => {
    const storage = memoryStorage();
    let leaked!: StorageSession;
    await storage.transaction(async (session) => {
      leaked = session;
    });
    const error = await failure(leaked.organizations.insert(buildOrganization({ id: "org_1", name: "Late" })));
    expect(error.code).toBe("STORAGE_FAILURE");
    expect(await storage.organizations.get("org_1")).toBeNull();
  });

  it("a value the store cannot copy (a function) is VALIDATION_FAILED, and writes nothing", async () => {
    const storage = memoryStorage();
    const bad = { ...buildUser({ id: "usr_1" }), callback: () => 1 };
    const error = await failure(storage.users.insert(bad));
    expect(error.code).toBe("VALIDATION_FAILED");
    expect(await storage.users.get("usr_1")).toBeNull();
  });

  it("rejects arguments of the wrong shape with VALIDATION_FAILED", async () => {
    const storage = memoryStorage();
    const calls: Promise<unknown>[] = [
      storage.organizations.get(42 as unknown as string),
      storage.organizations.insert(null as never),
      storage.organizations.scan(undefined as never),
      storage.organizations.children(null, { after: 5 as never, limit: 10 }),
      storage.organizations.search({ sort: "size" as never }),
      storage.organizations.search({ status: "gone" as never }),
      storage.organizations.search({ tags: "key" as never }),
      storage.users.findMatching({ kind: "regex" as never, value: ".*", includeSubdomains: false }, { limit: 10 }),
      storage.events.list({ after: "1" as never, limit: 10 }),
      storage.transaction(undefined as never),
    ];
    for (const call of calls) expect((await failure(call)).code).toBe("VALIDATION_FAILED");
  });

  it("a search cursor is refused under another sort or direction", async () => {
    const storage = memoryStorage();
    for (const name of ["a", "b", "c"]) await storage.organizations.insert(buildOrganization({ id: `org_${name}`, name }));
    const page = await storage.organizations.search({ limit: 1 });
    expect(page.nextCursor).not.toBeNull();
    const error = await failure(storage.organizations.search({ limit: 1, cursor: page.nextCursor, direction: "desc" }));
    expect(error.code).toBe("VALIDATION_FAILED");
    expect(error.details.issues?.[0]!.path).toBe("cursor");
  });
});
