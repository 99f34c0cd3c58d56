/**
 * The hierarchy on PostgreSQL, side by side in one run: `descendants` of a large subtree
 * through the materialized ancestry (the repository) against the recursive-CTE query the
 * adapter ran before it, on the same data, in random order; the same for the ids only
 * (`descendantIds`, the closure table); and moving a subtree. Used by `postgres.bench.ts`.
 */
import type { PostgresClient, PostgresStorage } from "../src/adapters/postgres/index.js";
import type { Organization } from "../src/domain/organization/schema.js";
import { median } from "./harness.js";

/**
 * The recursive query `descendants` ran before the ancestry was materialized (same rows,
 * same order), scoped to the tenant like every query now (the parent index starts with
 * `tenant_id`). With `idsOnly`, the same walk returning ids only, in the order
 * `descendantIds` returns them (by id), so both sides answer the same question.
 */
function recursiveDescendantsSql(table: string, idsOnly = false): string {
  const doc = idsOnly ? "" : ", o.doc";
  return `WITH RECURSIVE tree (id, path${idsOnly ? "" : ", doc"}) AS (
     SELECT o.id, ARRAY[o.parent_id, o.id]${doc} FROM ${table} o WHERE o.tenant_id = 'default' AND o.parent_id = $1
     UNION ALL
     SELECT o.id, tree.path || o.id${doc} FROM tree JOIN ${table} o ON o.tenant_id = 'default' AND o.parent_id = tree.id WHERE NOT o.id = ANY(tree.path)
   )
   SELECT ${idsOnly ? "id FROM tree ORDER BY id" : "doc FROM tree ORDER BY path"}`;
}

export interface HierarchyFigures {
  /** `storage.organizations.descendants(root)`: the materialized ancestry, documents parsed. */
  readonly descendantsMs: number;
  /** The recursive CTE of before, documents parsed the same way. */
  readonly recursiveDescendantsMs: number;
  readonly descendantsVsRecursiveCte: number;
  readonly descendantsCount: number;
  /**
   * Ids only: `storage.organizations.descendantIds(root)` (the closure's index-only scan)
   * against the recursive CTE returning the same ids in the same order. Medians in ms and
   * the ratio.
   */
  readonly descendantIdsMs: number;
  readonly recursiveDescendantIdsMs: number;
  readonly descendantIdsVsRecursiveCte: number;
  /** Moving a subtree of `moveSubtreeSize` organizations under another root (update + ancestry rewrite), median of `moves`. */
  readonly moveSubtreeMs: number;
  readonly moveSubtreeSize: number;
}

/**
 * Measures on `storage` (over `client`, schema `schema`), whose data holds `roots` (ids of
 * large subtrees). Rounds alternate the two queries over the roots in random order.
 */
export async function measureHierarchy(
  client: PostgresClient,
  storage: PostgresStorage,
  schema: string,
  roots: readonly string[],
  move: { readonly subtreeRoot: string; readonly newParents: readonly string[] },
  rounds = 15,
): Promise<HierarchyFigures> {
  const table = `"${schema}".organizations`;
  const sql = recursiveDescendantsSql(table);
  const idsSql = recursiveDescendantsSql(table, true);
  const materialized: number[] = [];
  const recursive: number[] = [];
  const idsClosure: number[] = [];
  const idsRecursive: number[] = [];
  let count = 0;
  const order = () => [...roots].sort(() => Math.random() - 0.5);
  for (let warm = 0; warm < 3; warm++) {
    await storage.organizations.descendants(roots[0]!);
    await client.query(sql, [roots[0]]);
  }
  for (let round = 0; round < rounds; round++) {
    for (const root of order()) {
      let t0 = performance.now();
      const list = await storage.organizations.descendants(root);
      materialized.push(performance.now() - t0);
      count = list.length;
      t0 = performance.now();
      const rows = (await client.query(sql, [root])).rows as { doc: unknown }[];
      // The adapter parses documents the same way (json arrives parsed with pg; as text it is parsed here).
      for (const row of rows) if (typeof row.doc === "string") JSON.parse(row.doc);
      recursive.push(performance.now() - t0);
      const [first, second] = Math.random() < 0.5 ? ["closure", "recursive"] : ["recursive", "closure"];
      for (const side of [first, second]) {
        t0 = performance.now();
        if (side === "closure") await storage.organizations.descendantIds(root);
        else (await client.query(idsSql, [root])).rows.map((row) => (row as { id: string }).id);
        (side === "closure" ? idsClosure : idsRecursive).push(performance.now() - t0);
      }
    }
  }
  const moveMs: number[] = [];
  let size = 0;
  for (const parentId of move.newParents) {
    const current = (await storage.organizations.get(move.subtreeRoot)) as Organization;
    size = (await storage.organizations.descendants(move.subtreeRoot)).length + 1;
    const t0 = performance.now();
    await storage.transaction((tx) => tx.organizations.update({ ...current, parentId, version: current.version + 1 }, current.version));
    moveMs.push(performance.now() - t0);
  }
  const descendantsMs = median(materialized);
  const recursiveDescendantsMs = median(recursive);
  return {
    descendantsMs,
    recursiveDescendantsMs,
    descendantsVsRecursiveCte: recursiveDescendantsMs / descendantsMs,
    descendantsCount: count,
    descendantIdsMs: median(idsClosure),
    recursiveDescendantIdsMs: median(idsRecursive),
    descendantIdsVsRecursiveCte: median(idsRecursive) / median(idsClosure),
    moveSubtreeMs: median(moveMs),
    moveSubtreeSize: size,
  };
}
