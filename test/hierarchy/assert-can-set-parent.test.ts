import { describe, expect, it } from "vitest";
import { isOrgKitError, type OrgKitError } from "../../src/errors.js";
import { assertCanSetParent, type HierarchyStatus, type SetParentCheckInput } from "../../src/domain/hierarchy/index.js";
import { ACME_ENTRIES, ACME_NAMES, acmeIndex, failure } from "./acme.js";

/** A stand-in for storage: rows by id, read the way a service would (no index). */
function storage(discontinued: readonly string[] = []) {
  const rows = new Map(ACME_ENTRIES.map((e) => [e.id, { id: e.id, parentId: e.parentId ?? null, status: (discontinued.includes(e.id) ? "discontinued" : "active") as HierarchyStatus }]));
  const ancestorsOf = (id: string): string[] => {
    const out: string[] = [];
    for (let p = rows.get(id)?.parentId ?? null; p !== null; p = rows.get(p)!.parentId) out.push(p);
    return out;
  };
  const heightOf = (id: string): number => {
    const kids = [...rows.values()].filter((r) => r.parentId === id);
    return kids.length === 0 ? 0 : 1 + Math.max(...kids.map((k) => heightOf(k.id)));
  };
  return (childId: string, parentId: string, maxDepth?: number): SetParentCheckInput => {
    const row = rows.get(parentId);
    return {
      childId,
      parent: row === undefined ? null : { id: row.id, status: row.status },
      parentId,
      parentAncestorIds: ancestorsOf(parentId),
      childSubtreeHeight: heightOf(childId),
      maxDepth,
    };
  };
}

function outcome(fn: () => unknown): { code: string; details: unknown } | "ok" {
  try {
    fn();
    return "ok";
  } catch (error) {
    if (!isOrgKitError(error)) throw error;
    return { code: (error as OrgKitError).code, details: (error as OrgKitError).details };
  }
}

describe("assertCanSetParent with rows loaded from storage (Acme)", () => {
  const load = storage(["partners"]);

  it("accepts a valid move", () => {
    expect(() => assertCanSetParent(load("boston", "west", 2))).not.toThrow();
    expect(() => assertCanSetParent(load("east", "west"))).not.toThrow();
  });

  it("PARENT_NOT_FOUND when the parent row is missing", () => {
    expect(failure(() => assertCanSetParent(load("boston", "chicago")), "PARENT_NOT_FOUND").details).toEqual({ childId: "boston", parentId: "chicago" });
  });

  it("HIERARCHY_CYCLE for itself and for descendants, with the loop path", () => {
    expect(failure(() => assertCanSetParent(load("east", "east")), "HIERARCHY_CYCLE").details.path).toEqual(["east", "east"]);
    expect(failure(() => assertCanSetParent(load("east", "boston")), "HIERARCHY_CYCLE").details.path).toEqual(["east", "boston", "east"]);
    expect(failure(() => assertCanSetParent(load("acme", "la")), "HIERARCHY_CYCLE").details.path).toEqual(["acme", "west", "la", "acme"]);
  });

  it("ORGANIZATION_DISCONTINUED for a discontinued parent", () => {
    expect(failure(() => assertCanSetParent(load("la", "partners")), "ORGANIZATION_DISCONTINUED").details).toEqual({ id: "partners", childId: "la", parentId: "partners" });
  });

  it("MAX_DEPTH_EXCEEDED: root depth 0, maxDepth N allows depth N and refuses N + 1", () => {
    expect(() => assertCanSetParent(load("la", "east", 2))).not.toThrow(); // la at depth 2
    expect(failure(() => assertCanSetParent(load("la", "boston", 2)), "MAX_DEPTH_EXCEEDED").details).toEqual({
      childId: "la",
      parentId: "boston",
      maxDepth: 2,
      depth: 3,
      childDepth: 3,
      childSubtreeHeight: 0,
    });
    expect(failure(() => assertCanSetParent(load("west", "east", 2)), "MAX_DEPTH_EXCEEDED").details.depth).toBe(3);
    expect(failure(() => assertCanSetParent(load("boston", "acme", 0)), "MAX_DEPTH_EXCEEDED").details.depth).toBe(1);
  });

  it("refuses malformed input with VALIDATION_FAILED", () => {
    failure(() => assertCanSetParent({ ...load("la", "east"), childSubtreeHeight: -1 }), "VALIDATION_FAILED");
    failure(() => assertCanSetParent({ ...load("la", "east"), maxDepth: -2 }), "VALIDATION_FAILED");
    failure(() => assertCanSetParent({ ...load("la", "east"), parent: { id: "west", status: "active" } }), "VALIDATION_FAILED");
  });

  it("gives exactly the index's answer for every move in the Acme tree", () => {
    const ids = [...ACME_NAMES.keys(), "chicago"];
    for (const maxDepth of [undefined, 1, 2, 3]) {
      for (const discontinued of [[], ["partners"], ["east", "la"]]) {
        const loadRows = storage(discontinued);
        for (const child of ACME_NAMES.keys()) {
          for (const parent of ids) {
            const index = acmeIndex({ maxDepth, discontinued });
            expect(outcome(() => index.setParent(child, parent)), `${child} → ${parent}`).toEqual(outcome(() => assertCanSetParent(loadRows(child, parent, maxDepth))));
          }
        }
      }
    }
  });
});
