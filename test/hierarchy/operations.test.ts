import { describe, expect, it } from "vitest";
import { createHierarchyIndex, renderHierarchy, type HierarchyIndex } from "../../src/domain/hierarchy/index.js";
import { acmeIndex, failure } from "./acme.js";

/** Everything observable about an index, to show a refused operation changed nothing. */
function snapshot(index: HierarchyIndex): unknown {
  const ids = index.entries().map((e) => e.id);
  return {
    entries: index.entries(),
    roots: index.roots(),
    render: renderHierarchy(index),
    per: ids.map((id) => [id, index.descendants(id), index.depth(id), index.subtreeSize(id), ids.filter((other) => index.isAncestor(id, other))]),
  };
}

describe("setParent on the Acme tree", () => {
  it("moves a leaf", () => {
    const index = acmeIndex();
    expect(index.setParent("boston", "west")).toEqual({ childId: "boston", fromParentId: "east", toParentId: "west", changed: true });
    expect(index.children("west")).toEqual(["boston", "la"]); // input order: boston came first
    expect(index.children("east")).toEqual(["newyork"]);
    expect(index.isAncestor("west", "boston")).toBe(true);
    expect(index.isAncestor("east", "boston")).toBe(false);
    expect(index.pathFromRoot("boston")).toEqual(["acme", "west", "boston"]);
  });

  it("moves a whole subtree", () => {
    const index = acmeIndex();
    index.setParent("east", "partners");
    expect(index.descendants("partners")).toEqual(["east", "boston", "newyork"]);
    expect(index.depth("boston")).toBe(3);
    expect(index.ancestors("newyork")).toEqual(["east", "partners", "acme"]);
    expect(index.isAncestor("partners", "boston")).toBe(true);
    expect(index.subtreeSize("partners")).toBe(4);
    expect(index.descendants("acme")).toEqual(["west", "la", "partners", "east", "boston", "newyork"]);
  });

  it("reports an unchanged parent as a no-op", () => {
    const index = acmeIndex();
    const before = snapshot(index);
    expect(index.setParent("la", "west")).toEqual({ childId: "la", fromParentId: "west", toParentId: "west", changed: false });
    expect(snapshot(index)).toEqual(before);
  });

  it("makes a standalone organization a child, and setParent(x, null) detaches", () => {
    const index = createHierarchyIndex([{ id: "acme" }, { id: "central" }]);
    index.setParent("central", "acme");
    expect(index.roots()).toEqual(["acme"]);
    expect(index.setParent("central", null)).toEqual({ childId: "central", fromParentId: "acme", toParentId: null, changed: true });
    expect(index.roots()).toEqual(["acme", "central"]);
  });

  describe("refusals change nothing", () => {
    it("PARENT_NOT_FOUND for a parent that does not exist", () => {
      const index = acmeIndex();
      const before = snapshot(index);
      const error = failure(() => index.setParent("boston", "chicago"), "PARENT_NOT_FOUND");
      expect(error.details).toEqual({ childId: "boston", parentId: "chicago" });
      expect(snapshot(index)).toEqual(before);
    });

    it("NOT_FOUND for a child that does not exist", () => {
      const index = acmeIndex();
      expect(failure(() => index.setParent("chicago", "east"), "NOT_FOUND").details).toEqual({ entity: "organization", id: "chicago" });
    });

    it("HIERARCHY_CYCLE for the organization itself", () => {
      const index = acmeIndex();
      const before = snapshot(index);
      expect(failure(() => index.setParent("acme", "acme"), "HIERARCHY_CYCLE").details).toEqual({ childId: "acme", parentId: "acme", path: ["acme", "acme"] });
      expect(failure(() => index.setParent("la", "la"), "HIERARCHY_CYCLE").details.path).toEqual(["la", "la"]);
      expect(snapshot(index)).toEqual(before);
    });

    it("HIERARCHY_CYCLE for a child or a deeper descendant, with the loop in details.path", () => {
      const index = acmeIndex();
      const before = snapshot(index);
      expect(failure(() => index.setParent("east", "boston"), "HIERARCHY_CYCLE").details).toEqual({
        childId: "east",
        parentId: "boston",
        path: ["east", "boston", "east"],
      });
      expect(failure(() => index.setParent("acme", "newyork"), "HIERARCHY_CYCLE").details.path).toEqual(["acme", "east", "newyork", "acme"]);
      expect(failure(() => index.setParent("acme", "partners"), "HIERARCHY_CYCLE").details.path).toEqual(["acme", "partners", "acme"]);
      expect(snapshot(index)).toEqual(before);
    });

    it("ORGANIZATION_DISCONTINUED for a discontinued parent", () => {
      const index = acmeIndex({ discontinued: ["partners"] });
      const before = snapshot(index);
      const error = failure(() => index.setParent("la", "partners"), "ORGANIZATION_DISCONTINUED");
      expect(error.details).toEqual({ id: "partners", childId: "la", parentId: "partners" });
      expect(snapshot(index)).toEqual(before);
    });

    it("MAX_DEPTH_EXCEEDED beyond a configured maximum (the whole moved subtree counts)", () => {
      const index = acmeIndex({ maxDepth: 2 });
      const before = snapshot(index);
      // West Region under East Region: West at depth 2 is fine, but LA Office would be at 3.
      expect(failure(() => index.setParent("west", "east"), "MAX_DEPTH_EXCEEDED").details).toEqual({
        childId: "west",
        parentId: "east",
        maxDepth: 2,
        depth: 3,
        childDepth: 2,
        childSubtreeHeight: 1,
      });
      // An office under an office: depth 3.
      expect(failure(() => index.setParent("la", "boston"), "MAX_DEPTH_EXCEEDED").details.depth).toBe(3);
      expect(snapshot(index)).toEqual(before);
      // Within the limit: an office to another region, a region's office count unchanged.
      index.setParent("la", "east");
      expect(index.depth("la")).toBe(2);
      index.setParent("partners", "west");
      expect(index.depth("partners")).toBe(2);
    });

    it("unlimited depth by default", () => {
      const index = acmeIndex();
      index.setParent("la", "boston");
      index.setParent("partners", "la");
      expect(index.pathFromRoot("partners")).toEqual(["acme", "east", "boston", "la", "partners"]);
      expect(index.depth("partners")).toBe(4);
    });

    it("checks the cycle before the status, and the status before the depth", () => {
      const index = acmeIndex({ maxDepth: 1, discontinued: ["boston", "la"] });
      failure(() => index.setParent("east", "boston"), "HIERARCHY_CYCLE");
      failure(() => index.setParent("newyork", "la"), "ORGANIZATION_DISCONTINUED");
    });
  });
});

