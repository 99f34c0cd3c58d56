/**
 * Organizations in PostgreSQL: the whole aggregate as a `json` document, plus the columns that
 * filters, sorts, hierarchy queries and uniqueness need.
 *
 * @module
 */
import { notFound, versionConflict } from "../../errors.js";
import type { Organization } from "../../domain/organization/schema.js";
import type { KeysetOptions, OrganizationRepository, OrganizationSearchQuery, SearchPage } from "../../storage/ports.js";
import type { RepositoryContext } from "./context.js";
import { getDocument, getDocuments } from "./documents.js";
import type { SqlExecutor } from "./executor.js";
import { searchOrganizations } from "./organization-search.js";
import { checkString, invalidArgument, Parameters, readDocument, readKeyset } from "./sql.js";
import { readIncludeDiscontinued, readOptions } from "../../storage/arguments.js";

/**
 * The organization repository of the PostgreSQL adapter: the port, plus a batched
 * `insertMany` for imports.
 */
export interface PostgresOrganizationRepository extends OrganizationRepository {
  /**
   * Stores many new organizations in one multi-row statement (all or nothing): the bulk
   * import path. Same rules as `insert`: `CONFLICT` (reason `unique`) when any id,
   * external id or (with unique names) active name is taken, also within the batch.
   * Large inputs are sent in chunks of `chunkSize` (default 1000) rows, one statement
   * each, inside one transaction (the caller's, when called in `storage.transaction`).
   */
  insertMany(organizations: readonly Organization[], options?: { readonly chunkSize?: number }): Promise<void>;
}

/** Values derived in JavaScript, so case folding matches the memory adapter whatever the database locale. */
function derivedKeys(organization: Organization, uniqueNames: boolean) {
  const nameLower = organization.name.toLowerCase();
  return {
    name_lower: nameLower,
    name_key: uniqueNames && organization.status === "active" ? nameLower : null,
    id_lower: organization.id.toLowerCase(),
    external_id_lower: organization.externalId === null ? null : organization.externalId.toLowerCase(),
    tags_lower: [...new Set(organization.tags.map((tag) => tag.toLowerCase()))],
  };
}

/** A row as sent to the database: the document `d` and the derived keys `k`. */
function rowJson(organization: Organization, uniqueNames: boolean): { d: Organization; k: ReturnType<typeof derivedKeys> } {
  return { d: organization, k: derivedKeys(organization, uniqueNames) };
}

const COLUMNS = [
  "id",
  "external_id",
  "name",
  "name_lower",
  "name_key",
  "id_lower",
  "external_id_lower",
  "type",
  "tags_lower",
  "states",
  "parent_id",
  "status",
  "created_at",
  "updated_at",
  "version",
  "doc",
] as const;

/** The column values of a JSON row `r` (see {@link rowJson}), in {@link COLUMNS} order. */
function columnExpressions(r: string): string[] {
  return [
    `${r}->'d'->>'id'`,
    `${r}->'d'->>'externalId'`,
    `${r}->'d'->>'name'`,
    `${r}->'k'->>'name_lower'`,
    `${r}->'k'->>'name_key'`,
    `${r}->'k'->>'id_lower'`,
    `${r}->'k'->>'external_id_lower'`,
    `${r}->'d'->>'type'`,
    `ARRAY(SELECT jsonb_array_elements_text(${r}->'k'->'tags_lower'))`,
    `ARRAY(SELECT jsonb_array_elements_text(${r}->'d'->'states'))`,
    `${r}->'d'->>'parentId'`,
    `${r}->'d'->>'status'`,
    `(${r}->'d'->>'createdAt')::timestamptz`,
    `(${r}->'d'->>'updatedAt')::timestamptz`,
    `(${r}->'d'->>'version')::integer`,
    `${r}->'d'`,
  ];
}

function checkOrganization(organization: Organization, path: string): Organization {
  if (typeof organization !== "object" || organization === null) throw invalidArgument(path, "must be an organization");
  checkString(organization.id, `${path}.id`);
  checkString(organization.name, `${path}.name`);
  return organization;
}

