/**
 * Issue 12, "The evaluator's own speed on a service's workload": the fast paths added
 * for random-order checks by id must answer exactly what the general paths answer.
 *
 * - `LayeredMap.packed(key)` (a `Map` of numbers beside the base, the overlay probed
 *   only when a filter says it may shadow the key) equals `pack(get(key))`;
 * - `canOnOrganization` by id (reads the organization packed) equals the same check by
 *   handle, by a look-alike `{ id }` and by a handle of an older policy version (all
 *   read the record), also on policies whose tables carry an overlay;
 * - the last-subject memo of `Policy` (tried only while ids repeat) answers like a
 *   policy without any subject cache, whatever the order of ids.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compilePolicy, type OrganizationRef, type Policy, type PolicySnapshot } from "../../src/permissions/index.js";
import { LayeredMap, NumberFilter } from "../../src/permissions/layered-map.js";
import { createStateSpace } from "../../src/permissions/state-combinations.js";
import { organizationStride, packOrganization, unknownOrganizationRecord } from "../../src/permissions/tables.js";
import { ACTIONS, ORG_IDS, PERMISSIONS, USER_IDS, changeArb, snapshotArb } from "./arbitraries.js";

describe("LayeredMap.packed", () => {
  const pack = (value: number) => value * 3 + 1;
  const expectPackedAgrees = (map: LayeredMap<number, number>, keys: number) => {
    for (let key = 0; key < keys; key++) {
      const value = map.get(key);
      expect(map.packed(key)).toBe(value === undefined ? undefined : pack(value));
    }
  };

  it("equals pack(get(key)) for every key of every version, through overlays and merges", () => {
    const KEYS = 300; // > 64 changes in one overlay: some batches merge, others stay layered
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: KEYS - 1 }), { minLength: 0, maxLength: 200 }),
        fc.array(fc.array(fc.tuple(fc.integer({ min: 0, max: KEYS + 20 }), fc.option(fc.integer({ min: -5, max: 1e6 }), { nil: undefined })), { maxLength: 90 }), {
          maxLength: 8,
        }),
        (initial, batches) => {
          let map = LayeredMap.of(new Map(initial.map((key) => [key, key * 7])), pack);
          const history: LayeredMap<number, number>[] = [map];
          for (const batch of batches) {
            const draft = map.edit();
            for (const [key, value] of batch) {
              if (value === undefined) draft.delete(key);
              else draft.set(key, value);
            }
            map = draft.commit();
            history.push(map);
          }
          for (const version of history) expectPackedAgrees(version, KEYS + 21);
        },
      ),
    );
  });

  it("keeps its packing through a batch that writes nothing, and packs nothing without a pack function", () => {
    const map = LayeredMap.of(new Map([[1, 10]]), pack);
    const changed = map.edit().commit();
    expect(changed.packed(1)).toBe(31);
    const draft = changed.edit();
    draft.set(2, 20);
    const layered = draft.commit();
    expect(layered.overlaySize).toBe(1);
    expect(layered.edit().commit().packed(2)).toBe(61);
    expect(LayeredMap.of(new Map([[1, 10]])).packed(1)).toBeUndefined();
  });
});

describe("NumberFilter", () => {
  it("never says no for a number it holds (integers, negatives, fractions, beyond 32 bits)", () => {
    const number = fc.oneof(fc.integer(), fc.double({ noNaN: true }), fc.integer({ min: 0, max: 2 ** 40 }).map((n) => n * 3));
    fc.assert(
      fc.property(fc.array(number, { maxLength: 500 }), (values) => {
        const filter = new NumberFilter(values, values.length);
        for (const value of values) expect(filter.mayHold(value)).toBe(true);
      }),
    );
  });

  it("says no to most numbers it does not hold", () => {
    const held = Array.from({ length: 1_000 }, (_, i) => i * 16);
    const filter = new NumberFilter(held, held.length);
    let falsePositives = 0;
    for (let i = 0; i < 10_000; i++) if (filter.mayHold(16_000 + i * 16)) falsePositives++;
    expect(falsePositives).toBeLessThan(1_500); // about 1 in 16 by design
  });
});

describe("packOrganization", () => {
  it("packs index and mask so that both unpack exactly, with 16 state flags and beyond 2^31", () => {
    const space = createStateSpace(Array.from({ length: 16 }, (_, i) => `f${i}`));
    const stride = organizationStride(space);
    const pack = packOrganization(space);
    const unknownMask = unknownOrganizationRecord(space).mask;
    expect(unknownMask).toBe(space.size);
    for (const index of [0, 1, 8191, 8192, 2 ** 20, 2 ** 30 + 7]) {
      for (const mask of [0, 1, 0x5555, space.size - 1, unknownMask]) {
        const packed = pack({ ...unknownOrganizationRecord(space), index, mask });
        expect(packed & (stride - 1)).toBe(mask);
        expect((packed - (packed & (stride - 1))) / stride).toBe(index);
      }
    }
  });
});

/** Every organization reference of the universe, by id and by each handle form. */
function organizationRefs(policy: Policy, older: Policy): [string, OrganizationRef[]][] {
  // A look-alike `{ id }`: a handle that went through JSON.
  const lookAlike = (id: string) => ({ id }) as unknown as OrganizationRef;
  return [...ORG_IDS, "o-new", "o-missing", ""].map((id) => [id, [policy.organization(id), lookAlike(id), older.organization(id), { id, known: true }]]);
}