describe("detach on the Acme tree", () => {
  it("makes an organization standalone with its subtree", () => {
    const index = acmeIndex();
    expect(index.detach("east")).toEqual({ childId: "east", fromParentId: "acme", toParentId: null, changed: true });
    expect(index.roots()).toEqual(["acme", "east"]); // handle (input) order
    expect(index.descendants("east")).toEqual(["boston", "newyork"]);
    expect(index.depth("boston")).toBe(1);
    expect(index.isAncestor("acme", "boston")).toBe(false);
    expect(index.lowestCommonAncestor("boston", "la")).toBeNull();
    expect(index.children("acme")).toEqual(["west", "partners"]);
  });

  it("is a no-op on a root, and refuses only unknown ids", () => {
    const index = acmeIndex();
    expect(index.detach("acme")).toEqual({ childId: "acme", fromParentId: null, toParentId: null, changed: false });
    failure(() => index.detach("chicago"), "NOT_FOUND");
  });

  it("works under a discontinued parent and beyond a maximum depth", () => {
    const index = acmeIndex({ maxDepth: 0, discontinued: ["east"] });
    index.detach("boston");
    expect(index.roots()).toEqual(["boston", "acme"]);
  });
});

describe("add and setStatus on the Acme tree", () => {
  it("adds new organizations under a parent or standalone", () => {
    const index = acmeIndex();
    expect(index.add({ id: "chicago", parentId: "east" })).toBe(7);
    expect(index.add({ id: "globex" })).toBe(8);
    expect(index.children("east")).toEqual(["boston", "newyork", "chicago"]);
    expect(index.isAncestor("acme", "chicago")).toBe(true);
    expect(index.roots()).toEqual(["acme", "globex"]);
    expect(index.size).toBe(9);
    // Growing past the initial capacity keeps everything intact.
    for (let i = 0; i < 40; i++) index.add({ id: `site-${i}`, parentId: i === 0 ? "chicago" : `site-${i - 1}` });
    expect(index.depth("site-39")).toBe(42);
    expect(index.isAncestor("acme", "site-39")).toBe(true);
    expect(index.subtreeSize("east")).toBe(44);
  });

  it("refuses, changing nothing: duplicate id, unknown or discontinued parent, too deep", () => {
    const index = acmeIndex({ maxDepth: 2, discontinued: ["partners"] });
    const before = snapshot(index);
    expect(failure(() => index.add({ id: "east" }), "CONFLICT").details).toEqual({ reason: "duplicate_id", id: "east" });
    expect(failure(() => index.add({ id: "chicago", parentId: "midwest" }), "PARENT_NOT_FOUND").details).toEqual({ childId: "chicago", parentId: "midwest" });
    failure(() => index.add({ id: "support", parentId: "partners" }), "ORGANIZATION_DISCONTINUED");
    expect(failure(() => index.add({ id: "back-bay", parentId: "boston" }), "MAX_DEPTH_EXCEEDED").details.depth).toBe(3);
    failure(() => index.add({ id: "" }), "VALIDATION_FAILED");
    expect(snapshot(index)).toEqual(before);
    expect(index.size).toBe(7);
  });

  it("discontinuing a parent stops new children; reactivating allows them again", () => {
    const index = acmeIndex();
    index.setStatus("west", "discontinued");
    expect(index.statusOf("west")).toBe("discontinued");
    expect(index.children("west")).toEqual(["la"]); // existing children stay
    failure(() => index.setParent("boston", "west"), "ORGANIZATION_DISCONTINUED");
    index.setStatus("west", "active");
    index.setParent("boston", "west");
    expect(index.parentOf("boston")).toBe("west");
    failure(() => index.setStatus("west", "closed" as never), "VALIDATION_FAILED");
    failure(() => index.setStatus("chicago", "active"), "NOT_FOUND");
  });
});
