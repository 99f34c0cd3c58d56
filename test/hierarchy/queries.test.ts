import { describe, expect, it } from "vitest";
import { createHierarchyIndex } from "../../src/domain/hierarchy/index.js";
import { ACME_ENTRIES, acmeIndex, failure } from "./acme.js";

describe("hierarchy index queries on the Acme tree", () => {
  const index = acmeIndex();

  it("knows its size, ids and handles (handles in input order)", () => {
    expect(index.size).toBe(7);
    expect(index.has("acme")).toBe(true);
    expect(index.has("chicago")).toBe(false);
    expect(ACME_ENTRIES.map((e) => index.handleOf(e.id))).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(index.idOf(index.handleOf("la"))).toBe("la");
    expect(index.maxDepth).toBeUndefined();
  });

  it("answers parentOf and children (children in input order)", () => {
    expect(index.parentOf("acme")).toBeNull();
    expect(index.parentOf("boston")).toBe("east");
    expect(index.parentOf("partners")).toBe("acme");
    expect(index.children("acme")).toEqual(["east", "west", "partners"]);
    expect(index.children("east")).toEqual(["boston", "newyork"]);
    expect(index.children("west")).toEqual(["la"]);
    expect(index.children("boston")).toEqual([]);
  });

  it("lists ancestors nearest first and the path from the root", () => {
    expect(index.ancestors("boston")).toEqual(["east", "acme"]);
    expect(index.ancestors("partners")).toEqual(["acme"]);
    expect(index.ancestors("acme")).toEqual([]);
    expect(index.pathFromRoot("newyork")).toEqual(["acme", "east", "newyork"]);
    expect(index.pathFromRoot("acme")).toEqual(["acme"]);
  });

  it("lists descendants depth-first", () => {
    expect(index.descendants("acme")).toEqual(["east", "boston", "newyork", "west", "la", "partners"]);
    expect(index.descendants("east")).toEqual(["boston", "newyork"]);
    expect(index.descendants("la")).toEqual([]);
  });

  it("skips or prunes discontinued descendants on request", () => {
    const withClosedEast = acmeIndex({ discontinued: ["east", "la"] });
    expect(withClosedEast.descendants("acme")).toEqual(["east", "boston", "newyork", "west", "la", "partners"]);
    expect(withClosedEast.descendants("acme", { discontinued: "include" })).toEqual(["east", "boston", "newyork", "west", "la", "partners"]);
    expect(withClosedEast.descendants("acme", { discontinued: "skip" })).toEqual(["boston", "newyork", "west", "partners"]);
    expect(withClosedEast.descendants("acme", { discontinued: "prune" })).toEqual(["west", "partners"]);
    expect(withClosedEast.statusOf("east")).toBe("discontinued");
    expect(withClosedEast.statusOf("west")).toBe("active");
  });

  it("answers depth (root = 0), roots and subtreeSize", () => {
    expect(index.depth("acme")).toBe(0);
    expect(index.depth("west")).toBe(1);
    expect(index.depth("la")).toBe(2);
    expect(index.roots()).toEqual(["acme"]);
    expect(index.subtreeSize("acme")).toBe(7);
    expect(index.subtreeSize("east")).toBe(3);
    expect(index.subtreeSize("partners")).toBe(1);
  });

  it("answers isAncestor (proper ancestors only) by id and by handle", () => {
    expect(index.isAncestor("acme", "boston")).toBe(true);
    expect(index.isAncestor("east", "boston")).toBe(true);
    expect(index.isAncestor("west", "boston")).toBe(false);
    expect(index.isAncestor("boston", "east")).toBe(false);
    expect(index.isAncestor("acme", "acme")).toBe(false);
    expect(index.isAncestor("boston", "newyork")).toBe(false);
    const acme = index.handleOf("acme");
    const la = index.handleOf("la");
    expect(index.isAncestorByHandle(acme, la)).toBe(true);
    expect(index.isAncestorByHandle(la, acme)).toBe(false);
    expect(index.isAncestorByHandle(acme, acme)).toBe(false);
    // Not handles: false, never a throw.
    expect(index.isAncestorByHandle(acme, 99)).toBe(false);
    expect(index.isAncestorByHandle(-1, la)).toBe(false);
    expect(index.isAncestorByHandle(acme, 1.5)).toBe(false);
  });

  it("answers lowestCommonAncestor", () => {
    expect(index.lowestCommonAncestor("boston", "newyork")).toBe("east");
    expect(index.lowestCommonAncestor("boston", "la")).toBe("acme");
    expect(index.lowestCommonAncestor("east", "boston")).toBe("east");
    expect(index.lowestCommonAncestor("partners", "partners")).toBe("partners");
    const forest = createHierarchyIndex([...ACME_ENTRIES, { id: "globex" }, { id: "globex-eu", parentId: "globex" }]);
    expect(forest.lowestCommonAncestor("boston", "globex-eu")).toBeNull();
    expect(forest.roots()).toEqual(["acme", "globex"]);
  });

  it("gives back its entries, and a rebuild from them is equal", () => {
    const entries = index.entries();
    expect(entries).toEqual(ACME_ENTRIES.map((e) => ({ id: e.id, parentId: e.parentId, status: "active" })));
    const rebuilt = createHierarchyIndex(entries);
    expect(rebuilt.descendants("acme")).toEqual(index.descendants("acme"));
  });

  it("throws NOT_FOUND for unknown ids and handles", () => {
    for (const call of [
      () => index.parentOf("chicago"),
      () => index.children("chicago"),
      () => index.ancestors("chicago"),
      () => index.pathFromRoot("chicago"),
      () => index.depth("chicago"),
      () => index.descendants("chicago"),
      () => index.subtreeSize("chicago"),
      () => index.isAncestor("acme", "chicago"),
      () => index.isAncestor("chicago", "acme"),
      () => index.lowestCommonAncestor("chicago", "acme"),
      () => index.handleOf("chicago"),
      () => index.statusOf("chicago"),
    ]) {
      expect(failure(call, "NOT_FOUND").details).toEqual({ entity: "organization", id: "chicago" });
    }
    expect(failure(() => index.idOf(7), "NOT_FOUND").details).toEqual({ entity: "organization", handle: 7 });
  });
});

