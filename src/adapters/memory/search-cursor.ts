import type { OrganizationSortField } from "../../storage/ports.js";
import { invalidArgument } from "./arguments.js";

/** The position of the last item of a search page: its sort value and id, under a sort and direction. */
export interface SearchPosition {
  readonly sort: OrganizationSortField;
  readonly direction: "asc" | "desc";
  /** The lower-cased name, or the timestamp in epoch milliseconds. */
  readonly value: string | number;
  readonly id: string;
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
 * sort and direction ride along so a cursor replayed with another ordering is refused
 * instead of silently skipping rows.
 *
 * @internal
 */
export function encodeSearchCursor(position: SearchPosition): string {
  return toBase64Url(JSON.stringify([position.sort, position.direction, position.value, position.id]));
}

/**
 * Decodes a cursor made by {@link encodeSearchCursor} for this sort and direction;
 * anything else is `VALIDATION_FAILED` at path `cursor`.
 *
 * @internal
 */
export function decodeSearchCursor(cursor: string, sort: OrganizationSortField, direction: "asc" | "desc"): SearchPosition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fromBase64Url(cursor));
  } catch {
    throw invalidArgument("cursor", "is not a cursor returned by this search", "invalid_cursor");
  }
  if (!Array.isArray(parsed) || parsed.length !== 4) throw invalidArgument("cursor", "is not a cursor returned by this search", "invalid_cursor");
  const [cursorSort, cursorDirection, value, id] = parsed as unknown[];
  if (cursorSort !== sort || cursorDirection !== direction) {
    throw invalidArgument("cursor", `was made for sort '${String(cursorSort)}' ${String(cursorDirection)}, not '${sort}' ${direction}`, "invalid_cursor");
  }
  const valueOk = sort === "name" ? typeof value === "string" : typeof value === "number" && Number.isFinite(value);
  if (!valueOk || typeof id !== "string") throw invalidArgument("cursor", "is not a cursor returned by this search", "invalid_cursor");
  return { sort, direction, value: value as string | number, id };
}
