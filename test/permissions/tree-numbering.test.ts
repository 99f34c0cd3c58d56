/**
 * The tree numbering a policy derives after additions and status changes (no walk: array
 * shifts and a re-blocking of the changed subtrees) is exactly the numbering computed
 * from scratch, on random forests: positions, subtree ends, blockers, parents, statuses.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compilePolicy, type Policy, type PolicyChange, type PolicySnapshot } from "../../src/permissions/index.js";
import type { TreeNumbering } from "../../src/permissions/tree-numbering.js";
import { snapshotArb } from "./arbitraries.js";
import { applyChangeNaively } from "./reference.js";

type Step = { readonly kind: "add"; readonly parent: number | null; readonly active: boolean } | { readonly kind: "status"; readonly org: number; readonly active: boolean };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant("add" as const), parent: fc.option(fc.nat(40), { nil: null }), active: fc.boolean() }),
  fc.record({ kind: fc.constant("status" as const), org: fc.nat(40), active: fc.boolean() }),
);

/** The numbering as plain arrays, to compare. */
function plain(n: TreeNumbering) {
  return { count: n.count, positions: [...n.positions], last: [...n.last], indexAt: [...n.indexAt], parent: [...n.parent], active: [...n.active], ids: [...n.ids] };
}

describe("tree numbering", () => {
  it("derived after additions and status changes equals the numbering from scratch (warm, one batch or many)", () => {
    fc.assert(
      fc.property(snapshotArb, fc.array(fc.array(stepArb, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 6 }), (start, batches) => {
        let snapshot: PolicySnapshot = start;
        let policy: Policy = compilePolicy(snapshot);
        let added = 0;
        for (const batch of batches) {
          policy.tables.tree.get(); // computed: the next version derives from it
          const changes: PolicyChange[] = [];
          for (const step of batch) {
            const ids = (snapshot.organizations ?? []).map((o) => o.id);
            let change: PolicyChange;
            if (step.kind === "add") {
              const parentId = step.parent === null ? null : ids[step.parent % ids.length]!;
              change = { type: "organization.set", organization: { id: `added-${added++}`, parentId, status: step.active ? "active" : "discontinued" } };
            } else {
              const organization = snapshot.organizations!.find((o) => o.id === ids[step.org % ids.length])!;
              change = { type: "organization.set", organization: { ...organization, status: step.active ? "active" : "discontinued" } };
            }
            changes.push(change);
            snapshot = applyChangeNaively(snapshot, change);
          }
          policy = policy.withChanges(changes);
          expect(plain(policy.tables.tree.get())).toEqual(plain(compilePolicy(snapshot).tables.tree.get()));
        }
      }),
      { numRuns: 300 },
    );
  });

  it("numbers a deep chain without recursion", () => {
    const organizations = Array.from({ length: 50_000 }, (_, i) => ({ id: `c${i}`, parentId: i === 0 ? null : `c${i - 1}` }));
    const numbering = compilePolicy({ schemaVersion: 1, version: 1, organizations }).tables.tree.get();
    expect(numbering.last[0]).toBe(49_999);
    expect(numbering.positions[2 * 49_999]).toBe(49_999);
  });
});
