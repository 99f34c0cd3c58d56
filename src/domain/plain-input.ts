/**
 * Reading untrusted input once, at the door. Every public entry copies its arguments into
 * plain data before it looks at them, so nothing after the door can be surprised by the
 * input: a getter that throws (or answers differently on each read), a revoked `Proxy`,
 * a cyclic object, a string PostgreSQL cannot store. Each becomes `VALIDATION_FAILED`
 * with the path of the offending part, and the use case never sees the original object.
 *
 * The character rules live here too, so ids and stored text are judged the same way by
 * every entry and every adapter.
 *
 * @module
 */
import { OrgKitError, type ValidationIssue } from "../errors.js";

/** Why a string was refused. */
export type TextProblem =
  /** U+0000: PostgreSQL's `text` cannot hold it, and it is the separator of compound keys. */
  | "nul_character"
  /** A UTF-16 surrogate without its pair: not a Unicode string (PostgreSQL would store U+FFFD instead). */
  | "lone_surrogate"
  /** A C0 or C1 control character, or DEL (TAB, LF and CR are allowed in text, never in ids). */
  | "control_character"
  /** White space at the start or end of an id (ids are compared exactly, never trimmed). */
  | "edge_whitespace";

// Controls allowed in free text: TAB, LF, CR. Everything else in C0, DEL and C1 is refused.
const TEXT_CONTROL = /[\u0001-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
const ANY_CONTROL = /[\u0001-\u001F\u007F-\u009F]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const EDGE_WHITESPACE = /^\s|\s$/;

const MESSAGES: Record<TextProblem, string> = {
  nul_character: "must not contain U+0000",
  lone_surrogate: "must not contain an unpaired UTF-16 surrogate",
  control_character: "must not contain control characters",
  edge_whitespace: "must not start or end with white space (ids are exact; trim before passing them)",
};

/** The message for a {@link TextProblem}. */
export function textProblemMessage(problem: TextProblem): string {
  return MESSAGES[problem];
}

/**
 * What is wrong with `value` as text to store (a name, an email, a description), or
 * `null`: U+0000, unpaired surrogates and control characters other than TAB, LF and CR
 * are refused.
 */
export function textProblem(value: string): TextProblem | null {
  if (value.includes("\u0000")) return "nul_character";
  if (LONE_SURROGATE.test(value)) return "lone_surrogate";
  if (TEXT_CONTROL.test(value)) return "control_character";
  return null;
}

/**
 * What is wrong with `value` as an id (of an organization, a user, an actor, a rule…),
 * or `null`. Ids are opaque and exact: no control character at all, no white space at
 * either end, nothing {@link textProblem} refuses. They are never trimmed or case-folded.
 */
export function idProblem(value: string): TextProblem | null {
  if (value.includes("\u0000")) return "nul_character";
  if (LONE_SURROGATE.test(value)) return "lone_surrogate";
  if (ANY_CONTROL.test(value)) return "control_character";
  if (EDGE_WHITESPACE.test(value)) return "edge_whitespace";
  return null;
}

/** How {@link readPlainInput} treats functions. */
export interface PlainInputOptions {
  /** Keep functions (callbacks such as a transaction body or a clock) as they are. Default `false`: a function is refused. */
  readonly allowFunctions?: boolean;
  /** Check every string and property name with {@link textProblem}. Default `true`. */
  readonly checkText?: boolean;
  /**
   * Property names whose string values are not checked as text: keyset cursors
   * (`after`, `cursor`), which are compared, never stored, and join the parts of a
   * compound key with U+0000. Default: none.
   */
  readonly uncheckedKeys?: ReadonlySet<string>;
  /** Path prefix for issues (e.g. `["rows"]`). */
  readonly path?: readonly (string | number)[];
}

/** Deeper than any orgkit input; deeper data is refused rather than walked. */
const MAX_DEPTH = 32;
/** Issues reported at most, so a huge hostile input cannot make a huge error. */
const MAX_ISSUES = 20;

class InputReader {
  readonly issues: ValidationIssue[] = [];
  private readonly open = new Set<object>();

  constructor(
    private readonly allowFunctions: boolean,
    private readonly checkText: boolean,
    private readonly uncheckedKeys: ReadonlySet<string> | undefined,
  ) {}

  add(path: readonly (string | number)[], code: string, message: string): void {
    if (this.issues.length < MAX_ISSUES) this.issues.push({ path: path.join("."), code, message });
  }

  read(value: unknown, path: (string | number)[], depth: number, checkText = this.checkText): unknown {
    switch (typeof value) {
      case "string": {
        if (!checkText) return value;
        const problem = textProblem(value);
        if (problem !== null) this.add(path, problem, MESSAGES[problem]);
        return value;
      }
      case "function":
        if (!this.allowFunctions) this.add(path, "invalid_type", "must be data, not a function");
        return value;
      case "object":
        return value === null ? null : this.readObject(value, path, depth);
      default:
        return value;
    }
  }

  private readObject(value: object, path: (string | number)[], depth: number): unknown {
    if (depth >= MAX_DEPTH) {
      this.add(path, "too_deep", `must not nest deeper than ${MAX_DEPTH} levels`);
      return undefined;
    }
    if (this.open.has(value)) {
      this.add(path, "cyclic", "must not contain itself (cyclic data)");
      return undefined;
    }
    try {
      this.open.add(value);
      if (Array.isArray(value)) {
        const length = value.length;
        const out = new Array<unknown>(length);
        for (let i = 0; i < length; i++) out[i] = this.read(value[i], [...path, i], depth + 1);
        return out;
      }
      if (value instanceof Date) return new Date(value.getTime());
      const prototype: unknown = Object.getPrototypeOf(value);
      if (prototype !== Object.prototype && prototype !== null) {
        // Not plain data (a Map, a class instance, a storage object): passed on as it is,
        // for the schema to accept or refuse; it is never walked.
        return value;
      }
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(value)) {
        const problem = this.checkText ? textProblem(key) : null;
        if (problem !== null) this.add([...path, key], problem, `property name ${MESSAGES[problem]}`);
        const unchecked = this.uncheckedKeys?.has(key) === true;
        out[key] = this.read((value as Record<string, unknown>)[key], [...path, key], depth + 1, this.checkText && !unchecked);
      }
      return out;
    } catch (error) {
      // A throwing getter, a revoked proxy, a proxy trap that throws.
      this.add(path, "unreadable", `could not be read: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    } finally {
      this.open.delete(value);
    }
  }
}

/**
 * Copies untrusted input into plain data (objects, arrays, `Date`s, primitives), checking
 * every string and property name with {@link textProblem}. Objects that are not plain
 * (a `Map`, a class instance) are passed on by reference, unread.
 *
 * @throws {@link OrgKitError} `VALIDATION_FAILED` when any part cannot be read (a getter
 * or proxy trap threw, a revoked proxy), is cyclic, nests deeper than 32 levels, is a
 * function (unless allowed), or holds a string with U+0000, an unpaired surrogate or a
 * control character other than TAB, LF, CR. `details.issues` lists each with its path.
 */
export function readPlainInput<T = unknown>(value: unknown, what: string, options: PlainInputOptions = {}): T {
  const reader = new InputReader(options.allowFunctions === true, options.checkText !== false, options.uncheckedKeys);
  const out = reader.read(value, [...(options.path ?? [])], 0);
  if (reader.issues.length > 0) {
    const first = reader.issues[0]!;
    throw new OrgKitError("VALIDATION_FAILED", `Invalid ${what} at ${first.path || "(root)"}: ${first.message}`, { details: { issues: reader.issues } });
  }
  return out as T;
}

/**
 * Reads every argument of a call with {@link readPlainInput}; argument `i` is reported
 * at `args.i` unless `names` gives it a name. Functions are allowed (callbacks).
 */
export function readPlainArguments(
  args: readonly unknown[],
  what: string,
  options: { readonly checkText?: boolean; readonly names?: readonly string[]; readonly uncheckedKeys?: ReadonlySet<string> } = {},
): unknown[] {
  const out = new Array<unknown>(args.length);
  for (let i = 0; i < args.length; i++) {
    out[i] = readPlainInput(args[i], what, {
      allowFunctions: true,
      checkText: options.checkText !== false,
      path: [options.names?.[i] ?? `args.${i}`],
      ...(options.uncheckedKeys ? { uncheckedKeys: options.uncheckedKeys } : {}),
    });
  }
  return out;
}

/** Keyset cursors: compared, never stored, and compound ones join their parts with U+0000. */
export const CURSOR_KEYS: ReadonlySet<string> = new Set(["after", "cursor"]);
