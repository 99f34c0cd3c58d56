/**
 * Issue 12, listening: a kit that listens hears of every revision another kit commits,
 * applies it without being asked, and answers `can` without a query per call inside the
 * staleness bound. Memory and PGlite (and the server when ORGKIT_PG_URL is set).
 */
import { describe, expect, it } from "vitest";
import { createOrgKit, SYSTEM_ACTOR } from "../../src/index.js";
import { storageTargets } from "../facade/storage-targets.js";
import type { Storage } from "../../src/storage/index.js";

const system = SYSTEM_ACTOR;
const targets = storageTargets();

/** `storage`, counting the calls to `changes.latestRevision` made outside transactions. */
function counting(storage: Storage) {
  const counter = { latest: 0 };
  const inner = storage.changes;
  const changes: Storage["changes"] = {
    append: (entry) => inner.append(entry),
    since: (after, limit) => inner.since(after, limit),
    latestRevision: () => (counter.latest++, inner.latestRevision()),
    horizon: () => inner.horizon(),
    prune: (upTo) => inner.prune(upTo),
    scrub: (values) => inner.scrub(values),
  };
  const wrapped = new Proxy(storage, {
    get(target, key) {
      if (key === "changes") return changes;
      const value = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { storage: wrapped as Storage, counter };
}

async function until(check: () => Promise<boolean>, ms = 5_000): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return Date.now() - started;
}

describe.each(targets)("listening on $name", ({ storage: makeStorage }) => {
  it("a listening kit applies another kit's writes as they are announced and answers without a query per call", async () => {
    const storage = await makeStorage();
    const writer = createOrgKit({ storage });
    const { storage: watched, counter } = counting(storage);
    const reader = createOrgKit({ storage: watched, config: { maxStalenessMs: 60_000 } });
    await writer.usergroups.create(system, { id: "g", name: "Portal", permissions: ["portal.use"] });
    await writer.organizations.create(system, { id: "o1", name: "One", usergroupIds: ["g"] });
    await writer.users.upsert(system, { id: "u1" });
    const listener = await reader.changes.listen();
    expect(listener.active).toBe(true);
    expect(await reader.can("u1", "portal.use")).toBe(false);
    const asked = counter.latest;
    for (let i = 0; i < 50; i++) await reader.can("u1", "portal.use");
    expect(counter.latest).toBe(asked); // inside the staleness bound: no query per call

    await writer.memberships.add(system, { userId: "u1", organizationId: "o1" });
    await until(() => reader.can("u1", "portal.use"));
    await writer.memberships.remove(system, "u1", "o1");
    await until(async () => !(await reader.can("u1", "portal.use")));
    expect(counter.latest).toBe(asked); // learned by announcement, not by asking
    // A token is still honoured: the reader waits for what the writer committed.
    await writer.memberships.add(system, { userId: "u1", organizationId: "o1" });
    expect(await reader.can("u1", "portal.use", { atLeast: writer.revision() })).toBe(true);

    await listener.close();
    expect(listener.active).toBe(false);
    await reader.can("u1", "portal.use");
    expect(counter.latest).toBe(asked + 1); // without a listener: one query per call again
  });

  it("without a listener every call checks the latest revision (no staleness)", async () => {
    const storage = await makeStorage();
    const writer = createOrgKit({ storage });
    const { storage: watched, counter } = counting(storage);
    const reader = createOrgKit({ storage: watched });
    await writer.usergroups.create(system, { id: "g", name: "Portal", permissions: ["portal.use"] });
    await writer.organizations.create(system, { id: "o1", name: "One", usergroupIds: ["g"] });
    await writer.users.upsert(system, { id: "u1" });
    expect(await reader.can("u1", "portal.use")).toBe(false);
    await writer.memberships.add(system, { userId: "u1", organizationId: "o1" });
    const before = counter.latest;
    expect(await reader.can("u1", "portal.use")).toBe(true);
    expect(counter.latest).toBe(before + 1);
  });
});
