/**
 * Organization search in SQL: the filters of `OrganizationSearchQuery`, keyset
 * pagination by `(sort value, id)` and a total count.
 *
 * @module
 */
import { match } from "ts-pattern";
import type { Organization } from "../../domain/organization/schema.js";
import type { OrganizationSearchQuery, OrganizationSortField, SearchPage } from "../../storage/ports.js";
import type { RepositoryContext } from "./context.js";
import { encodeSearchCursor, parseSearchQuery, type ParsedSearchQuery } from "../../storage/search-query.js";
import { escapeLike, Parameters, readDocument } from "./sql.js";

/** A validated search for PostgreSQL: timestamps in cursors are the ISO strings stored. */
type ParsedSearch = ParsedSearchQuery<string>;

function isCursorValue(sort: OrganizationSortField, value: unknown): value is string {
  return typeof value === "string" && (sort === "name" || !Number.isNaN(Date.parse(value)));
}

function parseSearch(query: OrganizationSearchQuery): ParsedSearch {
  return parseSearchQuery(query, isCursorValue);
}

/** The column a sort orders by, and the cast its cursor value needs. */
function sortColumn(sort: OrganizationSortField): { column: string; cast: string } {
  return match(sort)
    .with("name", () => ({ column: "name_lower", cast: "text" }))
    .with("createdAt", () => ({ column: "created_at", cast: "timestamptz" }))
    .with("updatedAt", () => ({ column: "updated_at", cast: "timestamptz" }))
    .exhaustive();
}

/** The value of an organization under a sort, as it goes into a cursor. */
function sortValue(organization: Organization, sort: OrganizationSortField): string {
  return match(sort)
    .with("name", () => organization.name.toLowerCase())
    .with("createdAt", () => organization.createdAt)
    .with("updatedAt", () => organization.updatedAt)
    .exhaustive();
}

/** The WHERE conditions of the filters (without the cursor), adding their parameters. */
function filterConditions(search: ParsedSearch, params: Parameters): string[] {
  const conditions: string[] = [];
  if (search.text !== null) {
    const pattern = params.add(`%${escapeLike(search.text)}%`);
    conditions.push(`(name_lower LIKE ${pattern} OR id_lower LIKE ${pattern} OR external_id_lower LIKE ${pattern})`);
  }
  if (search.types !== null) conditions.push(`type = ANY(${params.add(search.types)}::text[])`);
  // Array containment: answered by the GIN indexes on tags_lower and states.
  if (search.tags.length > 0) conditions.push(`tags_lower @> ${params.add(search.tags)}::text[]`);
  if (search.states.length > 0) conditions.push(`states @> ${params.add(search.states)}::text[]`);
  if (search.status !== null) conditions.push(`status = ${params.add(search.status)}`);
  if (search.parentId === null) conditions.push("parent_id IS NULL");
  else if (search.parentId !== undefined) conditions.push(`parent_id = ${params.add(search.parentId)}`);
  if (search.visibility !== null) {
    // The same key as stateSetKey: distinct flags in code-unit order, joined by commas.
    const stateKey = `array_to_string(ARRAY(SELECT DISTINCT u.s COLLATE "C" FROM unnest(states) AS u(s) ORDER BY 1), ',')`;
    conditions.push(
      `(id = ANY(${params.add(search.visibility.organizationIds)}::text[]) OR ${stateKey} = ANY(${params.add(search.visibility.stateKeys)}::text[]))`,
    );
  }
  return conditions;
}

/**
 * Runs a search: one statement for the page (an index range scan in sort order when
 * the filters allow, reading `limit + 1` rows to know whether another page follows) and,
 * unless the first page already holds every match, one `count(*)` for the total.
 */
export async function searchOrganizations(context: RepositoryContext, query: OrganizationSearchQuery): Promise<SearchPage<Organization>> {
  const search = parseSearch(query);
  const table = context.tables.organizations;
  const { column, cast } = sortColumn(search.sort);
  const direction = search.direction === "asc" ? "ASC" : "DESC";

  const pageParams = new Parameters();
  const pageConditions = filterConditions(search, pageParams);
  if (search.after !== null) {
    // Row-value comparison: one keyset condition the (sort column, id) index can seek to.
    const operator = search.direction === "asc" ? ">" : "<";
    pageConditions.push(`(${column}, id) ${operator} (${pageParams.add(search.after.value)}::${cast}, ${pageParams.add(search.after.id)})`);
  }
  const pageWhere = pageConditions.length > 0 ? `WHERE ${pageConditions.join(" AND ")}` : "";
  const pageRows = await context.executor.rows<{ doc: unknown }>(
    "organizations.search",
    `SELECT doc FROM ${table} ${pageWhere} ORDER BY ${column} ${direction}, id ${direction} LIMIT ${pageParams.add(search.limit + 1)}`,
    pageParams.values
  );
  const items = pageRows.slice(0, search.limit).map((row) => readDocument<Organization>(row.doc));
  const last = items.at(-1);
  const nextCursor =
    pageRows.length > search.limit && last !== undefined
      ? encodeSearchCursor({ sort: search.sort, direction: search.direction, value: sortValue(last, search.sort), id: last.id })
      : null;

  let total: number;
  if (search.after === null && nextCursor === null) {
    total = items.length;
  } else {
    const countParams = new Parameters();
    const countConditions = filterConditions(search, countParams);
    const countWhere = countConditions.length > 0 ? `WHERE ${countConditions.join(" AND ")}` : "";
    const rows = await context.executor.rows<{ total: unknown }>(
      "organizations.search (count)",
      `SELECT count(*) AS total FROM ${table} ${countWhere}`,
      countParams.values
    );
    total = Number(rows[0]?.total ?? 0);
  }
  return { items, nextCursor, total };
}
