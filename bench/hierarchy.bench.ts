/**
 * Hierarchy index vs a naive `Map` parent-walk, side by side in one process, on
 * 100,000 organizations with random parents (depth capped at 12), rows in random
 * order. Run: `npx tsx bench/hierarchy.bench.ts` (or `npm run bench -- hierarchy`).
 *
 * Cases (ops/s): isAncestor by string id and by handle (handles resolved once, as a
 * hot loop would), ancestors and descendants of a random organization, setParent (a
 * move and the move back, both counted), and setParent followed by one isAncestor
 * (which pays the index's lazy O(n) renumbering: the worst case of alternating writes
 * and reads). Also the build time. Before measuring, both implementations are checked
 * to give the same answers on the sampled inputs.
 */
import { createHierarchyIndex, type HierarchyEntry } from "../src/domain/hierarchy/index.js";
import { measure, report, rng, timeMs } from "./harness.js";

const N = 100_000;
const MAX_DEPTH = 12;
const SAMPLES = 4096; // power of two: inputs are picked with `& MASK`
const MASK = SAMPLES - 1;
const BATCH = 64; // sub-microsecond cases run this many operations per measured call
const OPTIONS = { rounds: 5, roundMs: 150, warmupMs: 150 } as const;

const random = rng(20260101);
const pick = (n: number) => Math.floor(random() * n);

/** UUID-shaped ids, as hosts typically use. */
function uuid(): string {
  let hex = "";
  for (let i = 0; i < 32; i++) hex += "0123456789abcdef"[pick(16)];
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// --- data: a random forest, each node under a random earlier node, depth capped ------
const ids = Array.from({ length: N }, uuid);
const parentOf = new Int32Array(N).fill(-1);
const depthOf = new Int32Array(N);
for (let i = 0; i < N; i++) {
  if (i < 50 || random() < 0.001) continue; // a root
  let p = pick(i);
  while (depthOf[p]! >= MAX_DEPTH) p = parentOf[p]!;
  parentOf[i] = p;
  depthOf[i] = depthOf[p]! + 1;
}
const entries: HierarchyEntry[] = ids.map((id, i) => ({ id, parentId: parentOf[i] === -1 ? null : ids[parentOf[i]!]!, status: "active" }));
for (let i = N - 1; i > 0; i--) {
  // Storage returns rows in no particular order: children often before parents.
  const j = pick(i + 1);
  [entries[i], entries[j]] = [entries[j]!, entries[i]!];
}

// --- the naive baseline ----------------------------------------------------------------
class NaiveHierarchy {
  readonly parent = new Map<string, string | null>();
  readonly children = new Map<string, string[]>();
  constructor(rows: readonly HierarchyEntry[]) {
    for (const row of rows) {
      this.parent.set(row.id, row.parentId ?? null);
      if (!this.children.has(row.id)) this.children.set(row.id, []);
      if (row.parentId) {
        const list = this.children.get(row.parentId);
        if (list) list.push(row.id);
        else this.children.set(row.parentId, [row.id]);
      }
    }
  }
  isAncestor(a: string, b: string): boolean {
    for (let p = this.parent.get(b) ?? null; p !== null; p = this.parent.get(p) ?? null) if (p === a) return true;
    return false;
  }
  ancestors(id: string): string[] {
    const out: string[] = [];
    for (let p = this.parent.get(id) ?? null; p !== null; p = this.parent.get(p) ?? null) out.push(p);
    return out;
  }
  descendants(id: string): string[] {
    const out: string[] = [];
    const stack = [...this.children.get(id)!].reverse();
    for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
      out.push(node);
      const kids = this.children.get(node)!;
      for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
    }
    return out;
  }
  setParent(child: string, parent: string): void {
    if (!this.parent.has(parent)) throw new Error("parent not found");
    if (parent === child || this.isAncestor(child, parent)) throw new Error("cycle");
    const from = this.parent.get(child) ?? null;
    if (from !== null) {
      const siblings = this.children.get(from)!;
      siblings.splice(siblings.indexOf(child), 1);
    }
    this.children.get(parent)!.push(child);
    this.parent.set(child, parent);
  }
}

// --- build --------------------------------------------------------------------------------
const buildMs = timeMs(() => createHierarchyIndex(entries), 7);
const naiveBuildMs = timeMs(() => new NaiveHierarchy(entries), 7);
const index = createHierarchyIndex(entries);
const naive = new NaiveHierarchy(entries);

// --- sampled inputs: half true ancestor pairs, half random pairs ---------------------------
const qa: string[] = [];
const qb: string[] = [];
for (let k = 0; k < SAMPLES; k++) {
  const b = pick(N);
  let a = pick(N);
  if (k % 2 === 0 && parentOf[b] !== -1) {
    a = parentOf[b]!;
    for (let up = pick(depthOf[b]!); up > 0 && parentOf[a] !== -1; up--) a = parentOf[a]!;
  }
  qa.push(ids[a]!);
  qb.push(ids[b]!);
}
const ha = Int32Array.from(qa, (id) => index.handleOf(id));
const hb = Int32Array.from(qb, (id) => index.handleOf(id));
const nodes = Array.from({ length: SAMPLES }, () => ids[pick(N)]!);

