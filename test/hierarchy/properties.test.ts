import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isOrgKitError, type OrgKitError } from "../../src/errors.js";
import { createHierarchyIndex, renderHierarchy, type HierarchyIndex, type HierarchyStatus } from "../../src/domain/hierarchy/index.js";

/** The reference model: plain rows and naive parent-pointer walks, no cleverness. */
interface Row {
  id: string;
  parentId: string | null;
  status: HierarchyStatus;
}

class Model {
  readonly rows: Row[];
  constructor(rows: Row[], readonly maxDepth: number | undefined) {
    this.rows = rows.map((r) => ({ ...r }));
  }
  row(id: string): Row | undefined {
    return this.rows.find((r) => r.id === id);
  }
  ancestors(id: string): string[] {
    const out: string[] = [];
    for (let p = this.row(id)!.parentId; p !== null; p = this.row(p)!.parentId) {
      out.push(p);
      if (out.length > this.rows.length) throw new Error("model has a cycle");
    }
    return out;
  }
  isAncestor(a: string, b: string): boolean {
    return this.ancestors(b).includes(a);
  }
  height(id: string): number {
    const kids = this.rows.filter((r) => r.parentId === id);
    return kids.length === 0 ? 0 : 1 + Math.max(...kids.map((k) => this.height(k.id)));
  }
  /** Depth-first, children in row (= handle) order, with the discontinued filter. */
  descendants(id: string, mode: "include" | "skip" | "prune" = "include"): string[] {
    const out: string[] = [];
    for (const kid of this.rows.filter((r) => r.parentId === id)) {
      const closed = kid.status === "discontinued";
      if (mode === "include" || !closed) out.push(kid.id);
      if (!(mode === "prune" && closed)) out.push(...this.descendants(kid.id, mode));
    }
    return out;
  }
  lca(a: string, b: string): string | null {
    const up = [a, ...this.ancestors(a)];
    return [b, ...this.ancestors(b)].find((x) => up.includes(x)) ?? null;
  }
  /** The refusal code the rules demand for moving `child` under `parent`, or null. */
  refusal(child: string, parent: string, height: number): string | null {
    const row = this.row(parent);
    if (row === undefined) return "PARENT_NOT_FOUND";
    if (parent === child || this.ancestors(parent).includes(child)) return "HIERARCHY_CYCLE";
    if (row.status === "discontinued") return "ORGANIZATION_DISCONTINUED";
    if (this.maxDepth !== undefined && this.ancestors(parent).length + 1 + height > this.maxDepth) return "MAX_DEPTH_EXCEEDED";
    return null;
  }
}

type Op =
  | { kind: "set"; child: number; parent: number }
  | { kind: "detach"; child: number }
  | { kind: "status"; id: number; discontinued: boolean }
  | { kind: "add"; parent: number | null; discontinued: boolean };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant("set" as const), child: fc.nat(), parent: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("detach" as const), child: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("status" as const), id: fc.nat(), discontinued: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("add" as const), parent: fc.option(fc.nat(), { nil: null }), discontinued: fc.boolean() }) },
);

/** A random forest (parents drawn among lower numbers, so acyclic), rows in a random order. */
const forestArb = fc.integer({ min: 1, max: 20 }).chain((n) =>
  fc.record({
    parents: fc.array(fc.option(fc.nat(), { nil: null, freq: 4 }), { minLength: n, maxLength: n }),
    discontinued: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
    orderKeys: fc.array(fc.double({ noNaN: true }), { minLength: n, maxLength: n }),
    maxDepth: fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }),
  }),
);

function rowsOf(forest: { parents: (number | null)[]; discontinued: boolean[]; orderKeys: number[] }): Row[] {
  const rows = forest.parents.map((p, i): Row => ({
    id: `o${i}`,
    parentId: p === null || i === 0 ? null : `o${p % i}`,
    status: forest.discontinued[i]! && i % 3 === 0 ? "discontinued" : "active",
  }));
  const keyed = rows.map((row, i) => ({ row, key: forest.orderKeys[i]! }));
  keyed.sort((a, b) => a.key - b.key);
  return keyed.map((k) => k.row);
}

function code(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (error) {
    if (!isOrgKitError(error)) throw error;
    return (error as OrgKitError).code;
  }
}

/** Everything observable, for comparing an updated index with a fresh build. */
function observe(index: HierarchyIndex): unknown {
  const ids = index.entries().map((e) => e.id);
  return {
    entries: index.entries(),
    roots: index.roots(),
    render: renderHierarchy(index),
    per: ids.map((id) => ({
      id,
      handle: index.handleOf(id),
      parent: index.parentOf(id),
      children: index.children(id),
      depth: index.depth(id),
      size: index.subtreeSize(id),
      all: index.descendants(id),
      skip: index.descendants(id, { discontinued: "skip" }),
      prune: index.descendants(id, { discontinued: "prune" }),
      below: ids.filter((other) => index.isAncestor(id, other)),
    })),
  };
}

/**
 * Checks the index against the model and against a fresh rebuild. Right after a move
 * the numbering is stale and the first queries are answered by pointer walks until
 * their work pays for a renumbering; `first` picks which family of queries runs first,
 * so every family is checked on both paths across runs.
 */
