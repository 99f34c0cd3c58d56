import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SortedKeys } from "../../src/adapters/memory/sorted-keys.js";

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

describe("SortedKeys (the memory adapter's sorted index)", () => {
  it("agrees with a sorted Set under random adds, deletes and range reads", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 3000 })), { maxLength: 6000, size: "max" }),
        fc.array(fc.tuple(fc.option(fc.integer({ min: 0, max: 3000 }), { nil: null }), fc.integer({ min: 1, max: 50 }), fc.boolean()), { maxLength: 20 }),
        (ops, reads) => {
          const keys = new SortedKeys();
          const reference = new Set<string>();
          // Zero-padding is avoided on purpose: "10" < "9" by code unit, as ids compare.
          for (const [add, n] of ops) {
            const key = `k${n}`;
            expect(add ? keys.add(key) : keys.delete(key)).toBe(add ? !reference.has(key) : reference.has(key));
            if (add) reference.add(key);
            else reference.delete(key);
          }
          const sorted = [...reference].sort(byCodeUnit);
          expect(keys.size).toBe(sorted.length);
          expect(keys.toArray()).toEqual(sorted);
          for (const [from, limit, inclusive] of reads) {
            const start = from === null ? null : `k${from}`;
            expect(keys.take(start, limit)).toEqual(sorted.filter((k) => start === null || k > start).slice(0, limit));
            const visited: string[] = [];
            keys.forEachFrom(start, inclusive, (k) => visited.push(k) < limit);
            expect(visited).toEqual(sorted.filter((k) => start === null || k > start || (inclusive && k === start)).slice(0, limit));
            if (start !== null) expect(keys.has(start)).toBe(reference.has(start));
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
