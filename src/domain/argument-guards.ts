/**
 * Cheap guards for the arguments of the pure entries, where copying the input with
 * `readPlainInput` would cost too much or lose identity (an options object, a
 * configuration memoized by reference, a hot query's id). Each turns what JavaScript
 * would throw on a value outside the types (a `TypeError` from a revoked proxy, a getter's
 * own error, "Cannot convert object to primitive value" from a template literal) into
 * `VALIDATION_FAILED` with the argument's path, and builds messages that never throw.
 *
 * Structured input on entries that are not hot is copied with `readPlainInput`
 * (`plain-input.ts`) instead.
 *
 * @module
 */
import { isOrgKitError, OrgKitError, validationError } from "../errors.js";
import { describeError } from "./plain-input.js";

/** Longest string quoted whole in a message; longer ones are cut. */
const MAX_SHOWN = 100;

/**
 * A short, human-readable description of any value, for error messages: strings quoted
 * (and cut at 100 characters), other primitives as JavaScript prints them, objects by
 * kind (`an object`, `an array`, `a function`). Never throws, whatever the value (a
 * null-prototype object, a revoked proxy, a symbol).
 */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}…` : value);
    case "number":
    case "boolean":
    case "undefined":
      return String(value);
    case "bigint":
      return `${value.toString()}n`;
    case "symbol":
      return "a symbol";
    case "function":
      return "a function";
    default:
      if (value === null) return "null";
      try {
        return Array.isArray(value) ? "an array" : "an object";
      } catch {
        return "an object"; // Array.isArray throws on a revoked proxy
      }
  }
}

/** `VALIDATION_FAILED` for one bad argument: `Invalid <what> at <path>: <message>`, with one issue. */
export function invalidArgument(what: string, path: string, message: string, code = "invalid_argument", cause?: unknown): OrgKitError {
  return validationError(`Invalid ${what} at ${path || "(root)"}: ${message}`, [{ path, message, code }], cause);
}

/** True for an error orgkit threw on purpose; false for anything else, never throwing. */
function isOwnError(error: unknown): error is OrgKitError {
  try {
    return error instanceof OrgKitError || isOrgKitError(error);
  } catch {
    return false;
  }
}


/**
 * The error to throw for `error`, caught while reading an argument at `path`: an
 * {@link OrgKitError} as it is, anything else (a getter's error, a revoked proxy's
 * `TypeError`) as `VALIDATION_FAILED` (issue code `unreadable`, the original as `cause`).
 * Use it in the `catch` of an entry that reads foreign input: `throw unreadable(...)`.
 */
export function unreadable(error: unknown, what: string, path: string): OrgKitError {
  if (isOwnError(error)) return error;
  return invalidArgument(what, path, `could not be read: ${describeError(error)}`, "unreadable", error);
}

/** The options-like fields `keys` of an object, read once. */
export type ReadFields<K extends string> = { readonly [P in K]: unknown };

/**
 * Reads the properties `keys` of an options-like argument once each, without copying
 * anything else (the values keep their identity). `undefined` reads as an object with
 * no properties; anything but an object (`null`, a number, a function) and anything that
 * throws while read (a getter, a revoked proxy, a proxy trap) is `VALIDATION_FAILED` at
 * `path`. Pass `optional: false` to refuse `undefined` too.
 */
export function readFields<K extends string>(value: unknown, keys: readonly K[], what: string, path: string, optional = true): ReadFields<K> {
  const out = {} as Record<K, unknown>;
  if (value === undefined && optional) {
    for (const key of keys) out[key] = undefined;
    return out;
  }
  if (typeof value !== "object" || value === null) throw invalidArgument(what, path, `must be an object, not ${describeValue(value)}`, "invalid_type");
  try {
    for (const key of keys) out[key] = (value as Record<string, unknown>)[key];
  } catch (error) {
    throw unreadable(error, what, path);
  }
  return out;
}

/** The types {@link optionalOfType} checks, by their `typeof` name. */
export interface TypeByName {
  readonly string: string;
  readonly number: number;
  readonly boolean: boolean;
  readonly function: (...args: never[]) => unknown;
}

/**
 * Checks that an optional argument read by {@link readFields} is absent or of the
 * `typeof` given, throwing `VALIDATION_FAILED` at `path` otherwise.
 */
export function optionalOfType<T extends keyof TypeByName>(value: unknown, type: T, what: string, path: string): TypeByName[T] | undefined {
  if (value === undefined || typeof value === type) return value as TypeByName[T] | undefined;
  throw invalidArgument(what, path, `must be a ${type}, not ${describeValue(value)}`, "invalid_type");
}

/**
 * Iterates a list argument (any iterable but a string), calling `each` with every item
 * and its position. A value that is not iterable is `VALIDATION_FAILED` at `path`; an
 * iterator or item that throws while read is too (at `path`). Errors `each` throws on
 * purpose ({@link OrgKitError}s) pass unchanged.
 */
export function forEachItem<T>(list: unknown, what: string, path: string, each: (item: T, index: number) => void): void {
  let iterable = false;
  try {
    iterable = typeof list === "object" && list !== null && typeof (list as Partial<Iterable<unknown>>)[Symbol.iterator] === "function";
  } catch (error) {
    throw unreadable(error, what, path);
  }
  if (!iterable) throw invalidArgument(what, path, `must be a list (an array or another iterable), not ${describeValue(list)}`, "invalid_type");
  let index = 0;
  try {
    for (const item of list as Iterable<T>) each(item, index++);
  } catch (error) {
    throw unreadable(error, what, path);
  }
}
