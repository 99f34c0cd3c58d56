import { match } from "ts-pattern";
import type { Organization, OrganizationStatus } from "../../domain/organization/schema.js";
import type { OrganizationSearchQuery, OrganizationSortField, SearchPage } from "../../storage/ports.js";
import { checkLimit, invalidArgument } from "./arguments.js";
import { decodeSearchCursor, encodeSearchCursor, type SearchPosition } from "./search-cursor.js";

/** An organization with the derived values search and the indexes need, computed once per write. */
export interface OrganizationRow {
  readonly organization: Organization;
  readonly lowerName: string;
  readonly lowerId: string;
  readonly lowerExternalId: string | null;
  readonly lowerTags: ReadonlySet<string>;
  readonly createdMs: number;
  readonly updatedMs: number;
}

/** Derives an {@link OrganizationRow} from a stored (frozen) organization. */
export function organizationRow(organization: Organization): OrganizationRow {
  return {
    organization,
    lowerName: organization.name.toLowerCase(),
    lowerId: organization.id.toLowerCase(),
    lowerExternalId: organization.externalId === null ? null : organization.externalId.toLowerCase(),
    lowerTags: new Set(organization.tags.map((tag) => tag.toLowerCase())),
    createdMs: timeOf(organization.createdAt),
    updatedMs: timeOf(organization.updatedAt),
  };
}

function timeOf(iso: string): number {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? 0 : ms;
}

const SORT_FIELDS: readonly OrganizationSortField[] = ["name", "createdAt", "updatedAt"];
const STATUSES: readonly OrganizationStatus[] = ["active", "discontinued"];
const DEFAULT_LIMIT = 50;

/** A validated search query with defaults applied. */
export interface ParsedSearchQuery {
  readonly text: string | null;
  readonly types: ReadonlySet<string> | null;
  readonly tags: readonly string[];
  readonly states: readonly string[];
  readonly status: OrganizationStatus | null;
  /** `undefined`: any parent. */
  readonly parentId: string | null | undefined;
  readonly sort: OrganizationSortField;
  readonly direction: "asc" | "desc";
  readonly limit: number;
  readonly after: SearchPosition | null;
}

function stringList(value: unknown, path: string): readonly string[] | null {
  if (value === undefined) return null;
  if (!Array.isArray(value) || value.some((item) => typeof item !== "string")) throw invalidArgument(path, "must be an array of strings");
  return value as readonly string[];
}

/** Validates a search query (`VALIDATION_FAILED` with the offending path) and applies defaults. */
export function parseSearchQuery(query: OrganizationSearchQuery): ParsedSearchQuery {
  if (typeof query !== "object" || query === null) throw invalidArgument("query", "must be an object");
  const { text, status, parentId, sort, direction, limit, cursor } = query;
  if (text !== undefined && typeof text !== "string") throw invalidArgument("text", "must be a string");
  if (status !== undefined && !STATUSES.includes(status)) throw invalidArgument("status", "must be 'active' or 'discontinued'");
  if (parentId !== undefined && parentId !== null && typeof parentId !== "string") throw invalidArgument("parentId", "must be a string or null");
  if (sort !== undefined && !SORT_FIELDS.includes(sort)) throw invalidArgument("sort", `must be one of ${SORT_FIELDS.join(", ")}`);
  if (direction !== undefined && direction !== "asc" && direction !== "desc") throw invalidArgument("direction", "must be 'asc' or 'desc'");
  if (cursor !== undefined && cursor !== null && typeof cursor !== "string") throw invalidArgument("cursor", "must be a string or null");
  const types = stringList(query.types, "types");
  const resolvedSort = sort ?? "name";
  const resolvedDirection = direction ?? "asc";
  return {
    text: text === undefined || text === "" ? null : text.toLowerCase(),
    types: types === null ? null : new Set(types),
    tags: (stringList(query.tags, "tags") ?? []).map((tag) => tag.toLowerCase()),
    states: stringList(query.states, "states") ?? [],
    status: status ?? null,
    parentId,
    sort: resolvedSort,
    direction: resolvedDirection,
    limit: limit === undefined ? DEFAULT_LIMIT : checkLimit(limit),
    after: cursor === undefined || cursor === null ? null : decodeSearchCursor(cursor, resolvedSort, resolvedDirection),
  };
}

function matches(row: OrganizationRow, query: ParsedSearchQuery): boolean {
  const organization = row.organization;
  if (query.status !== null && organization.status !== query.status) return false;
  if (query.types !== null && !query.types.has(organization.type)) return false;
  for (const state of query.states) if (!organization.states.includes(state)) return false;
  for (const tag of query.tags) if (!row.lowerTags.has(tag)) return false;
  if (query.text !== null) {
    const text = query.text;
    if (!row.lowerName.includes(text) && !row.lowerId.includes(text) && !(row.lowerExternalId?.includes(text) ?? false)) return false;
  }
  return true;
}

/** The function reading a row's sort value, chosen once per search (the scan calls it for every row). */
function sortValueOf(sort: OrganizationSortField): (row: OrganizationRow) => string | number {
  return match(sort)
    .with("name", () => (row: OrganizationRow) => row.lowerName)
    .with("createdAt", () => (row: OrganizationRow) => row.createdMs)
    .with("updatedAt", () => (row: OrganizationRow) => row.updatedMs)
    .exhaustive();
}

/** Compares two (value, id) keys in ascending order; values of one sort are all strings or all numbers. */
function compareKeys(valueA: string | number, idA: string, valueB: string | number, idB: string): number {
  if (valueA < valueB) return -1;
  if (valueA > valueB) return 1;
  return idA < idB ? -1 : idA > idB ? 1 : 0;
}

/**
 * Runs a search over `candidates` (every organization, or one parent's children when
 * the query has `parentId`). The memory adapter scans: each page costs one pass over
 * the candidates, keeping only the `limit` best rows after the cursor in a small sorted
 * buffer (O(n log limit)), and counts the total on the way.
 */
export function searchOrganizations(candidates: Iterable<OrganizationRow>, query: ParsedSearchQuery): SearchPage<Organization> {
  const sign = query.direction === "asc" ? 1 : -1;
  const after = query.after;
  const sortValue = sortValueOf(query.sort);
  const compare = (a: OrganizationRow, b: OrganizationRow) => sign * compareKeys(sortValue(a), a.organization.id, sortValue(b), b.organization.id);
  const best: OrganizationRow[] = [];
  let total = 0;
  let remaining = 0;
  for (const row of candidates) {
    if (!matches(row, query)) continue;
    total++;
    if (after !== null && sign * compareKeys(sortValue(row), row.organization.id, after.value, after.id) <= 0) continue;
    remaining++;
    if (best.length === query.limit && compare(row, best[best.length - 1]!) >= 0) continue;
    let lo = 0;
    let hi = best.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compare(best[mid]!, row) < 0) lo = mid + 1;
      else hi = mid;
    }
    best.splice(lo, 0, row);
    if (best.length > query.limit) best.pop();
  }
  const last = best[best.length - 1];
  const nextCursor =
    remaining > query.limit && last !== undefined
      ? encodeSearchCursor({ sort: query.sort, direction: query.direction, value: sortValue(last), id: last.organization.id })
      : null;
  return { items: best.map((row) => row.organization), nextCursor, total };
}
