/**
 * Values outside the types (wrong types, null-prototype objects, throwing getters, revoked
 * proxies, cyclic objects) reaching the hierarchy's public entries: each call returns or
 * throws an `OrgKitError` with a clear code, never a `TypeError`.
 */
import { describe, expect, it } from "vitest";
import { assertCanSetParent, createHierarchyIndex, renderHierarchy, rollUp, type HierarchyEntry } from "../../src/domain/hierarchy/index.js";
import { Exotic, expectInvalid, materialize } from "../fuzz/hostile-values.js";
import { acmeIndex, failure } from "./acme.js";

const revoked = () => materialize(new Exotic("revoked"));
const trap = () => materialize(new Exotic("trap"));
const getter = (field: string) => materialize(new Exotic("getter", field));
const nullPrototype = () => Object.create(null) as object;
const entries = (value: unknown) => value as HierarchyEntry[];

const invalid = expectInvalid;

describe("createHierarchyIndex with hostile input", () => {
  it("createHierarchyIndex with a cyclic entry list throws VALIDATION_FAILED", () => {
    const list: unknown[] = [{ id: "acme", parentId: null }];
    list.push(list);
    invalid(() => createHierarchyIndex(entries(list)), "entries.1.id");
    const entry: Record<string, unknown> = { id: "loop" };
    entry["parentId"] = entry;
    invalid(() => createHierarchyIndex(entries([entry])), "entries.0.parentId");
  });

  it("createHierarchyIndex with a revoked proxy, a trapping proxy or a throwing getter throws VALIDATION_FAILED, not TypeError", () => {
    invalid(() => createHierarchyIndex(entries(revoked())));
    invalid(() => createHierarchyIndex(entries(trap())));
    invalid(() => createHierarchyIndex(entries([revoked()])), "entries.0");
    invalid(() => createHierarchyIndex(entries([{ id: "acme" }, getter("parentId")])), "entries.1");
    invalid(() => createHierarchyIndex([], revoked() as never), "options");
  });

  it("createHierarchyIndex with something that is not a list of entries throws VALIDATION_FAILED", () => {
    invalid(() => createHierarchyIndex(entries(undefined)), "entries");
    invalid(() => createHierarchyIndex(entries(42)), "entries");
    invalid(() => createHierarchyIndex(entries([null])), "entries.0");
    invalid(() => createHierarchyIndex(entries([{ id: "a", parentId: 7 }])), "entries.0.parentId");
    invalid(() => createHierarchyIndex([], null as never), "options");
  });
});

describe("hierarchy index methods with hostile arguments", () => {
  it("handleOf(null-prototype object) throws VALIDATION_FAILED, not 'Cannot convert object to primitive value'", () => {
    const index = acmeIndex();
    invalid(() => index.handleOf(nullPrototype() as never), "id");
    invalid(() => index.isAncestor("acme", nullPrototype() as never));
    invalid(() => index.idOf(nullPrototype() as never), "handle");
    invalid(() => index.setParent("boston", nullPrototype() as never), "parentId");
    // Strings that are not ids of the index stay NOT_FOUND.
    failure(() => index.handleOf("chicago"), "NOT_FOUND");
    failure(() => index.idOf(99), "NOT_FOUND");
  });

  it("isAncestorByHandle never throws, even for a revoked proxy", () => {
    const index = acmeIndex();
    expect(index.isAncestorByHandle(revoked() as never, 0)).toBe(false);
    expect(index.isAncestorByHandle(0, revoked() as never)).toBe(false);
    index.setParent("boston", "west"); // stale numbering: the walking path
    expect(index.isAncestorByHandle(0, trap() as never)).toBe(false);
    expect(index.isAncestorByHandle(index.handleOf("west"), index.handleOf("boston"))).toBe(true);
  });

  it("add(undefined) and add(revoked proxy) throw VALIDATION_FAILED and change nothing", () => {
    const index = acmeIndex();
    invalid(() => index.add(undefined as never), "entry");
    invalid(() => index.add(revoked() as never), "entry");
    invalid(() => index.add({ id: "x", parentId: nullPrototype() as never }), "parentId");
    expect(index.size).toBe(7);
  });

  it("descendants with null or unreadable options throws VALIDATION_FAILED", () => {
    const index = acmeIndex();
    invalid(() => index.descendants("acme", null as never), "options");
    invalid(() => index.descendants("acme", revoked() as never), "options");
    invalid(() => index.descendants("acme", { discontinued: nullPrototype() as never }), "discontinued");
  });
});

describe("assertCanSetParent, renderHierarchy and rollUp with hostile input", () => {
  it("assertCanSetParent(undefined) and a revoked proxy throw VALIDATION_FAILED, not TypeError", () => {
    invalid(() => assertCanSetParent(undefined as never), "input");
    invalid(() => assertCanSetParent(revoked() as never));
    invalid(
      () => assertCanSetParent({ childId: "a", parent: { id: "b", status: "active" }, parentId: "b", parentAncestorIds: revoked() as never, childSubtreeHeight: 0 }),
      "parentAncestorIds",
    );
    invalid(() => assertCanSetParent({ childId: nullPrototype() as never, parent: null, parentId: "b", parentAncestorIds: [], childSubtreeHeight: 0 }), "childId");
  });

  it("renderHierarchy and rollUp refuse something that is not a hierarchy index with VALIDATION_FAILED", () => {
    invalid(() => renderHierarchy(undefined as never), "index");
    invalid(() => renderHierarchy(revoked() as never), "index");
    invalid(() => rollUp(trap() as never, "acme", { canSee: () => true, value: () => 1, combine: (a: number, b: number) => a + b, initial: 0 }), "index");
    invalid(() => rollUp(acmeIndex(), "acme", undefined as never), "options");
    invalid(() => renderHierarchy(acmeIndex(), "acme", { label: 42 as never }), "label");
  });

  it("rollUp still lets a host callback's own error through", () => {
    const boom = new Error("the host's database is down");
    expect(() =>
      rollUp(acmeIndex(), "acme", {
        canSee: () => true,
        value: () => {
          throw boom;
        },
        combine: (a: number, b: number) => a + b,
        initial: 0,
      }),
    ).toThrow(boom);
  });
});
