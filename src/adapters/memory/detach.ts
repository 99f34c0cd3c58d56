import { validationError } from "../../errors.js";
import { textProblem, textProblemMessage } from "../../domain/plain-input.js";
/**
 * Stored values are deep-frozen copies: the store never mutates them (a write replaces
 * the whole value), so they can be handed out as-is and stay detached — a caller cannot
 * change them, and later writes cannot change what a caller holds.
 *
 * Plain objects and arrays (all orgkit's model types are) are copied and frozen in one
 * pass, several times faster than `structuredClone`; anything else (a `Date` or `Map`
 * in event data) goes through `structuredClone`, and a function throws.
 *
 * @internal
 */
export function freezeCopy<T>(value: T): T {
  // (Strings are checked as they are copied: see textProblem.)
  return copy(value, 0) as T;
}

/** Deeper than any model value; stops runaway recursion on cyclic data (which structuredClone then handles). */
const MAX_PLAIN_DEPTH = 64;

function copy(value: unknown, depth: number): unknown {
  if (typeof value !== "object" || value === null) {
    if (typeof value === "string") {
      const problem = textProblem(value);
      if (problem !== null) throw validationError(`A stored string ${textProblemMessage(problem)}`, [{ path: "", code: problem, message: textProblemMessage(problem) }]);
      return value;
    }
    if (typeof value === "function" || typeof value === "symbol") {
      throw validationError(`A ${typeof value} cannot be stored`, [{ path: "", code: "invalid_type", message: "must be data" }]);
    }
    return value;
  }
  if (depth < MAX_PLAIN_DEPTH) {
    if (Array.isArray(value)) {
      const out = new Array<unknown>(value.length);
      for (let i = 0; i < value.length; i++) out[i] = copy(value[i], depth + 1);
      return Object.freeze(out);
    }
    const prototype = Object.getPrototypeOf(value) as unknown;
    if (prototype === Object.prototype || prototype === null) {
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(value)) out[key] = copy((value as Record<string, unknown>)[key], depth + 1);
      return Object.freeze(out);
    }
  }
  return deepFreeze(structuredClone(value));
}

function deepFreeze<T>(value: T): T {
  if (typeof value !== "object" || value === null || Object.isFrozen(value)) return value;
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  return Object.freeze(value);
}