// Moves: a random non-root organization to a random organization outside its subtree.
const moveChild: string[] = [];
const moveTo: string[] = [];
const moveBack: string[] = [];
while (moveChild.length < SAMPLES) {
  const c = pick(N);
  const p = pick(N);
  if (parentOf[c] === -1 || p === c || index.isAncestor(ids[c]!, ids[p]!)) continue;
  moveChild.push(ids[c]!);
  moveTo.push(ids[p]!);
  moveBack.push(ids[parentOf[c]!]!);
}

// --- both must agree before anything is timed -------------------------------------------------
let trueCount = 0;
for (let k = 0; k < SAMPLES; k++) {
  const expected = naive.isAncestor(qa[k]!, qb[k]!);
  if (expected) trueCount++;
  if (index.isAncestor(qa[k]!, qb[k]!) !== expected || index.isAncestorByHandle(ha[k]!, hb[k]!) !== expected) throw new Error(`isAncestor disagrees at ${k}`);
  if (index.ancestors(nodes[k]!).join() !== naive.ancestors(nodes[k]!).join()) throw new Error(`ancestors disagree at ${k}`);
  if (new Set(index.descendants(nodes[k]!)).size !== naive.descendants(nodes[k]!).length) throw new Error(`descendants disagree at ${k}`);
}
console.log(`${N} organizations, ${index.roots().length} roots, max depth ${Math.max(...depthOf)}; ${trueCount}/${SAMPLES} sampled pairs are ancestor pairs`);

// --- measurements ---------------------------------------------------------------------------
const isAncestorById = measure(
  (i) => {
    let hits = 0;
    const base = i * BATCH;
    for (let k = 0; k < BATCH; k++) if (index.isAncestor(qa[(base + k) & MASK]!, qb[(base + k) & MASK]!)) hits++;
    return hits;
  },
  BATCH,
  OPTIONS,
);
const isAncestorByHandle = measure(
  (i) => {
    let hits = 0;
    const base = i * BATCH;
    for (let k = 0; k < BATCH; k++) if (index.isAncestorByHandle(ha[(base + k) & MASK]!, hb[(base + k) & MASK]!)) hits++;
    return hits;
  },
  BATCH,
  OPTIONS,
);
const naiveIsAncestor = measure(
  (i) => {
    let hits = 0;
    const base = i * BATCH;
    for (let k = 0; k < BATCH; k++) if (naive.isAncestor(qa[(base + k) & MASK]!, qb[(base + k) & MASK]!)) hits++;
    return hits;
  },
  BATCH,
  OPTIONS,
);
const ancestors = measure((i) => index.ancestors(nodes[i & MASK]!), 1, OPTIONS);
const naiveAncestors = measure((i) => naive.ancestors(nodes[i & MASK]!), 1, OPTIONS);
const descendants = measure((i) => index.descendants(nodes[i & MASK]!), 1, OPTIONS);
const naiveDescendants = measure((i) => naive.descendants(nodes[i & MASK]!), 1, OPTIONS);
// A move and the move back: the tree is the same after every call.
const setParent = measure(
  (i) => {
    const k = i & MASK;
    index.setParent(moveChild[k]!, moveTo[k]!);
    return index.setParent(moveChild[k]!, moveBack[k]!);
  },
  2,
  OPTIONS,
);
const naiveSetParent = measure(
  (i) => {
    const k = i & MASK;
    naive.setParent(moveChild[k]!, moveTo[k]!);
    naive.setParent(moveChild[k]!, moveBack[k]!);
  },
  2,
  OPTIONS,
);
// Worst case for the lazy numbering: every move is followed by an interval query.
const setParentThenIsAncestor = measure(
  (i) => {
    const k = i & MASK;
    index.setParent(moveChild[k]!, (i & 1) === 0 ? moveTo[k]! : moveBack[k]!);
    return index.isAncestor(qa[k]!, qb[k]!);
  },
  1,
  OPTIONS,
);
const naiveSetParentThenIsAncestor = measure(
  (i) => {
    const k = i & MASK;
    naive.setParent(moveChild[k]!, (i & 1) === 0 ? moveTo[k]! : moveBack[k]!);
    return naive.isAncestor(qa[k]!, qb[k]!);
  },
  1,
  OPTIONS,
);

report(
  "hierarchy",
  {
    isAncestorById,
    isAncestorByHandle,
    ancestors,
    descendants,
    setParent,
    setParentThenIsAncestor,
    naiveIsAncestor,
    naiveAncestors,
    naiveDescendants,
    naiveSetParent,
    naiveSetParentThenIsAncestor,
  },
  {
    isAncestorByIdVsNaive: isAncestorById / naiveIsAncestor,
    isAncestorByHandleVsNaive: isAncestorByHandle / naiveIsAncestor,
    ancestorsVsNaive: ancestors / naiveAncestors,
    descendantsVsNaive: descendants / naiveDescendants,
    setParentVsNaive: setParent / naiveSetParent,
    setParentThenIsAncestorVsNaive: setParentThenIsAncestor / naiveSetParentThenIsAncestor,
  },
  { buildMs: Number(buildMs.toFixed(2)), naiveBuildMs: Number(naiveBuildMs.toFixed(2)), organizations: N },
);
