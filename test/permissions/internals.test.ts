import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { setBit, setBits, hasBit, wordsFor } from "../../src/permissions/bitset.js";
import { BoundedCache } from "../../src/permissions/bounded-cache.js";
import { LayeredMap } from "../../src/permissions/layered-map.js";

describe("LayeredMap", () => {
  it("behaves like a Map under any sequence of edits, leaving earlier versions untouched", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.option(fc.integer(), { nil: undefined })), { maxLength: 20 }), { maxLength: 30 }),
        (batches) => {
          let layered = LayeredMap.of(new Map<number, number>());
          const model = new Map<number, number>();
          const history: [LayeredMap<number, number>, Map<number, number>][] = [];
          for (const batch of batches) {
            const draft = layered.edit();
            for (const [key, value] of batch) {
              if (value === undefined) {
                draft.delete(key);
                model.delete(key);
              } else {
                draft.set(key, value);
                model.set(key, value);
              }
              expect(draft.get(key)).toBe(model.get(key));
            }
            layered = draft.commit();
            history.push([layered, new Map(model)]);
          }
          for (const [version, expected] of history) {
            for (let key = 0; key <= 40; key++) expect(version.get(key)).toBe(expected.get(key));
            expect(new Map(version.entries())).toEqual(expected);
          }
        },
      ),
    );
  });
});

describe("BoundedCache", () => {
  it("never holds more than its capacity and keeps recently used entries", () => {
    const cache = new BoundedCache<number, string>(10);
    for (let i = 0; i < 100; i++) {
      cache.set(i, `v${i}`);
      expect(cache.get(0)).toBe("v0"); // touching 0 keeps it in the hot generation
      expect(cache.size).toBeLessThanOrEqual(10);
    }
    expect(cache.get(0)).toBe("v0"); // touched on every step
    expect(cache.get(1)).toBeUndefined(); // long evicted
    expect(cache.get(99)).toBe("v99");
  });

  it("caches nothing at capacity 0", () => {
    const cache = new BoundedCache<string, number>(0);
    cache.set("a", 1);
    expect(cache.get("a")).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it("maps into a new cache, dropping undefined", () => {
    const cache = new BoundedCache<string, number>(4);
    cache.set("a", 1);
    cache.set("b", 2);
    const next = cache.map((v) => (v === 1 ? undefined : v * 10));
    expect(next.get("a")).toBeUndefined();
    expect(next.get("b")).toBe(20);
    expect(cache.get("a")).toBe(1);
  });
});

describe("bitsets", () => {
  it("sets and lists bits across words", () => {
    const set = new Uint32Array(wordsFor(100));
    for (const i of [0, 31, 32, 63, 64, 99]) setBit(set, i);
    expect(setBits(set)).toEqual([0, 31, 32, 63, 64, 99]);
    expect(hasBit(set, 31)).toBe(true);
    expect(hasBit(set, 30)).toBe(false);
    expect(hasBit(set, 1000)).toBe(false);
    expect(wordsFor(0)).toBe(1);
  });
});