type DocRow = { doc: unknown };
const docs = (rows: readonly DocRow[]): Organization[] => rows.map((row) => readDocument<Organization>(row.doc));

/** Builds the organization repository over a context. */
export function createOrganizationRepository(context: RepositoryContext): PostgresOrganizationRepository {
  const { executor, tables, settings } = context;
  const table = tables.organizations;
  const insertSql = `INSERT INTO ${table} (${COLUMNS.join(", ")}) SELECT ${columnExpressions("e.r").join(", ")} FROM jsonb_array_elements($1::jsonb) AS e(r)`;
  const updateSql =
    `UPDATE ${table} AS o SET ${COLUMNS.filter((c) => c !== "id")
      .map((c) => `${c} = s.${c}`)
      .join(", ")} ` +
    `FROM (SELECT ${columnExpressions("x.r")
      .map((expression, i) => `${expression} AS ${COLUMNS[i]}`)
      .join(", ")} FROM (SELECT $1::jsonb AS r) AS x) AS s ` +
    `WHERE o.id = s.id AND o.version = $2 RETURNING o.id`;

  async function insertChunk(on: SqlExecutor, chunk: readonly Organization[], operation: string): Promise<void> {
    await on.rows(operation, insertSql, [JSON.stringify(chunk.map((o) => rowJson(o, settings.uniqueNames)))]);
  }

  return {
    get: (id) => getDocument<Organization>(executor, "organizations.get", table, id),

    getMany: (ids) => getDocuments<Organization>(executor, "organizations.getMany", table, ids),

    async getByExternalId(externalId) {
      checkString(externalId, "externalId");
      const rows = await executor.rows<DocRow>("organizations.getByExternalId", `SELECT doc FROM ${table} WHERE external_id = $1`, [externalId]);
      return rows[0] === undefined ? null : readDocument<Organization>(rows[0].doc);
    },

    async findActiveByName(name) {
      checkString(name, "name");
      const rows = await executor.rows<DocRow>(
        "organizations.findActiveByName",
        `SELECT doc FROM ${table} WHERE name_lower = $1 AND status = 'active' ORDER BY id LIMIT 1`,
        [name.toLowerCase()]
      );
      return rows[0] === undefined ? null : readDocument<Organization>(rows[0].doc);
    },

    async insert(organization) {
      await insertChunk(executor, [checkOrganization(organization, "organization")], "organizations.insert");
    },

    async insertMany(organizations, options = {}) {
      if (!Array.isArray(organizations)) throw invalidArgument("organizations", "must be an array of organizations");
      organizations.forEach((o, i) => checkOrganization(o, `organizations.${i}`));
      const chunkSize = readOptions(options).chunkSize ?? 1000;
      if (!Number.isInteger(chunkSize) || chunkSize < 1) throw invalidArgument("chunkSize", "must be a positive integer");
      if (organizations.length === 0) return;
      if (organizations.length <= chunkSize) return insertChunk(executor, organizations, "organizations.insertMany");
      // Several statements: one transaction (or the caller's) keeps the batch all or nothing.
      await executor.atomic("organizations.insertMany", async (tx) => {
        for (let start = 0; start < organizations.length; start += chunkSize) {
          await insertChunk(tx, organizations.slice(start, start + chunkSize), "organizations.insertMany");
        }
      });
    },

    async update(organization, expectedVersion) {
      checkOrganization(organization, "organization");
      if (!Number.isInteger(expectedVersion)) throw invalidArgument("expectedVersion", "must be an integer");
      // Compare-and-set on the version column: two writers holding the same version cannot both win.
      const updated = await executor.rows("organizations.update", updateSql, [JSON.stringify(rowJson(organization, settings.uniqueNames)), expectedVersion]);
      if (updated.length > 0) return;
      const current = await executor.rows<{ version: number }>("organizations.update", `SELECT version FROM ${table} WHERE id = $1`, [organization.id]);
      const stored = current[0];
      if (stored === undefined) throw notFound("organization", organization.id);
      throw versionConflict("organization", organization.id, expectedVersion, Number(stored.version));
    },

    async children(parentId, options) {
      if (parentId !== null) checkString(parentId, "parentId");
      const params = new Parameters();
      const conditions = [parentId === null ? "parent_id IS NULL" : `parent_id = ${params.add(parentId)}`];
      let limit = "";
      if (options !== undefined) {
        const keyset = readKeyset(options);
        if (keyset.after !== null) conditions.push(`id > ${params.add(keyset.after)}`);
        limit = ` LIMIT ${params.add(keyset.limit)}`;
      }
      const rows = await executor.rows<DocRow>(
        "organizations.children",
        `SELECT doc FROM ${table} WHERE ${conditions.join(" AND ")} ORDER BY id${limit}`,
        params.values
      );
      return docs(rows);
    },

    async ancestors(id) {
      checkString(id, "id");
      // Walks up parent_id one level per iteration; `path` stops the walk should the
      // stored data ever contain a cycle.
      const rows = await executor.rows<DocRow>(
        "organizations.ancestors",
        `WITH RECURSIVE chain (id, parent_id, depth, path, doc) AS (
           SELECT p.id, p.parent_id, 1, ARRAY[c.id, p.id], p.doc
             FROM ${table} c JOIN ${table} p ON p.id = c.parent_id
            WHERE c.id = $1
           UNION ALL
           SELECT p.id, p.parent_id, chain.depth + 1, chain.path || p.id, p.doc
             FROM chain JOIN ${table} p ON p.id = chain.parent_id
            WHERE NOT p.id = ANY(chain.path)
         )
         SELECT doc FROM chain ORDER BY depth`,
        [id]
      );
      return docs(rows);
    },

    async descendants(id, options = {}) {
      checkString(id, "id");
      const includeDiscontinued = readIncludeDiscontinued(options);
      const active = includeDiscontinued ? "" : " AND o.status = 'active'";
      // Each row carries the path of ids from `id` down to it; ordering by that array
      // (ids COLLATE "C") is exactly depth-first pre-order with siblings by id. Excluding
      // discontinued rows in both terms prunes their whole subtrees.
      const rows = await executor.rows<DocRow>(
        "organizations.descendants",
        `WITH RECURSIVE tree (id, path, doc) AS (
           SELECT o.id, ARRAY[o.parent_id, o.id], o.doc
             FROM ${table} o
            WHERE o.parent_id = $1${active}
           UNION ALL
           SELECT o.id, tree.path || o.id, o.doc
             FROM tree JOIN ${table} o ON o.parent_id = tree.id
            WHERE NOT o.id = ANY(tree.path)${active}
         )
         SELECT doc FROM tree ORDER BY path`,
        [id]
      );
      return docs(rows);
    },

    async subtreeHeight(id) {
      checkString(id, "id");
      const rows = await executor.rows<{ height: unknown }>(
        "organizations.subtreeHeight",
        `WITH RECURSIVE tree (id, depth, path) AS (
           SELECT o.id, 1, ARRAY[o.parent_id, o.id] FROM ${table} o WHERE o.parent_id = $1
           UNION ALL
           SELECT o.id, tree.depth + 1, tree.path || o.id
             FROM tree JOIN ${table} o ON o.parent_id = tree.id
            WHERE NOT o.id = ANY(tree.path)
         )
         SELECT coalesce(max(depth), 0) AS height FROM tree`,
        [id]
      );
      return Number(rows[0]?.height ?? 0);
    },

    search(query: OrganizationSearchQuery): Promise<SearchPage<Organization>> {
      return searchOrganizations(context, query);
    },

    async scan(options: KeysetOptions) {
      const { after, limit } = readKeyset(options);
      const params = new Parameters();
      const where = after === null ? "" : `WHERE id > ${params.add(after)}`;
      const rows = await executor.rows<DocRow>("organizations.scan", `SELECT doc FROM ${table} ${where} ORDER BY id LIMIT ${params.add(limit)}`, params.values);
      return docs(rows);
    },
  };
}
