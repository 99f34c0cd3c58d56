/**
 * Argument checks every storage adapter makes the same way, so that a bad page size or
 * key is the same `VALIDATION_FAILED` whichever adapter a host runs on.
 *
 * @module
 */
import { OrgKitError } from "../errors.js";
import { CURSOR_KEYS, readPlainArguments } from "../domain/plain-input.js";
import type { KeysetOptions } from "./ports.js";

/** Largest page any list may return (the ports' `1–1000`). */
export const MAX_LIMIT = 1000;

/** A `VALIDATION_FAILED` error for one bad argument. */
export function invalidArgument(path: string, message: string, code = "invalid_argument"): OrgKitError {
  return new OrgKitError("VALIDATION_FAILED", `Invalid ${path}: ${message}`, { details: { issues: [{ path, message, code }] } });
}

/** Checks a page size: an integer from 1 to 1000. */
export function checkLimit(limit: unknown, path = "limit"): number {
  if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw invalidArgument(path, `must be an integer from 1 to ${MAX_LIMIT}`, "invalid_limit");
  }
  return limit;
}

/** Reads `{ after, limit }`: `after` a string key or null/absent, `limit` 1–1000. */
export function readKeyset(options: KeysetOptions | undefined): { after: string | null; limit: number } {
  if (typeof options !== "object" || options === null) throw invalidArgument("options", "must be an object with a limit");
  const after = options.after ?? null;
  if (after !== null && typeof after !== "string") throw invalidArgument("after", "must be a string key or null");
  return { after, limit: checkLimit(options.limit) };
}

/**
 * Reads the arguments of a `reassignOrganization` (memberships, resources): two different
 * organization ids, a keyset page, and the time stamped on what moves (`options[stampKey]`,
 * a string).
 */
export function readReassignment<O extends KeysetOptions>(from: unknown, to: unknown, options: O | undefined, stampKey: keyof O & string): { after: string | null; limit: number; stamp: string } {
  checkString(from, "from");
  checkString(to, "to");
  if (from === to) throw invalidArgument("to", "must differ from `from`");
  const { after, limit } = readKeyset(options);
  const stamp = checkString(options![stampKey], `options.${stampKey}`);
  return { after, limit, stamp };
}

/** `options.sourceRules` of `memberships.reassignOrganization`: absent, or an object whose values are rule ids (strings). */
export function readSourceRules(value: unknown): Readonly<Record<string, string>> {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) throw invalidArgument("options.sourceRules", "must be an object of rule id → rule id");
  for (const [key, id] of Object.entries(value)) checkString(id, `options.sourceRules.${key}`);
  return value as Readonly<Record<string, string>>;
}

/** Checks that an identifier argument is a string (a wrong type would silently find nothing). */
export function checkString(value: unknown, path: string): string {
  if (typeof value !== "string") throw invalidArgument(path, "must be a string");
  return value;
}

/**
 * Reads a repository call's arguments into plain data, the same way on every adapter:
 * an argument that cannot be read (a throwing getter, a revoked proxy), is cyclic, or
 * holds a string with U+0000, an unpaired surrogate or a control character other than
 * TAB, LF and CR (keyset cursors `after`/`cursor` excepted) is `VALIDATION_FAILED` (PostgreSQL cannot store U+0000, would store an
 * unpaired surrogate as U+FFFD, and U+0000 separates the parts of compound keys).
 */
export function readStorageArguments(args: readonly unknown[], what: string | (() => string), options: { readonly copy?: boolean } = {}): unknown[] {
  return readPlainArguments(args, what, { uncheckedKeys: CURSOR_KEYS, copy: options.copy !== false });
}

/**
 * Wraps every method of a repository so that it reads its arguments with
 * {@link readStorageArguments} first: a hostile argument rejects with
 * `VALIDATION_FAILED` before any statement runs, and the repository never holds the
 * caller's objects.
 */
/** Each guarded repository and the repository it guards (module-private: no entry exports it). */
const GUARDED = new WeakMap<object, object>();

/**
 * The repository a {@link guardRepository} wrapper guards, or `repository` itself. Only
 * for the facade's own calls: it hands storage plain data it built and never changes
 * afterwards, so the copy at the storage door (which protects a caller's getters, proxies
 * and later mutations) would only repeat work — an import's rows, events and feed entry
 * were copied once more each. Only the very wrapper `guardRepository` returned is
 * unwrapped: a host's own wrapper around it (an object with overrides, a `Proxy`) is a
 * different object and keeps its behaviour.
 */
export function unguarded<R extends object>(repository: R): R {
  return (GUARDED.get(repository) as R | undefined) ?? repository;
}

export function guardRepository<R extends object>(repository: R, entity: string): R {
  const guarded: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(repository)) {
    if (typeof method !== "function") {
      guarded[name] = method;
      continue;
    }
    const what = `arguments of ${entity}.${name}`;
    guarded[name] = (...args: unknown[]) => {
      let plain: unknown[];
      try {
        plain = readStorageArguments(args, what);
      } catch (error) {
        return Promise.reject(error);
      }
      return (method as (...a: unknown[]) => unknown).apply(repository, plain);
    };
  }
  GUARDED.set(guarded, repository);
  return guarded as R;
}

/** Checks that a transaction body is a function (`VALIDATION_FAILED` otherwise). */
export function checkTransactionBody(fn: unknown): void {
  if (typeof fn !== "function") throw invalidArgument("fn", "must be a function (session) => Promise", "invalid_type");
}

/** Reads an optional options object: absent (or `null`) is `{}`; anything but an object is `VALIDATION_FAILED`. */
export function readOptions<T extends object>(options: T | null | undefined, path = "options"): Partial<T> {
  if (options === undefined || options === null) return {};
  if (typeof options !== "object" || Array.isArray(options)) throw invalidArgument(path, "must be an object");
  return options;
}

/** `options.includeDiscontinued` of `descendants`: a boolean, default `true`. */
export function readIncludeDiscontinued(options: { readonly includeDiscontinued?: boolean } | null | undefined): boolean {
  const value = readOptions(options).includeDiscontinued;
  if (value !== undefined && typeof value !== "boolean") throw invalidArgument("options.includeDiscontinued", "must be a boolean");
  return value ?? true;
}

/** Checks a setting key: a string of 1–128 characters. */
export function checkSettingKey(key: unknown, path = "key"): string {
  if (typeof key !== "string" || key.length === 0 || key.length > 128) throw invalidArgument(path, "must be a string of 1 to 128 characters");
  return key;
}

/** Checks a setting to store: `key`, a JSON object `value`, an ISO 8601 `updatedAt`. */
export function checkNewSetting(setting: unknown): { readonly key: string; readonly value: Readonly<Record<string, unknown>>; readonly updatedAt: string } {
  if (typeof setting !== "object" || setting === null || Array.isArray(setting)) throw invalidArgument("setting", "must be an object with key, value and updatedAt");
  const { key, value, updatedAt } = setting as Record<string, unknown>;
  checkSettingKey(key, "setting.key");
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw invalidArgument("setting.value", "must be a JSON object");
  if (typeof updatedAt !== "string" || Number.isNaN(Date.parse(updatedAt))) throw invalidArgument("setting.updatedAt", "must be an ISO 8601 time");
  return { key: key as string, value: value as Record<string, unknown>, updatedAt };
}

/** Checks an expected version: a positive integer. */
export function checkExpectedVersion(value: unknown, path = "expectedVersion"): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) throw invalidArgument(path, "must be a positive integer");
  return value;
}
