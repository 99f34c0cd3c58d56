/**
 * Migration 5, materialized ancestry: each organization row carries `ancestry`, the ids
 * from its root down to itself (`{acme, acme-east, boston}`), with a GIN index, so
 * descendants, ancestors and subtree heights are single indexed queries instead of
 * recursive walks. The repository keeps it in step with every insert and move, in the
 * same statement or transaction (see organization-repository.ts).
 *
 * Why a path column and not a closure table: one row per organization (a closure table
 * has one per ancestor pair), moves rewrite the moved subtree's rows only, and the column
 * lives on the organization's row, so it stays co-located with it under any partitioning
 * by tenant.
 *
 * Migration 11 adds the closure table beside it, for one question only: the ids of a
 * subtree. The GIN index finds a subtree's rows, but must then read each row from the heap;
 * the closure's primary key `(tenant_id, ancestor_id, descendant_id)` answers with an
 * index-only range scan, already in id order. The documents still come through the path
 * column (they live in the heap anyway, and the path orders the subtree).
 *
 * @module
 */
import { tenantTableCreation, tenantTableShape } from "./migration-tenants.js";
import type { TableNames } from "./sql.js";

/** The statements of migration 5. */
export function ancestryStatements(t: TableNames): string[] {
  const o = t.organizations;
  return [
    `ALTER TABLE ${o} ADD COLUMN ancestry text[] COLLATE "C"`,
    // Backfill from the roots down. A row whose parent is missing starts a tree of its own;
    // the path guard stops at a cycle (which the service never writes), whose rows get their own id only.
    `WITH RECURSIVE walk (id, path) AS (
       SELECT c.id, ARRAY[c.id]::text[] FROM ${o} c
        WHERE c.parent_id IS NULL OR NOT EXISTS (SELECT 1 FROM ${o} p WHERE p.id = c.parent_id)
       UNION ALL
       SELECT c.id, walk.path || c.id FROM walk JOIN ${o} c ON c.parent_id = walk.id WHERE NOT c.id = ANY(walk.path)
     )
     UPDATE ${o} SET ancestry = walk.path FROM walk WHERE walk.id = ${o}.id`,
    `UPDATE ${o} SET ancestry = ARRAY[id]::text[] WHERE ancestry IS NULL`,
    `ALTER TABLE ${o} ALTER COLUMN ancestry SET NOT NULL`,
    `CREATE INDEX organizations_ancestry_idx ON ${o} USING gin (ancestry)`,
  ];
}

/**
 * The statements of migration 11, the hierarchy's closure: one row per organization and each
 * of its ancestors (not itself), filled from the materialized ancestry, plain or
 * hash-partitioned by `tenant_id` like every table. The repository keeps it in step with
 * every insert and move, in the same statement or transaction as the ancestry.
 */
export function closureStatements(t: TableNames, partitions: number): string[] {
  return [
    ...tenantTableCreation(
      tenantTableShape(
        t.organizationClosure,
        [["ancestor_id", `text COLLATE "C" NOT NULL`], ["descendant_id", `text COLLATE "C" NOT NULL`]],
        ["CONSTRAINT organization_closure_pkey PRIMARY KEY (tenant_id, ancestor_id, descendant_id)"],
      ),
      partitions,
    ),
    // Every ancestry element but the last (the organization itself). A repeated element (only
    // in a corrupted ancestry) is written once.
    `INSERT INTO ${t.organizationClosure} (tenant_id, ancestor_id, descendant_id)
     SELECT o.tenant_id, a.id, o.id FROM ${t.organizations} o CROSS JOIN LATERAL unnest(o.ancestry) WITH ORDINALITY AS a(id, position)
      WHERE a.position < cardinality(o.ancestry)
     ON CONFLICT DO NOTHING`,
  ];
}
