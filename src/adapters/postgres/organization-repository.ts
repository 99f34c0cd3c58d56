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
  /** See {@link OrganizationRepository.descendantIds}: one index-only scan of the hierarchy's closure. */
  descendantIds(id: string): Promise<string[]>;
  /** See {@link OrganizationRepository.moveChildren}: two statements (the rows, then the subtrees' ancestry). */
  moveChildren(fromParentId: string, children: readonly Organization[]): Promise<void>;
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

/**
 * Where a new row's ancestry comes from: the stored ancestry of `anchor` (its nearest
 * ancestor outside the batch being inserted, `null` for none), followed by `tail` (the ids
 * from the batch's topmost ancestor of the row down to the row itself).
 */
interface AncestrySource {
  readonly anchor: string | null;
  readonly tail: readonly string[];
}

/** A row as sent to the database: the document `d`, the derived keys `k` and, for inserts, the ancestry source `a`. */
function rowJson(organization: Organization, uniqueNames: boolean, ancestry?: AncestrySource): { d: Organization; k: ReturnType<typeof derivedKeys>; a?: AncestrySource } {
  return { d: organization, k: derivedKeys(organization, uniqueNames), ...(ancestry ? { a: ancestry } : {}) };
}

/**
 * The ancestry sources of a batch of new organizations, whose parents may be in the batch
 * (in any order) or stored already. A parent chain that loops inside the batch stops at
 * the loop (the service never writes one).
 */
