/**
 * Small hand-written readers for untrusted JSON. `orgkit/permissions` has no runtime
 * dependencies, so instead of zod it validates with these: each reader checks one
 * field and throws `INVALID_SNAPSHOT` naming the dotted path of the bad part.
 *
 * Readers take the path of the containing object and the field's key separately, so
 * that a path array is only built when something is wrong (a snapshot may hold a
 * million users).
 *
 * Untrusted input may also be an exotic object: a getter that throws, a revoked
 * `Proxy`. The readers do not guard every property read; instead the entry points
 * (`compileTables`, `applyChanges`) catch what escapes and turn it into
 * `INVALID_SNAPSHOT` with {@link rethrowAsInvalidSnapshot}, so a caller only ever sees
 * an `OrgKitError`.
 *
 * @module
 */
import { OrgKitError, type InvalidSnapshotDetails } from "../errors.js";
import { MAX_ID_LENGTH } from "./snapshot.js";

/** A path into the snapshot, as segments (`["memberships", 3, "organizationId"]`). */
export type SnapshotPath = readonly (string | number)[];

/** A field key or array index. */
export type PathKey = string | number;

/** Joins path segments with dots: `memberships.3.organizationId`. */
export function formatPath(path: SnapshotPath): string {
  return path.length === 0 ? "(root)" : path.join(".");
}

/**
 * Throws the `INVALID_SNAPSHOT` error for `path`. `details.path` is the dotted path,
 * `details.message` the problem, `details.value` the offending value when it is a
 * primitive (strings cut to 200 characters).
 */
export function invalidSnapshot(path: SnapshotPath, message: string, value?: unknown): never {
  const dotted = formatPath(path);
  const kept = value === null || typeof value === "number" || typeof value === "boolean" ? value : typeof value === "string" ? (value.length > 200 ? `${value.slice(0, 200)}…` : value) : undefined;
  const details: InvalidSnapshotDetails = kept === undefined ? { path: dotted, message } : { path: dotted, message, value: kept };
  const error = new OrgKitError("INVALID_SNAPSHOT", `Invalid policy snapshot at ${dotted}: ${message}`, { details });
  thrownHere.add(error);
  throw error;
}

/**
 * The errors {@link invalidSnapshot} threw. An entry point re-throws these as they are
 * and wraps anything else; a `WeakSet` lookup never runs a getter or a proxy trap, so
 * it is safe on whatever a hostile getter threw (`instanceof` and property reads are not).
 */
const thrownHere = new WeakSet<object>();

/**
 * Re-throws `error` when it is an `INVALID_SNAPSHOT` error of ours; otherwise throws
 * `INVALID_SNAPSHOT` at `path` saying the value could not be read (a getter or a proxy
 * trap threw, a proxy was revoked…), with the original as `cause`.
 */
export function rethrowAsInvalidSnapshot(error: unknown, path: SnapshotPath): never {
  if (typeof error === "object" && error !== null && thrownHere.has(error)) throw error;
  const dotted = formatPath(path);
  const message = `could not be read (${describeThrown(error)})`;
  const wrapped = new OrgKitError("INVALID_SNAPSHOT", `Invalid policy snapshot at ${dotted}: ${message}`, { details: { path: dotted, message }, cause: error });
  thrownHere.add(wrapped);
  throw wrapped;
}

/** A short description of a thrown value that cannot itself throw. */
export function describeThrown(error: unknown): string {
  try {
    if (error instanceof Error) {
      const text = `${String(error.name)}: ${String(error.message)}`;
      return text.length > 200 ? `${text.slice(0, 200)}…` : text;
    }
  } catch {
    // A proxy posing as an error, or a throwing getter: fall through.
  }
  return `a thrown ${error === null ? "null" : typeof error}`;
}

function fail(parent: SnapshotPath, key: PathKey | undefined, message: string, value: unknown): never {
  return invalidSnapshot(key === undefined ? parent : [...parent, key], message, value);
}

/** The value as a plain object (not an array, not null), or throws. */
export function readObject(value: unknown, parent: SnapshotPath, key?: PathKey): Readonly<Record<string, unknown>> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail(parent, key, "must be an object", value);
  return value as Readonly<Record<string, unknown>>;
}

/** An optional array: `undefined` reads as empty; anything else but an array throws. */
export function readOptionalArray(value: unknown, parent: SnapshotPath, key?: PathKey): readonly unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) fail(parent, key, "must be an array", value);
  return value;
}

/** True when `value` is an id: a string of 1 to {@link MAX_ID_LENGTH} characters (what {@link readId} accepts). */
export function isId(value: unknown): value is string {
  return typeof value === "string" && value.length > 0 && value.length <= MAX_ID_LENGTH;
}

/** A non-empty string of at most {@link MAX_ID_LENGTH} (512) characters (ids, permission names, roles, apps). */
export function readId(value: unknown, parent: SnapshotPath, key?: PathKey): string {
  if (typeof value !== "string") fail(parent, key, "must be a string", value);
  if (value.length === 0) fail(parent, key, "must not be empty", value);
  if (value.length > MAX_ID_LENGTH) fail(parent, key, `must be at most ${MAX_ID_LENGTH} characters`, value);
  return value;
}

/** An optional string: `undefined` or `null` read as `fallback`. */
export function readOptionalString(value: unknown, fallback: string, parent: SnapshotPath, key?: PathKey): string {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "string") fail(parent, key, "must be a string", value);
  return value;
}

/** An optional id: `undefined` or `null` read as `null`. */
export function readOptionalId(value: unknown, parent: SnapshotPath, key?: PathKey): string | null {
  return value === undefined || value === null ? null : readId(value, parent, key);
}

/** An optional boolean: `undefined` reads as `false`. */
export function readFlag(value: unknown, parent: SnapshotPath, key?: PathKey): boolean {
  if (value === undefined) return false;
  if (typeof value !== "boolean") fail(parent, key, "must be a boolean", value);
  return value;
}

/** One of `allowed`; `undefined` and `null` read as `fallback`. */
export function readEnum<T extends string, F>(value: unknown, allowed: readonly T[], fallback: F, parent: SnapshotPath, key?: PathKey): T | F {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
    fail(parent, key, `must be one of ${allowed.map((a) => `"${a}"`).join(", ")}`, value);
  }
  return value as T;
}

/** A list of ids with duplicates removed (first occurrence kept); `undefined` reads as empty. */
export function readIdList(value: unknown, parent: SnapshotPath, key?: PathKey): string[] {
  const list = readOptionalArray(value, parent, key);
  if (list.length === 0) return [];
  const path = key === undefined ? parent : [...parent, key];
  // Short lists (the usual case) de-duplicate by scanning; long ones through a Set.
  const seen = list.length > 16 ? new Set<string>() : null;
  const out: string[] = [];
  for (let i = 0; i < list.length; i++) {
    const id = readId(list[i], path, i);
    if (seen === null ? out.includes(id) : seen.has(id)) continue;
    seen?.add(id);
    out.push(id);
  }
  return out;
}
