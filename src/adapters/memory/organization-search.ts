import { match } from "ts-pattern";
import type { Organization } from "../../domain/organization/schema.js";
import type { OrganizationSearchQuery, OrganizationSortField, SearchPage } from "../../storage/ports.js";
import { encodeSearchCursor, parseSearchQuery, stateSetKey, type ParsedSearchQuery } from "../../storage/search-query.js";

/** An organization with the derived values search and the indexes need, computed once per write. */
export interface OrganizationRow {
  readonly organization: Organization;
  readonly lowerName: string;
  readonly lowerId: string;
  readonly lowerExternalId: string | null;
  readonly lowerTags: ReadonlySet<string>;
  /** The organization's {@link stateSetKey}, for visibility filters. */
  readonly stateKey: string;
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
    stateKey: stateSetKey(organization.states),
    createdMs: timeOf(organization.createdAt),
    updatedMs: timeOf(organization.updatedAt),
  };
}

function timeOf(iso: string): number {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? 0 : ms;
}

/** A validated search for the memory adapter: timestamps in cursors are epoch milliseconds. */
export type MemorySearchQuery = ParsedSearchQuery<string | number>;

function isCursorValue(sort: OrganizationSortField, value: unknown): value is string | number {
  return sort === "name" ? typeof value === "string" : typeof value === "number" && Number.isFinite(value);
}

/** Validates a search query (`VALIDATION_FAILED` with the offending path) and applies defaults. */
export function parseMemorySearch(query: OrganizationSearchQuery): MemorySearchQuery {
  return parseSearchQuery(query, isCursorValue);
}

function matches(row: OrganizationRow, query: MemorySearchQuery, visibleIds: ReadonlySet<string> | null, visibleStates: ReadonlySet<string> | null): boolean {
  const organization = row.organization;
  if (visibleIds !== null && !visibleIds.has(organization.id) && !visibleStates!.has(row.stateKey)) return false;
  if (query.status !== null && organization.status !== query.status) return false;
  if (query.types !== null && !query.types.includes(organization.type)) return false;
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
export function searchOrganizations(candidates: Iterable<OrganizationRow>, query: MemorySearchQuery): SearchPage<Organization> {
  const sign = query.direction === "asc" ? 1 : -1;
  const after = query.after;
  const sortValue = sortValueOf(query.sort);
  const compare = (a: OrganizationRow, b: OrganizationRow) => sign * compareKeys(sortValue(a), a.organization.id, sortValue(b), b.organization.id);
  const visibleIds = query.visibility === null ? null : new Set(query.visibility.organizationIds);
  const visibleStates = query.visibility === null ? null : new Set(query.visibility.stateKeys);
  const best: OrganizationRow[] = [];
  let total = 0;
  let remaining = 0;
  for (const row of candidates) {
    if (!matches(row, query, visibleIds, visibleStates)) continue;
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