describe("building the index", () => {
  it("accepts an empty forest and iterables", () => {
    const empty = createHierarchyIndex([]);
    expect(empty.size).toBe(0);
    expect(empty.roots()).toEqual([]);
    const fromSet = createHierarchyIndex(new Set(ACME_ENTRIES));
    expect(fromSet.descendants("acme")).toHaveLength(6);
  });

  it("accepts existing children of a discontinued parent and trees deeper than maxDepth", () => {
    const index = createHierarchyIndex(
      ACME_ENTRIES.map((e) => (e.id === "east" ? { ...e, status: "discontinued" as const } : e)),
      { maxDepth: 1 },
    );
    expect(index.depth("boston")).toBe(2);
    expect(index.children("east")).toEqual(["boston", "newyork"]);
  });

  it("refuses a repeated id", () => {
    const error = failure(() => createHierarchyIndex([...ACME_ENTRIES, { id: "east" }]), "CONFLICT");
    expect(error.details).toEqual({ reason: "duplicate_id", id: "east" });
  });

  it("refuses a parent that is not among the entries", () => {
    const error = failure(() => createHierarchyIndex([...ACME_ENTRIES, { id: "chicago", parentId: "midwest" }]), "PARENT_NOT_FOUND");
    expect(error.details).toEqual({ childId: "chicago", parentId: "midwest" });
  });

  it("refuses a loop, reporting it", () => {
    // acme's parent is boston: acme → east → boston → acme.
    const looped = ACME_ENTRIES.map((e) => (e.id === "acme" ? { id: "acme", parentId: "boston" } : e));
    const error = failure(() => createHierarchyIndex(looped), "HIERARCHY_CYCLE");
    const path = error.details.path;
    expect(path[0]).toBe(path[path.length - 1]);
    expect(new Set(path)).toEqual(new Set(["acme", "east", "boston"]));
    for (let i = 0; i + 1 < path.length; i++) expect(looped.find((e) => e.id === path[i + 1])!.parentId).toBe(path[i]);
    expect(failure(() => createHierarchyIndex([{ id: "acme", parentId: "acme" }]), "HIERARCHY_CYCLE").details).toEqual({ path: ["acme", "acme"] });
  });

  it("refuses malformed entries and options", () => {
    expect(failure(() => createHierarchyIndex([{ id: "" }]), "VALIDATION_FAILED").details.issues).toEqual([
      { path: "entries.0.id", message: "must be a non-empty string", code: "invalid_id" },
    ]);
    failure(() => createHierarchyIndex([{ id: "acme", status: "closed" as never }]), "VALIDATION_FAILED");
    failure(() => createHierarchyIndex(ACME_ENTRIES, { maxDepth: -1 }), "VALIDATION_FAILED");
    failure(() => createHierarchyIndex(ACME_ENTRIES, { maxDepth: 1.5 }), "VALIDATION_FAILED");
    failure(() => acmeIndex().descendants("acme", { discontinued: "hide" as never }), "VALIDATION_FAILED");
  });
});
