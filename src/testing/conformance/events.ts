import { expect } from "./test-api.js";
import type { AuditEvent } from "../../storage/ports.js";
import { expectDetached, expectOrgKitError, scribble } from "./assertions.js";
import type { ConformanceSuite } from "./context.js";
import { SUITE_ACTOR, at, event, mutableCopy, org } from "./fixtures.js";

const sequences = (events: readonly AuditEvent[]) => events.map((e) => e.sequence);

function expectIncreasing(values: readonly number[]): void {
  for (let i = 1; i < values.length; i++) expect(values[i]!, `sequence ${i}`).toBeGreaterThan(values[i - 1]!);
}

/** `EventRepository`: append assigns increasing sequences; list by sequence, per organization; lastSequence. */
export const eventsSuite: ConformanceSuite = {
  name: "events",
  define(ctx) {
    ctx.test("append assigns strictly increasing sequences above every earlier one", async () => {
      const ns = ctx.namespace();
      await ctx.storage.organizations.insert(org(`${ns}-o`));
      const before = await ctx.storage.events.lastSequence();
      expect(before).toBeGreaterThanOrEqual(0);
      const countBefore = ctx.inspect ? await ctx.inspect.count("events") : 0;
      const first = await ctx.storage.events.append([event("test.one", `${ns}-o`), event("test.two", null)]);
      const second = await ctx.storage.events.append([event("test.three", `${ns}-o`)]);
      expect(first.map((e) => e.type)).toEqual(["test.one", "test.two"]);
      const all = [...sequences(first), ...sequences(second)];
      expect(all.every((s) => Number.isInteger(s))).toBe(true);
      expect(all[0]!).toBeGreaterThan(before);
      expectIncreasing(all);
      expect(await ctx.storage.events.lastSequence()).toBe(all[2]);
      if (ctx.inspect) expect(await ctx.inspect.count("events")).toBe(countBefore + 3);
    });

    ctx.test("append of nothing returns nothing and changes nothing", async () => {
      const before = await ctx.storage.events.lastSequence();
      expect(await ctx.storage.events.append([])).toEqual([]);
      expect(await ctx.storage.events.lastSequence()).toBe(before);
    });

    ctx.test("events round-trip with their actor, time and JSON data", async () => {
      const ns = ctx.namespace();
      await ctx.storage.organizations.insert(org(`${ns}-o`));
      const data = { name: "Acme ✓", count: 3, ratio: 0.5, flag: false, none: null, list: [1, "two", { three: 3 }], nested: { deep: { deeper: ["x"] } } };
      const input = mutableCopy(event("organization.created", `${ns}-o`, { at: at(42), data, actor: { type: "user", id: `${ns}-admin` } }));
      const [appended] = await ctx.storage.events.append([input]);
      scribble(input);
      expect(appended).toEqual({ ...event("organization.created", `${ns}-o`, { at: at(42), data, actor: { type: "user", id: `${ns}-admin` } }), sequence: appended!.sequence });
      const [listed] = await ctx.storage.events.list({ organizationId: `${ns}-o`, limit: 10 });
      expect(listed).toEqual(appended);
      await expectDetached(await ctx.storage.events.list({ organizationId: `${ns}-o`, limit: 10 }), () => ctx.storage.events.list({ organizationId: `${ns}-o`, limit: 10 }));
    });

    ctx.test("list returns events by ascending sequence strictly after `after`, at most `limit`", async () => {
      const ns = ctx.namespace();
      await ctx.storage.organizations.insert(org(`${ns}-o`));
      const before = await ctx.storage.events.lastSequence();
      const appended = await ctx.storage.events.append(Array.from({ length: 5 }, (_, i) => event(`test.${i}`, i % 2 === 0 ? `${ns}-o` : null)));
      const listed = await ctx.storage.events.list({ after: before, limit: 10 });
      expect(listed).toEqual(appended);
      expect(await ctx.storage.events.list({ after: before, limit: 2 })).toEqual(appended.slice(0, 2));
      expect(await ctx.storage.events.list({ after: appended[1]!.sequence, limit: 2 })).toEqual(appended.slice(2, 4));
      expect(await ctx.storage.events.list({ after: appended[4]!.sequence, limit: 2 })).toEqual([]);
      const fromStart = await ctx.storage.events.list({ limit: 1 });
      expect(fromStart).toHaveLength(1);
      expect(fromStart[0]!.sequence).toBeLessThanOrEqual(appended[0]!.sequence);
    });

    ctx.test("list filters by organization", async () => {
      const ns = ctx.namespace();
      await ctx.storage.organizations.insert(org(`${ns}-o1`));
      await ctx.storage.organizations.insert(org(`${ns}-o2`));
      const appended = await ctx.storage.events.append([
        event("a", `${ns}-o1`),
        event("b", `${ns}-o2`),
        event("c", `${ns}-o1`),
        event("d", null),
        event("e", `${ns}-o1`),
      ]);
      const o1 = appended.filter((e) => e.organizationId === `${ns}-o1`);
      expect(await ctx.storage.events.list({ organizationId: `${ns}-o1`, limit: 10 })).toEqual(o1);
      expect(await ctx.storage.events.list({ organizationId: `${ns}-o1`, limit: 2 })).toEqual(o1.slice(0, 2));
      expect(await ctx.storage.events.list({ organizationId: `${ns}-o1`, after: o1[0]!.sequence, limit: 10 })).toEqual(o1.slice(1));
      expect((await ctx.storage.events.list({ organizationId: `${ns}-o2`, limit: 10 })).map((e) => e.type)).toEqual(["b"]);
      expect(await ctx.storage.events.list({ organizationId: `${ns}-none`, limit: 10 })).toEqual([]);
      expect((await ctx.storage.events.list({ organizationId: `${ns}-o1`, limit: 10 })).every((e) => e.actor.id === SUITE_ACTOR.id)).toBe(true);
    });

    ctx.test("list rejects page sizes outside 1–1000", async () => {
      for (const limit of [0, 1001, 1.5]) await expectOrgKitError(ctx.storage.events.list({ limit }), "VALIDATION_FAILED");
    });
  },
};