function check(index: HierarchyIndex, model: Model, first: number): void {
  const ids = model.rows.map((r) => r.id);
  const families = [
    () => ids.forEach((a) => ids.forEach((b) => expect(index.isAncestor(a, b)).toBe(model.isAncestor(a, b)))),
    () =>
      ids.forEach((id) => {
        expect(index.descendants(id)).toEqual(model.descendants(id));
        expect(index.descendants(id, { discontinued: "skip" })).toEqual(model.descendants(id, "skip"));
        expect(index.descendants(id, { discontinued: "prune" })).toEqual(model.descendants(id, "prune"));
      }),
    () => ids.forEach((id) => expect(index.subtreeSize(id)).toBe(model.descendants(id).length + 1)),
    () => ids.forEach((id) => expect(index.depth(id)).toBe(model.ancestors(id).length)),
    () => ids.forEach((a) => ids.slice(0, 6).forEach((b) => expect(index.lowestCommonAncestor(a, b)).toBe(model.lca(a, b)))),
  ];
  const start = first % families.length;
  for (let k = 0; k < families.length; k++) families[(start + k) % families.length]!();

  expect(index.entries()).toEqual(model.rows);
  expect(index.size).toBe(ids.length);
  for (const id of ids) {
    // Acyclic: every upward walk reaches a root within `size` steps.
    let steps = 0;
    for (let p = index.parentOf(id); p !== null; p = index.parentOf(p)) expect(++steps).toBeLessThanOrEqual(ids.length);
    const ancestors = index.ancestors(id);
    expect(ancestors).toEqual(model.ancestors(id));
    expect(index.pathFromRoot(id)).toEqual([...ancestors].reverse().concat(id));
    expect(index.depth(id)).toBe(ancestors.length);
    const descendants = index.descendants(id);
    expect(new Set(descendants).size).toBe(descendants.length);
    expect(index.subtreeSize(id)).toBe(descendants.length + 1);
    // Depth-first: each descendant's parent comes before it (or is the start).
    descendants.forEach((d, i) => expect([id, ...descendants.slice(0, i)]).toContain(index.parentOf(d)));
    for (const other of ids) {
      const naive = model.isAncestor(id, other);
      expect(index.isAncestor(id, other)).toBe(naive);
      expect(index.isAncestorByHandle(index.handleOf(id), index.handleOf(other))).toBe(naive);
      // ancestors and descendants agree with each other.
      expect(descendants.includes(other)).toBe(index.ancestors(other).includes(id));
    }
  }
  expect(observe(index)).toEqual(observe(createHierarchyIndex(index.entries(), { maxDepth: model.maxDepth })));
}

describe("hierarchy index properties", () => {
  it("builds any forest in any row order and agrees with the naive model", () => {
    fc.assert(
      fc.property(forestArb, (forest) => {
        const rows = rowsOf(forest);
        check(createHierarchyIndex(rows, { maxDepth: forest.maxDepth }), new Model(rows, forest.maxDepth), 0);
      }),
      { numRuns: 200 },
    );
  });

  it("stays acyclic and equal to a fresh rebuild under random moves, accepted or refused", () => {
    fc.assert(
      fc.property(forestArb, fc.array(opArb, { maxLength: 25 }), (forest, ops) => {
        const rows = rowsOf(forest);
        const index = createHierarchyIndex(rows, { maxDepth: forest.maxDepth });
        const model = new Model(rows, forest.maxDepth);
        let added = 0;
        for (const [step, op] of ops.entries()) {
          const ids = model.rows.map((r) => r.id);
          const before = index.entries();
          let expected: string | null;
          let actual: string | null;
          switch (op.kind) {
            case "set": {
              const child = ids[op.child % ids.length]!;
              // One slot past the end stands for an organization that does not exist.
              const parent = ids[op.parent % (ids.length + 1)] ?? "ghost";
              expected = model.refusal(child, parent, model.height(child));
              actual = code(() => index.setParent(child, parent));
              if (expected === null) model.row(child)!.parentId = parent;
              break;
            }
            case "detach": {
              const child = ids[op.child % ids.length]!;
              expected = null;
              actual = code(() => index.detach(child));
              model.row(child)!.parentId = null;
              break;
            }
            case "status": {
              const id = ids[op.id % ids.length]!;
              const status = op.discontinued ? "discontinued" : "active";
              expected = null;
              actual = code(() => index.setStatus(id, status));
              model.row(id)!.status = status;
              break;
            }
            case "add": {
              const id = `new${added++}`;
              const parent = op.parent === null ? null : (ids[op.parent % (ids.length + 1)] ?? "ghost");
              const status = op.discontinued ? "discontinued" : "active";
              expected = parent === null ? null : model.refusal(id, parent, 0);
              actual = code(() => index.add({ id, parentId: parent, status }));
              if (expected === null) model.rows.push({ id, parentId: parent, status });
              break;
            }
          }
          expect(actual).toBe(expected);
          // A refused operation changes nothing.
          if (actual !== null) expect(index.entries()).toEqual(before);
          check(index, model, step);
        }
      }),
      { numRuns: 150 },
    );
  });

  it("reports a cycle path that the move would really close", () => {
    fc.assert(
      fc.property(forestArb, fc.nat(), fc.nat(), (forest, c, p) => {
        // All active and unlimited, so a cycle is the only possible refusal.
        const rows = rowsOf(forest).map((r) => ({ ...r, status: "active" as const }));
        const index = createHierarchyIndex(rows);
        const child = rows[c % rows.length]!.id;
        const parent = rows[p % rows.length]!.id;
        try {
          index.setParent(child, parent);
        } catch (error) {
          expect(isOrgKitError(error, "HIERARCHY_CYCLE")).toBe(true);
          const path = (error as OrgKitError<"HIERARCHY_CYCLE">).details.path;
          expect(path[0]).toBe(child);
          expect(path[path.length - 1]).toBe(child);
          expect(path[path.length - 2]).toBe(parent);
          // Every step but the last (the proposed edge) is an existing parent → child link.
          for (let i = 0; i + 2 < path.length; i++) expect(index.parentOf(path[i + 1]!)).toBe(path[i]);
        }
      }),
      { numRuns: 300 },
    );
  });
});
