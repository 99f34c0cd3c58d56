/**
 * Resource ownership in PostgreSQL: one row per (kind, id), indexed by owner.
 *
 * @module
 */
import type { ResourceOwnership } from "../../domain/membership/model.js";
import type { ResourceRepository } from "../../storage/ports.js";
import { readReassignment } from "../../storage/arguments.js";
import type { RepositoryContext } from "./context.js";
import { checkString, invalidArgument, Parameters, readDocument, readKeyset, splitCompositeKey } from "./sql.js";

type DocRow = { doc: unknown };
const docs = (rows: readonly DocRow[]): ResourceOwnership[] => rows.map((row) => readDocument<ResourceOwnership>(row.doc));

/** Builds the resource repository over a context. */
export function createResourceRepository(context: RepositoryContext): ResourceRepository {
  const { executor, tables, tenant: T } = context;
  const table = tables.resources;

  return {
    async get(kind, id) {
      checkString(kind, "kind");
      checkString(id, "id");
      const rows = await executor.rows<DocRow>("resources.get", `SELECT doc FROM ${table} WHERE tenant_id = ${T} AND kind = $1 AND id = $2`, [kind, id]);
      return rows[0] === undefined ? null : readDocument<ResourceOwnership>(rows[0].doc);
    },

    async put(resource) {
      if (typeof resource !== "object" || resource === null) throw invalidArgument("resource", "must be a resource");
      checkString(resource.kind, "resource.kind");
      checkString(resource.id, "resource.id");
      checkString(resource.organizationId, "resource.organizationId");
      // One owner per (kind, id): the primary key makes "move" a single upsert.
      await executor.rows(
        "resources.put",
        `INSERT INTO ${table} (tenant_id, kind, id, organization_id, doc) VALUES (${T}, $1, $2, $3, $4::json)
         ON CONFLICT (tenant_id, kind, id) DO UPDATE SET organization_id = excluded.organization_id, doc = excluded.doc`,
        [resource.kind, resource.id, resource.organizationId, JSON.stringify(resource)]
      );
    },

    async delete(kind, id) {
      checkString(kind, "kind");
      checkString(id, "id");
      const rows = await executor.rows("resources.delete", `DELETE FROM ${table} WHERE tenant_id = ${T} AND kind = $1 AND id = $2 RETURNING id`, [kind, id]);
      return rows.length > 0;
    },

    async listByOrganization(organizationId, options) {
      checkString(organizationId, "organizationId");
      const { after, limit } = readKeyset(options);
      const params = new Parameters();
      const conditions = [`tenant_id = ${T}`, `organization_id = ${params.add(organizationId)}`];
      if (after !== null) {
        const [kind, id] = splitCompositeKey(after, "after");
        conditions.push(`(kind, id) > (${params.add(kind)}, ${params.add(id)})`);
      }
      const rows = await executor.rows<DocRow>(
        "resources.listByOrganization",
        `SELECT doc FROM ${table} WHERE ${conditions.join(" AND ")} ORDER BY kind, id LIMIT ${params.add(limit)}`,
        params.values
      );
      return docs(rows);
    },

    async reassignOrganization(from, to, options) {
      const { after, limit, stamp: assignedAt } = readReassignment(from, to, options, "assignedAt");
      const params = new Parameters();
      const conditions = [`tenant_id = ${T}`, `organization_id = ${params.add(from)}`];
      if (after !== null) {
        const [kind, id] = splitCompositeKey(after, "after");
        conditions.push(`(kind, id) > (${params.add(kind)}, ${params.add(id)})`);
      }
      // One statement: the page, each row re-owned with its document rebuilt as resources.put writes it.
      const toParam = params.add(to);
      const atParam = params.add(assignedAt);
      const rows = await executor.rows<DocRow & { kind: string; id: string }>(
        "resources.reassignOrganization",
        `UPDATE ${table} AS r SET organization_id = ${toParam},
                doc = json_build_object('kind', r.kind, 'id', r.id, 'organizationId', ${toParam}::text, 'assignedAt', ${atParam}::text)
           FROM (SELECT kind, id FROM ${table} WHERE ${conditions.join(" AND ")} ORDER BY kind, id LIMIT ${params.add(limit)}) AS page
          WHERE r.tenant_id = ${T} AND r.kind = page.kind AND r.id = page.id
          RETURNING r.kind, r.id, r.doc`,
        params.values
      );
      // RETURNING has no order: by (kind, id), compared by code unit as the ports order.
      return docs(rows.sort((a, b) => (a.kind !== b.kind ? (a.kind < b.kind ? -1 : 1) : a.id < b.id ? -1 : a.id > b.id ? 1 : 0)));
    },

    async scan(options) {
      const { after, limit } = readKeyset(options);
      const params = new Parameters();
      let where = `WHERE tenant_id = ${T}`;
      if (after !== null) {
        const [kind, id] = splitCompositeKey(after, "after");
        where += ` AND (kind, id) > (${params.add(kind)}, ${params.add(id)})`;
      }
      const rows = await executor.rows<DocRow>(
        "resources.scan",
        `SELECT doc FROM ${table} ${where} ORDER BY kind, id LIMIT ${params.add(limit)}`,
        params.values
      );
      return docs(rows);
    },
  };
}
