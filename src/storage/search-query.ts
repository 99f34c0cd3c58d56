/**
 * Organization search, the part every adapter shares: validating an
 * `OrganizationSearchQuery` (defaults applied, text and tags lower-cased with
 * JavaScript's case mapping so matching never depends on a database locale) and the
 * opaque keyset cursors.
 *
 * @module
 */
import { ORGANIZATION_STATUSES, type OrganizationStatus } from "../permissions/snapshot.js";
import { checkLimit, invalidArgument } from "./arguments.js";
import type { OrganizationSearchQuery, OrganizationSortField } from "./ports.js";

const SORT_FIELDS: readonly OrganizationSortField[] = ["name", "createdAt", "updatedAt"];
const STATUSES: readonly OrganizationStatus[] = ORGANIZATION_STATUSES;
/** Page size when a search names none. */
export const DEFAULT_SEARCH_LIMIT = 50;

/** Where the previous page ended: its last item's sort value and id, under a sort and direction. */
export interface SearchPosition<V extends string | number = string | number> {
  readonly sort: OrganizationSortField;
  readonly direction: "asc" | "desc";
  /** The lower-cased name, or the adapter's form of the timestamp. */
  readonly value: V;
  readonly id: string;
}

/** A validated search with defaults applied. */
export interface ParsedSearchQuery<V extends string | number = string | number> {
  /** Lower-cased; `null` for no text filter. */
  readonly text: string | null;
  /** `null`: any type (an empty list matches nothing). */
  readonly types: readonly string[] | null;
  /** Lower-cased, de-duplicated. */
  readonly tags: readonly string[];
  /** De-duplicated. */
  readonly states: readonly string[];
  readonly status: OrganizationStatus | null;
  /** `undefined`: any parent; `null`: roots. */
  readonly parentId: string | null | undefined;
  readonly sort: OrganizationSortField;
  readonly direction: "asc" | "desc";
  readonly limit: number;
  readonly after: SearchPosition<V> | null;
  /** `null`: every organization; else the ids and the {@link stateSetKey}s of the visible state sets. */
  readonly visibility: { readonly organizationIds: readonly string[]; readonly stateKeys: readonly string[] } | null;
}

/**
 * The key of a set of state flags that adapters compare: the distinct flags in code-unit
 * order joined by commas (`""` for no state). State flags are identifiers, so they hold
 * no comma. The PostgreSQL adapter computes the same key in SQL.
 */
export function stateSetKey(states: readonly string[]): string {
  return [...new Set(states)].sort().join(",");
}

function parseVisibility(value: unknown): ParsedSearchQuery["visibility"] {
  if (value === undefined) return null;
  if (typeof value !== "object" || value === null) throw invalidArgument("visibility", "must be an object");
  const { organizationIds, stateSets } = value as { organizationIds?: unknown; stateSets?: unknown };
  const ids = stringList(organizationIds, "visibility.organizationIds");
  if (ids === null) throw invalidArgument("visibility.organizationIds", "must be an array of strings");
  if (!Array.isArray(stateSets)) throw invalidArgument("visibility.stateSets", "must be an array of arrays of strings");
  const stateKeys = stateSets.map((set, index) => stateSetKey(stringList(set, `visibility.stateSets.${index}`) ?? []));
  return { organizationIds: [...new Set(ids)], stateKeys: [...new Set(stateKeys)] };
}

function stringList(value: unknown, path: string): readonly string[] | null {
  if (value === undefined) return null;
  if (!Array.isArray(value) || value.some((item) => typeof item !== "string")) throw invalidArgument(path, "must be an array of strings");
  return value as readonly string[];
}

/**
 * Validates a search (`VALIDATION_FAILED` with the offending path) and applies defaults.
 * `isCursorValue` says whether a decoded cursor value fits the sort (adapters keep
 * timestamps in their own form).
 */
export function parseSearchQuery<V extends string | number>(
  query: OrganizationSearchQuery,
  isCursorValue: (sort: OrganizationSortField, value: unknown) => value is V,
): ParsedSearchQuery<V> {
  if (typeof query !== "object" || query === null) throw invalidArgument("query", "must be an object");
  const { text, status, parentId, sort, direction, limit, cursor } = query;
  if (text !== undefined && typeof text !== "string") throw invalidArgument("text", "must be a string");
  if (status !== undefined && !STATUSES.includes(status)) throw invalidArgument("status", `must be ${STATUSES.map((s) => `'${s}'`).join(" or ")}`);
  if (parentId !== undefined && parentId !== null && typeof parentId !== "string") throw invalidArgument("parentId", "must be a string or null");
  if (sort !== undefined && !SORT_FIELDS.includes(sort)) throw invalidArgument("sort", `must be one of ${SORT_FIELDS.join(", ")}`);
  if (direction !== undefined && direction !== "asc" && direction !== "desc") throw invalidArgument("direction", "must be 'asc' or 'desc'");
  if (cursor !== undefined && cursor !== null && typeof cursor !== "string") throw invalidArgument("cursor", "must be a string or null");
  const resolvedSort = sort ?? "name";
  const resolvedDirection = direction ?? "asc";
  return {
    text: text === undefined || text === "" ? null : text.toLowerCase(),
    types: stringList(query.types, "types"),
    tags: [...new Set((stringList(query.tags, "tags") ?? []).map((tag) => tag.toLowerCase()))],
    states: [...new Set(stringList(query.states, "states") ?? [])],
    status: status ?? null,
    parentId,
    sort: resolvedSort,
    direction: resolvedDirection,
    limit: limit === undefined ? DEFAULT_SEARCH_LIMIT : checkLimit(limit),
    after: cursor === undefined || cursor === null ? null : decodeSearchCursor(cursor, resolvedSort, resolvedDirection, isCursorValue),
    visibility: parseVisibility(query.visibility),
  };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

function toBase64Url(text: string): string {
  let binary = "";
  for (const byte of encoder.encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): string {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error("not base64url");
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return decoder.decode(bytes);
}

/**
 * Encodes a keyset cursor: base64url of the JSON `[sort, direction, value, id]`. The
 * sort and direction ride along so a cursor replayed under another ordering is refused
 * instead of silently skipping rows.
 */
export function encodeSearchCursor(position: SearchPosition): string {
  return toBase64Url(JSON.stringify([position.sort, position.direction, position.value, position.id]));
}

/** Decodes a cursor made by {@link encodeSearchCursor} for this sort and direction; anything else is `VALIDATION_FAILED` at `cursor`. */
export function decodeSearchCursor<V extends string | number>(
  cursor: string,
  sort: OrganizationSortField,
  direction: "asc" | "desc",
  isCursorValue: (sort: OrganizationSortField, value: unknown) => value is V,
): SearchPosition<V> {
  const foreign = () => invalidArgument("cursor", "is not a cursor returned by this search", "invalid_cursor");
  let parsed: unknown;
  try {
    parsed = JSON.parse(fromBase64Url(cursor));
  } catch {
    throw foreign();
  }
  if (!Array.isArray(parsed) || parsed.length !== 4) throw foreign();
  const [cursorSort, cursorDirection, value, id] = parsed as unknown[];
  if (cursorSort !== sort || cursorDirection !== direction) {
    throw invalidArgument("cursor", `was made for sort '${String(cursorSort)}' ${String(cursorDirection)}, not '${sort}' ${direction}`, "invalid_cursor");
  }
  if (!isCursorValue(sort, value) || typeof id !== "string") throw foreign();
  return { sort, direction, value, id };
}
