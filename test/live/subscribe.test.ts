/**
 * Issue 12, hooks and retention: `kit.changes.subscribe` delivers every committed entry in
 * order, at least once, and resumes from a stored cursor; `toCloudEvents` renders audit
 * events as CloudEvents 1.0; a feed pruned past a reader gives `CHANGES_EXPIRED`, and the
 * live policy rebuilds from a snapshot then. Memory and PGlite.
 */
import { describe, expect, it } from "vitest";
import { createOrgKit, isOrgKitError, SYSTEM_ACTOR, toCloudEvents, type ChangeEntry } from "../../src/index.js";
import { memoryStorage } from "../../src/adapters/memory/index.js";
import { storageTargets } from "../facade/storage-targets.js";

const system = SYSTEM_ACTOR;
const targets = storageTargets();

async function until(check: () => boolean, ms = 5_000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe.each(targets)("subscriptions on $name", ({ storage: makeStorage }) => {
  it("delivers every entry in order, again after a handler failure, and resumes from the stored cursor", async () => {
    const storage = await makeStorage();
    const kit = createOrgKit({ storage });
    const start = await kit.changes.latest();
    const seen: number[] = [];
    const errors: unknown[] = [];
    let failOnce = true;
    let stored = start;
    const subscription = kit.changes.subscribe(
      async (entry) => {
        if (entry.events.some((e) => e.type === "membership.added") && failOnce) {
          failOnce = false;
          throw new Error("the mail server is down");
        }
        seen.push(entry.revision);
        stored = entry.revision;
      },
      { from: start, pollMs: 50, onError: (error) => errors.push(error) },
    );
    await kit.organizations.create(system, { id: "o1", name: "One" });
    await kit.users.upsert(system, { id: "u1" });
    await kit.memberships.add(system, { userId: "u1", organizationId: "o1" });
    const last = kit.revision();
    await until(() => seen.includes(last));
    expect(errors).toHaveLength(1);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toHaveLength(3);
    expect(subscription.cursor).toBe(last);
    await subscription.close();

    // Writes while nobody listens, then a restart from the stored cursor: only what is new.
    await kit.memberships.setRole(system, "u1", "o1", "manager");
    const again: ChangeEntry[] = [];
    const resumed = kit.changes.subscribe((entry) => void again.push(entry), { from: stored, pollMs: 50 });
    await until(() => again.length === 1);
    expect(again[0]!.revision).toBe(kit.revision());
    expect(again[0]!.changes).toEqual([{ type: "membership.set", membership: expect.objectContaining({ userId: "u1", organizationId: "o1", role: "manager" }) }]);
    await resumed.close();
  });

  it("renders an entry's audit events as CloudEvents 1.0", async () => {
    const storage = await makeStorage();
    const kit = createOrgKit({ storage, clock: () => new Date("2026-11-30T12:00:00.000Z") });
    await kit.organizations.create(system, { id: "o1", name: "One" });
    await kit.users.upsert(system, { id: "u1" });
    await kit.memberships.add(system, { userId: "u1", organizationId: "o1" });
    const { entries } = await kit.changes.since(kit.revision() - 1);
    const [event] = toCloudEvents(entries[0]!, { source: "https://helpdesk.example/orgkit" });
    expect(event).toEqual({
      specversion: "1.0",
      id: `${kit.revision()}-0`,
      source: "https://helpdesk.example/orgkit",
      type: "orgkit.membership.added",
      subject: "o1",
      time: "2026-11-30T12:00:00.000Z",
      datacontenttype: "application/json",
      orgkitrevision: kit.revision(),
      data: expect.objectContaining({ actor: { type: "system", id: "system" }, userId: "u1" }),
    });
    expect(JSON.parse(JSON.stringify(event))).toEqual(event);
  });
});

describe("retention (memory)", () => {
  it("a reader behind the pruned feed gets CHANGES_EXPIRED; the live policy rebuilds from a snapshot and stays right", async () => {
    const storage = memoryStorage();
    const kit = createOrgKit({ storage, config: { changeFeedRetention: 10 } });
    const behind = createOrgKit({ storage });
    await kit.usergroups.create(system, { id: "g", name: "G", permissions: ["portal.use"] });
    await kit.organizations.create(system, { id: "o1", name: "One", usergroupIds: ["g"] });
    await kit.users.upsert(system, { id: "u1" });
    await kit.memberships.add(system, { userId: "u1", organizationId: "o1" });
    expect(await behind.can("u1", "portal.use")).toBe(true); // compiled at an early revision
    for (let i = 0; i < 130; i++) await kit.usergroups.create(system, { id: `x${i}`, name: `X ${i}`, permissions: [] });
    await kit.memberships.remove(system, "u1", "o1");
    const horizon = await storage.changes.horizon();
    expect(horizon).toBeGreaterThan(100);
    const error = await kit.changes.since(1).catch((e: unknown) => e);
    expect(isOrgKitError(error) && error.code).toBe("CHANGES_EXPIRED");
    expect((error as { details: unknown }).details).toEqual({ revision: 1, horizon });
    expect((await kit.changes.since(horizon)).entries.length).toBeGreaterThan(0);
    // The kit that fell behind cannot follow the feed: it rebuilds, and sees the revoke.
    expect(await behind.can("u1", "portal.use")).toBe(false);
    expect((await behind.policy()).version).toBe(kit.revision());
    const stops: unknown[] = [];
    const subscription = kit.changes.subscribe(() => undefined, { from: 1, onError: (e) => stops.push(e) });
    await until(() => stops.length === 1);
    expect(isOrgKitError(stops[0]) && stops[0].code).toBe("CHANGES_EXPIRED");
    await subscription.close();
  });
});
