/**
 * Reading stored documents by id: the `get` and `getMany` every id-keyed table shares.
 *
 * @module
 */
import type { RepositoryContext } from "./context.js";
import { checkString, invalidArgument, readDocument } from "./sql.js";

type DocRow = { doc: unknown };

/** The document with this id in `table`, or `null`. */
export async function getDocument<T>(context: RepositoryContext, operation: string, table: string, id: unknown): Promise<T | null> {
  checkString(id, "id");
  const rows = await context.executor.rows<DocRow>(operation, `SELECT doc FROM ${table} WHERE tenant_id = ${context.tenant} AND id = $1`, [id]);
  return rows[0] === undefined ? null : readDocument<T>(rows[0].doc);
}

/** The documents with these ids that exist, in the order of `ids` (a repeated id gets its own copy). */
export async function getDocuments<T extends { readonly id: string }>(context: RepositoryContext, operation: string, table: string, ids: unknown): Promise<T[]> {
  if (!Array.isArray(ids)) throw invalidArgument("ids", "must be an array of ids");
  ids.forEach((id, i) => checkString(id, `ids.${i}`));
  if (ids.length === 0) return [];
  const rows = await context.executor.rows<DocRow>(operation, `SELECT doc FROM ${table} WHERE tenant_id = ${context.tenant} AND id = ANY($1::text[])`, [[...new Set(ids as string[])]]);
  const byId = new Map(rows.map((row) => readDocument<T>(row.doc)).map((d) => [d.id, d]));
  const seen = new Set<string>();
  const out: T[] = [];
  for (const id of ids as string[]) {
    const found = byId.get(id);
    if (found === undefined) continue;
    // Returned objects never share state, also for a repeated id.
    out.push(seen.has(id) ? structuredClone(found) : found);
    seen.add(id);
  }
  return out;
}