describe("canOnOrganization by id (packed) vs by handle (record)", () => {
  it("agree for every subject, action and organization, on changed policies with overlays", () => {
    fc.assert(
      fc.property(snapshotArb, fc.array(fc.array(changeArb, { minLength: 1, maxLength: 4 }), { maxLength: 4 }), (snapshot: PolicySnapshot, batches) => {
        let policy = compilePolicy(snapshot);
        let older = policy;
        for (const batch of batches) {
          try {
            const next = policy.withChanges(batch);
            older = policy;
            policy = next;
          } catch {
            continue; // an invalid batch (a parent cycle…): the policy stays as it was
          }
        }
        const subjects = [...USER_IDS, "u-new", "ghost"].map((id) => policy.subject(id));
        subjects.push(policy.guest());
        for (const subject of subjects) {
          for (const [id, handles] of organizationRefs(policy, older)) {
            for (const action of [...ACTIONS, "publish" as never]) {
              const byId = subject.canOnOrganization(action, id);
              for (const handle of handles) {
                if (subject.canOnOrganization(action, handle) !== byId) {
                  throw new Error(`${String(subject.id)} ${action} ${id}: by id ${byId}, by ${JSON.stringify(handle)} ${!byId}`);
                }
              }
              if (subject.id !== null) expect(policy.canOnOrganization(subject.id, action, id)).toBe(byId);
            }
          }
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe("Policy's last-subject memo", () => {
  it("answers like a policy without a subject cache, whatever the order of ids", () => {
    const idArb = fc.constantFrom(...USER_IDS, "u-new", "ghost", "", "x".repeat(10_000));
    const callArb = fc.tuple(idArb, fc.constantFrom(...PERMISSIONS), fc.constantFrom(...ORG_IDS), fc.constantFrom(...ACTIONS));
    fc.assert(
      fc.property(snapshotArb, fc.array(callArb, { maxLength: 60 }), (snapshot, calls) => {
        const cached = compilePolicy(snapshot);
        const uncached = compilePolicy(snapshot, { subjectCacheSize: 0 });
        // Runs of one id, then alternations: the memo switches on and off.
        const sequence = calls.flatMap((call, i) => (i % 3 === 0 ? [call, call, call] : [call]));
        for (const [userId, permission, organizationId, action] of sequence) {
          expect(cached.can(userId, permission)).toBe(uncached.can(userId, permission));
          expect(cached.canOnOrganization(userId, action, organizationId)).toBe(uncached.canOnOrganization(userId, action, organizationId));
          const [a, b] = [cached.subject(userId), uncached.subject(userId)];
          expect([a.id, a.kind, a.known]).toEqual([b.id, b.kind, b.known]);
        }
      }),
      { numRuns: 100 },
    );
  });
});