function ancestrySources(batch: readonly Organization[]): AncestrySource[] {
  const byId = new Map(batch.map((o) => [o.id, o]));
  const memo = new Map<string, AncestrySource>();
  const sourceOf = (organization: Organization): AncestrySource => {
    const known = memo.get(organization.id);
    if (known !== undefined) return known;
    // Walk up inside the batch (iteratively: batches may be deep), then fill the memo top-down.
    const chain: Organization[] = [];
    const onChain = new Set<string>();
    let at: Organization | undefined = organization;
    let top: AncestrySource | null = null;
    while (at !== undefined && !onChain.has(at.id)) {
      const memoized = memo.get(at.id);
      if (memoized !== undefined) {
        top = memoized;
        break;
      }
      chain.push(at);
      onChain.add(at.id);
      at = at.parentId === null ? undefined : byId.get(at.parentId);
    }
    let source: AncestrySource;
    if (top !== null) {
      source = top;
    } else {
      const highest = chain[chain.length - 1]!;
      const anchor = highest.parentId !== null && !byId.has(highest.parentId) ? highest.parentId : null;
      source = { anchor, tail: [] };
    }
    for (let i = chain.length - 1; i >= 0; i--) {
      source = { anchor: source.anchor, tail: [...source.tail, chain[i]!.id] };
      memo.set(chain[i]!.id, source);
    }
    return memo.get(organization.id)!;
  };
  return batch.map(sourceOf);
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
type SubtreeRow = { id: string; parent_id: string | null; status: string; doc: string };

/** Code-unit order of ids (what the ports call id order). */
const compareCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The rows of a subtree (the root excluded) in depth-first pre-order, siblings by id in
 * code-unit order; without `includeDiscontinued`, a discontinued row and its whole subtree
 * are left out. Iterative, so deep trees cannot overflow the stack.
 */
function preOrder(rootId: string, rows: readonly SubtreeRow[], includeDiscontinued: boolean): SubtreeRow[] {
  const children = new Map<string, SubtreeRow[]>();
  for (const row of rows) {
    const key = row.parent_id ?? "";
    const list = children.get(key);
    if (list === undefined) children.set(key, [row]);
    else list.push(row);
  }
  for (const list of children.values()) list.sort((a, b) => compareCodeUnits(a.id, b.id));
  const out: SubtreeRow[] = [];
  const stack = [...(children.get(rootId) ?? [])].reverse();
  const seen = new Set<string>([rootId]);
  while (stack.length > 0) {
    const row = stack.pop()!;
    if (seen.has(row.id)) continue;
    seen.add(row.id);
    if (!includeDiscontinued && row.status !== "active") continue;
    out.push(row);
    const below = children.get(row.id);
    if (below !== undefined) for (let i = below.length - 1; i >= 0; i--) stack.push(below[i]!);
  }
  return out;
}
const docs = (rows: readonly DocRow[]): Organization[] => rows.map((row) => readDocument<Organization>(row.doc));

/** Builds the organization repository over a context. */
export function createOrganizationRepository(context: RepositoryContext): PostgresOrganizationRepository {
  const { executor, tables, settings, tenant: T } = context;
  const table = tables.organizations;
  const closure = tables.organizationClosure;
  // The ancestry of a new row: its anchor's stored ancestry (see AncestrySource), then its tail.
  const ancestryExpression =
    `COALESCE((SELECT p.ancestry FROM ${table} p WHERE p.tenant_id = ${T} AND p.id = e.r->'a'->>'anchor'), '{}'::text[]) || ` +
    `ARRAY(SELECT jsonb_array_elements_text(e.r->'a'->'tail'))::text[]`;
  // The rows, and in the same statement their closure rows: every ancestry element but the last.
  const insertSql =
    `WITH inserted AS (INSERT INTO ${table} (tenant_id, ${COLUMNS.join(", ")}, ancestry) SELECT ${T}, ${columnExpressions("e.r").join(", ")}, ${ancestryExpression} ` +
    `FROM jsonb_array_elements($1::jsonb) AS e(r) RETURNING id, ancestry) ` +
    `INSERT INTO ${closure} (tenant_id, ancestor_id, descendant_id) ` +
    `SELECT ${T}, a.id, i.id FROM inserted i CROSS JOIN LATERAL unnest(i.ancestry) WITH ORDINALITY AS a(id, position) WHERE a.position < cardinality(i.ancestry) ` +
    // A repeated ancestor can only come with a row whose id is taken, which fails the statement anyway.
    `ON CONFLICT DO NOTHING`;
  // After a compare-and-set update: whether it moved the organization (the snapshot of `old` is from before the update).
  const movedSql =
    `WITH old AS (SELECT parent_id FROM ${table} WHERE tenant_id = ${T} AND id = $3), ` +
    `upd AS (${updateSqlBody()}) ` +
    `SELECT upd.id, upd.parent_id IS DISTINCT FROM (SELECT parent_id FROM old) AS moved FROM upd`;
  // A move rewrites the ancestry of the moved subtree: the new parent's ancestry, then each row's path from the moved organization down.
  // `m.old` is the moved organization's ancestors before the move (the statement reads the rows as they were).
  const moveSql = subtreeRewrite(
    `SELECT o.ancestry[1:cardinality(o.ancestry) - 1] AS old, ` +
      `COALESCE((SELECT p.ancestry FROM ${table} p WHERE p.tenant_id = ${T} AND p.id = o.parent_id AND NOT p.ancestry @> ARRAY[o.id]::text[]), '{}'::text[]) AS prefix ` +
      `FROM ${table} o WHERE o.tenant_id = ${T} AND o.id = $1`,
    `m.prefix || d.ancestry[array_position(d.ancestry, $1::text):]`,
    `d.ancestry @> ARRAY[$1]::text[]`,
  );
  // Children that all moved under one new parent: every row is written only if every row is
  // at its expected version under the old parent (one statement, all or nothing).
  const moveChildrenSql =
    `WITH s AS (SELECT ${columnExpressions("e.r")
      .map((expression, i) => `${expression} AS ${COLUMNS[i]}`)
      .join(", ")} FROM jsonb_array_elements($1::jsonb) AS e(r)), ` +
    `ready AS (SELECT count(*) AS n FROM s JOIN ${table} o ON o.tenant_id = ${T} AND o.id = s.id AND o.version = s.version - 1 AND o.parent_id = $2) ` +
    `UPDATE ${table} AS o SET ${COLUMNS.filter((c) => c !== "id")
      .map((c) => `${c} = s.${c}`)
      .join(", ")} FROM s ` +
    `WHERE o.tenant_id = ${T} AND o.id = s.id AND (SELECT n FROM ready) = $3 RETURNING o.id`;
  // Their subtrees' ancestry: the new parent's, then each row's path from the moved child down
  // (the children are siblings, so each row lies under exactly one of them).
  const moveChildrenAncestrySql = subtreeRewrite(
    `SELECT f.ancestry AS old, p.ancestry AS prefix FROM ${table} f, ${table} p WHERE f.tenant_id = ${T} AND f.id = $2 AND p.tenant_id = ${T} AND p.id = $3`,
    `m.prefix || d.ancestry[array_position(d.ancestry, $2::text) + 1:]`,
    `d.ancestry && $1::text[]`,
  );
  /**
   * One statement that moves subtrees: rewrites the ancestry of the rows matching `rows`
   * (over `d`) to `ancestry` (over `d` and `m`), where `m` is one row of `old` (the moved
   * rows' ancestors outside the subtree before the move, which they all share) and `prefix`
   * (after it). The closure follows in the same statement: only the pairs with the ancestors
   * that differ are deleted and inserted, never the pairs inside the subtree.
   */
  function subtreeRewrite(m: string, ancestry: string, rows: string): string {
    return (
      `WITH m AS (${m}), ` +
      `moved AS (UPDATE ${table} AS d SET ancestry = ${ancestry} FROM m WHERE d.tenant_id = ${T} AND ${rows} RETURNING d.id), ` +
      `gone AS (DELETE FROM ${closure} AS c USING moved, m WHERE c.tenant_id = ${T} AND c.descendant_id = moved.id AND c.ancestor_id = ANY(m.old) AND NOT c.ancestor_id = ANY(m.prefix)) ` +
      `INSERT INTO ${closure} (tenant_id, ancestor_id, descendant_id) ` +
      `SELECT ${T}, a.id, moved.id FROM moved, m, unnest(m.prefix) AS a(id) WHERE NOT a.id = ANY(m.old)`
    );
  }
  function updateSqlBody(): string {
    return (
      `UPDATE ${table} AS o SET ${COLUMNS.filter((c) => c !== "id")
        .map((c) => `${c} = s.${c}`)
        .join(", ")} ` +
      `FROM (SELECT ${columnExpressions("x.r")
        .map((expression, i) => `${expression} AS ${COLUMNS[i]}`)
        .join(", ")} FROM (SELECT $1::jsonb AS r) AS x) AS s ` +
      `WHERE o.tenant_id = ${T} AND o.id = s.id AND o.version = $2 RETURNING o.id, o.parent_id`
    );
  }

  /** Inserts a chunk; `sources` are the ancestry sources of the chunk's rows (parents in earlier chunks are stored by then). */
  async function insertChunk(on: SqlExecutor, chunk: readonly Organization[], sources: readonly AncestrySource[], operation: string): Promise<void> {
    await on.rows(operation, insertSql, [JSON.stringify(chunk.map((o, i) => rowJson(o, settings.uniqueNames, sources[i])))]);
  }

  return {
    get: (id) => getDocument<Organization>(context, "organizations.get", table, id),

    getMany: (ids) => getDocuments<Organization>(context, "organizations.getMany", table, ids),

    async getByExternalId(externalId) {
      checkString(externalId, "externalId");
      const rows = await executor.rows<DocRow>("organizations.getByExternalId", `SELECT doc FROM ${table} WHERE tenant_id = ${T} AND external_id = $1`, [externalId]);
      return rows[0] === undefined ? null : readDocument<Organization>(rows[0].doc);
    },

    async findActiveByName(name) {
      checkString(name, "name");
      const rows = await executor.rows<DocRow>(
        "organizations.findActiveByName",
        `SELECT doc FROM ${table} WHERE tenant_id = ${T} AND name_lower = $1 AND status = 'active' ORDER BY id LIMIT 1`,
        [name.toLowerCase()]
      );
      return rows[0] === undefined ? null : readDocument<Organization>(rows[0].doc);
    },

    async insert(organization) {
      const checked = checkOrganization(organization, "organization");
      await insertChunk(executor, [checked], [{ anchor: checked.parentId ?? null, tail: [checked.id] }], "organizations.insert");
    },

    async insertMany(organizations, options = {}) {
      if (!Array.isArray(organizations)) throw invalidArgument("organizations", "must be an array of organizations");
      organizations.forEach((o, i) => checkOrganization(o, `organizations.${i}`));
      const chunkSize = readOptions(options).chunkSize ?? 1000;
      if (!Number.isInteger(chunkSize) || chunkSize < 1) throw invalidArgument("chunkSize", "must be a positive integer");
      if (organizations.length === 0) return;
      if (organizations.length <= chunkSize) return insertChunk(executor, organizations, ancestrySources(organizations), "organizations.insertMany");
      // Several statements: one transaction (or the caller's) keeps the batch all or nothing.
      // Each row's ancestry source names an anchor outside the batch, so chunk order does not matter.
      const sources = ancestrySources(organizations);
      await executor.atomic("organizations.insertMany", async (tx) => {
        for (let start = 0; start < organizations.length; start += chunkSize) {
          await insertChunk(tx, organizations.slice(start, start + chunkSize), sources.slice(start, start + chunkSize), "organizations.insertMany");
        }
      });
    },

    async update(organization, expectedVersion) {
      checkOrganization(organization, "organization");
      if (!Number.isInteger(expectedVersion)) throw invalidArgument("expectedVersion", "must be an integer");
      // Compare-and-set on the version column: two writers holding the same version cannot both win.
      // A move also rewrites the moved subtree's ancestry, in the same transaction.
      const payload = JSON.stringify(rowJson(organization, settings.uniqueNames));
      const updated = await executor.atomic("organizations.update", async (tx) => {
        const rows = await tx.rows<{ moved: boolean }>("organizations.update", movedSql, [payload, expectedVersion, organization.id]);
        if (rows[0]?.moved === true) await tx.rows("organizations.update (ancestry)", moveSql, [organization.id]);
        return rows;
      });
      if (updated.length > 0) return;
      const current = await executor.rows<{ version: number }>("organizations.update", `SELECT version FROM ${table} WHERE tenant_id = ${T} AND id = $1`, [organization.id]);
      const stored = current[0];
      if (stored === undefined) throw notFound("organization", organization.id);
      throw versionConflict("organization", organization.id, expectedVersion, Number(stored.version));
    },

    async moveChildren(fromParentId, children) {
      checkString(fromParentId, "fromParentId");
      if (!Array.isArray(children)) throw invalidArgument("children", "must be an array of organizations");
      children.forEach((o, i) => checkOrganization(o, `children.${i}`));
      if (children.length === 0) return;
      const parentId = children[0]!.parentId;
      const ids = new Set<string>();
      children.forEach((child, i) => {
        if (child.parentId !== parentId) throw invalidArgument(`children.${i}.parentId`, "must be the same new parent for every child");
        if (ids.has(child.id)) throw invalidArgument(`children.${i}.id`, "must not repeat an earlier child");
        ids.add(child.id);
      });
      if (typeof parentId !== "string" || parentId === fromParentId) throw invalidArgument("children.0.parentId", "must be a new parent, not fromParentId");
      const payload = JSON.stringify(children.map((o) => rowJson(o, settings.uniqueNames)));
      const moved = await executor.atomic("organizations.moveChildren", async (tx) => {
        const rows = await tx.rows<{ id: string }>("organizations.moveChildren", moveChildrenSql, [payload, fromParentId, children.length]);
        if (rows.length === children.length) await tx.rows("organizations.moveChildren (ancestry)", moveChildrenAncestrySql, [[...ids], fromParentId, parentId]);
        return rows.length;
      });
      if (moved === children.length) return;
      // Nothing was written: say which child was not where the caller saw it.
      const stored = await executor.rows<{ id: string; version: number; parent_id: string | null }>(
        "organizations.moveChildren",
        `SELECT id, version, parent_id FROM ${table} WHERE tenant_id = ${T} AND id = ANY($1::text[])`,
        [[...ids]]
      );
      const byId = new Map(stored.map((row) => [row.id, row]));
      for (const child of children) {
        const row = byId.get(child.id);
        if (row === undefined) throw notFound("organization", child.id);
        if (Number(row.version) !== child.version - 1 || row.parent_id !== fromParentId) throw versionConflict("organization", child.id, child.version - 1, Number(row.version));
      }
      throw versionConflict("organization", children[0]!.id, children[0]!.version - 1, null);
    },

    async children(parentId, options) {
      if (parentId !== null) checkString(parentId, "parentId");
      const params = new Parameters();
      const conditions = [`tenant_id = ${T}`, parentId === null ? "parent_id IS NULL" : `parent_id = ${params.add(parentId)}`];
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
      // The materialized ancestry, nearest first: one indexed lookup per ancestor by primary key.
      const rows = await executor.rows<DocRow & { position: unknown }>(
        "organizations.ancestors",
        `SELECT a.doc, array_position(o.ancestry, a.id) AS position
           FROM ${table} o JOIN ${table} a ON a.tenant_id = ${T} AND a.id = ANY(o.ancestry)
          WHERE o.tenant_id = ${T} AND o.id = $1 AND a.id <> $1
          ORDER BY position DESC`,
        [id]
      );
      return docs(rows);
    },

    async descendants(id, options = {}) {
      checkString(id, "id");
      const includeDiscontinued = readIncludeDiscontinued(options);
      // Every row whose ancestry holds `id` (the GIN index), unsorted; documents as text, so
      // only the rows returned are parsed. The depth-first pre-order (siblings by id, in
      // code-unit order) and the pruning of discontinued subtrees are done here.
      const rows = await executor.rows<SubtreeRow>(
        "organizations.descendants",
        `SELECT id, parent_id, status, doc::text AS doc FROM ${table} WHERE tenant_id = ${T} AND ancestry @> ARRAY[$1]::text[] AND id <> $1`,
        [id]
      );
      return preOrder(id, rows, includeDiscontinued).map((row) => readDocument<Organization>(row.doc));
    },

    async descendantIds(id) {
      checkString(id, "id");
      // The closure's primary key, index-only, as one string: one row to transfer and decode
      // instead of one per descendant (about half the time for 2,500 ids). The separator,
      // U+001F, is a control character no valid id holds; should a stored id hold it anyway,
      // the count disagrees with the split and the ids are read as rows instead.
      const [row] = await executor.rows<{ count: unknown; ids: string | null }>(
        "organizations.descendantIds",
        `SELECT count(*) AS count, string_agg(descendant_id, chr(31)) AS ids FROM ${closure} WHERE tenant_id = ${T} AND ancestor_id = $1`,
        [id]
      );
      let ids = row?.ids == null ? [] : row.ids.split("\u001f");
      if (ids.length !== Number(row?.count ?? 0)) {
        const rows = await executor.rows<{ id: string }>("organizations.descendantIds", `SELECT descendant_id AS id FROM ${closure} WHERE tenant_id = ${T} AND ancestor_id = $1`, [id]);
        ids = rows.map((r) => r.id);
      }
      // Code-unit order, as the memory adapter sorts (the index delivers nearly this order, so the sort is one pass).
      return ids.sort(compareCodeUnits);
    },

    async subtreeHeight(id) {
      checkString(id, "id");
      const rows = await executor.rows<{ height: unknown }>(
        "organizations.subtreeHeight",
        `SELECT COALESCE(max(cardinality(ancestry)) - (SELECT cardinality(ancestry) FROM ${table} WHERE tenant_id = ${T} AND id = $1), 0) AS height
           FROM ${table} WHERE tenant_id = ${T} AND ancestry @> ARRAY[$1]::text[]`,
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
      const where = after === null ? `WHERE tenant_id = ${T}` : `WHERE tenant_id = ${T} AND id > ${params.add(after)}`;
      const rows = await executor.rows<DocRow>("organizations.scan", `SELECT doc FROM ${table} ${where} ORDER BY id LIMIT ${params.add(limit)}`, params.values);
      return docs(rows);
    },

    // Set-wise reads for bulk imports: one statement per call (the service sends chunks).

    async getManyByExternalId(externalIds) {
      const wanted = checkStringList(externalIds, "externalIds");
      if (wanted.length === 0) return [];
      const rows = await executor.rows<DocRow>("organizations.getManyByExternalId", `SELECT doc FROM ${table} WHERE tenant_id = ${T} AND external_id = ANY($1::text[])`, [[...new Set(wanted)]]);
      const byExternalId = new Map(docs(rows).map((o) => [o.externalId!, o]));
      return inOrderOf(wanted, byExternalId);
    },

    async findActiveByNames(names) {
      const wanted = checkStringList(names, "names");
      if (wanted.length === 0) return [];
      const lower = [...new Set(wanted.map((name) => name.toLowerCase()))];
      const rows = await executor.rows<DocRow>(
        "organizations.findActiveByNames",
        `SELECT doc FROM ${table} WHERE tenant_id = ${T} AND name_lower = ANY($1::text[]) AND status = 'active' ORDER BY id`,
        [lower]
      );
      return docs(rows);
    },

    async ancestorIdsOfMany(ids) {
      const wanted = checkStringList(ids, "ids");
      if (wanted.length === 0) return [];
      // The materialized ancestry is root first and ends with the organization itself.
      const rows = await executor.rows<{ id: string; ancestry: string[] }>(
        "organizations.ancestorIdsOfMany",
        `SELECT id, ancestry FROM ${table} WHERE tenant_id = ${T} AND id = ANY($1::text[])`,
        [[...new Set(wanted)]]
      );
      const byId = new Map(rows.map((row) => [row.id, row.ancestry]));
      const out: { id: string; ancestorIds: string[] }[] = [];
      for (const id of wanted) {
        const ancestry = byId.get(id);
        if (ancestry !== undefined) out.push({ id, ancestorIds: ancestry.slice(0, -1).reverse() });
      }
      return out;
    },
  };
}

function checkStringList(values: unknown, path: string): string[] {
  if (!Array.isArray(values)) throw invalidArgument(path, "must be an array of strings");
  values.forEach((value, i) => checkString(value, `${path}.${i}`));
  return values as string[];
}

/** The found organizations in the order of `keys` (a repeated key gets its own copy: returned objects never share state). */
function inOrderOf(keys: readonly string[], found: ReadonlyMap<string, Organization>): Organization[] {
  const seen = new Set<string>();
  const out: Organization[] = [];
  for (const key of keys) {
    const organization = found.get(key);
    if (organization === undefined) continue;
    out.push(seen.has(key) ? structuredClone(organization) : organization);
    seen.add(key);
  }
  return out;
}
