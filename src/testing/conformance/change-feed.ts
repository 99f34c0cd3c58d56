import { expect } from "./test-api.js";
import type { ChangeEntry, NewChangeEntry } from "../../storage/ports.js";
import { expectOrgKitError } from "./assertions.js";
import type { ConformanceSuite } from "./context.js";
import { at } from "./fixtures.js";

const entry = (ns: string, n: number): NewChangeEntry => ({
  at: at(n),
  changes: [
    { type: "organization.set", organization: { id: `${ns}-o${n}`, parentId: null, states: ["service"], usergroupIds: [], allowedRoles: [], allowedApps: [], status: "active" } },
    { type: "membership.remove", userId: `${ns}-u`, organizationId: `${ns}-o${n}` },
  ],
  events: [{ sequence: n, type: "test.changed", organizationId: `${ns}-o${n}`, actor: { type: "system", id: "suite" }, at: at(n), data: { n, text: "ünïcode ✓" } }],
});

const revisions = (entries: readonly ChangeEntry[]) => entries.map((e) => e.revision);

/** `ChangeFeedRepository`: revisions in commit order, `since`, rollback, `prune` and the horizon. */
export const changeFeedSuite: ConformanceSuite = {
  name: "change-feed",
  define(ctx) {
    ctx.test("append returns increasing revisions; since lists the entries after a revision, in order, as they were appended", async () => {
      const ns = ctx.namespace();
      const { changes } = ctx.storage;
      const before = await changes.latestRevision();
      const countBefore = ctx.inspect ? await ctx.inspect.count("changes") : 0;
      const r1 = await changes.append(entry(ns, 1));
      const r2 = await changes.append(entry(ns, 2));
      const r3 = await changes.append(entry(ns, 3));
      expect(r1).toBeGreaterThan(before);
      expect(r2).toBeGreaterThan(r1);
      expect(r3).toBeGreaterThan(r2);
      expect(await changes.latestRevision()).toBe(r3);
      const listed = await changes.since(before, 10);
      expect(revisions(listed)).toEqual([r1, r2, r3]);
      expect(listed[1]).toEqual({ revision: r2, ...entry(ns, 2) });
      expect(revisions(await changes.since(r1, 1))).toEqual([r2]);
      expect(await changes.since(r3, 10)).toEqual([]);
      if (ctx.inspect) expect(await ctx.inspect.count("changes")).toBe(countBefore + 3);
    });

    ctx.test("an append in a rolled-back transaction leaves nothing in the feed", async () => {
      const ns = ctx.namespace();
      const before = await ctx.storage.changes.latestRevision();
      const countBefore = ctx.inspect ? await ctx.inspect.count("changes") : 0;
      await expect(
        ctx.storage.transaction(async (session) => {
          await session.changes.append(entry(ns, 1));
          throw new Error("rolled back on purpose");
        }),
      ).rejects.toThrow("rolled back on purpose");
      expect(await ctx.storage.changes.latestRevision()).toBe(before);
      expect(await ctx.storage.changes.since(before, 10)).toEqual([]);
      if (ctx.inspect) expect(await ctx.inspect.count("changes")).toBe(countBefore);
      // The feed goes on after it.
      const next = await ctx.storage.changes.append(entry(ns, 2));
      expect(revisions(await ctx.storage.changes.since(before, 10))).toEqual([next]);
    });

    ctx.test("concurrent transactions each get their own revision, and the feed lists every one in order", async () => {
      const ns = ctx.namespace();
      const before = await ctx.storage.changes.latestRevision();
      const got = await Promise.all(Array.from({ length: 8 }, (_, i) => ctx.storage.transaction((session) => session.changes.append(entry(ns, i)))));
      expect(new Set(got).size).toBe(8);
      const listed = revisions(await ctx.storage.changes.since(before, 100));
      expect(listed).toEqual([...got].sort((a, b) => a - b));
    });

    ctx.test("prune drops the entries up to a revision, never the latest one, and raises the horizon", async () => {
      const ns = ctx.namespace();
      const { changes } = ctx.storage;
      const r1 = await changes.append(entry(ns, 1));
      const r2 = await changes.append(entry(ns, 2));
      const r3 = await changes.append(entry(ns, 3));
      expect(await changes.prune(r1)).toBeGreaterThanOrEqual(1);
      expect(await changes.horizon()).toBe(r1);
      expect(revisions(await changes.since(r1, 10))).toEqual([r2, r3]);
      // Asked to prune past the latest, it keeps the latest: the feed still says where it is.
      await changes.prune(r3 + 100);
      expect(await changes.latestRevision()).toBe(r3);
      expect(await changes.horizon()).toBe(r3 - 1);
      expect(revisions(await changes.since(r3 - 1, 10))).toEqual([r3]);
      // The horizon never goes down.
      expect(await changes.prune(r1)).toBe(0);
      expect(await changes.horizon()).toBe(r3 - 1);
    });

    ctx.test("bad arguments are VALIDATION_FAILED", async () => {
      await expectOrgKitError(ctx.storage.changes.since(-1, 10), "VALIDATION_FAILED");
      await expectOrgKitError(ctx.storage.changes.since(0, 0), "VALIDATION_FAILED");
      await expectOrgKitError(ctx.storage.changes.since(0, 1001), "VALIDATION_FAILED");
      await expectOrgKitError(ctx.storage.changes.append({ at: at(1), changes: "no" as never, events: [] }), "VALIDATION_FAILED");
      await expectOrgKitError(ctx.storage.changes.prune(1.5), "VALIDATION_FAILED");
    });
  },
};
