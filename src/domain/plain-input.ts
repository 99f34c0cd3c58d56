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

// One test rules out every problem for ordinary text (the common case); only a string
// that has a control character or a surrogate is looked at closely.
const SUSPICIOUS = /[\u0000-\u001F\u007F-\u009F\uD800-\uDFFF]/;

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
  if (!SUSPICIOUS.test(value)) return null;
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
  /**
   * Return a copy (default `true`). `false` only checks, and returns `value` itself: for
   * data that is plain already, such as what a schema just produced.
   */
  readonly copy?: boolean;
}

/** Deeper than any orgkit input; deeper data is refused rather than walked. */
const MAX_DEPTH = 32;
/** Issues reported at most, so a huge hostile input cannot make a huge error. */
const MAX_ISSUES = 20;

/** The message of whatever was thrown; never throws itself (a thrown revoked proxy has none). */
export function describeError(error: unknown): string {
  try {
    return error instanceof Error ? error.message : String(error);
  } catch {
    return "an unreadable value was thrown";
  }
}

/**
 * Walks input once. The path is one mutable stack (joined only when an issue is
 * reported) and the open objects another, so reading ordinary input allocates nothing
 * but the copy (and not even that when `copy` is off).
 */
class InputReader {
  readonly issues: ValidationIssue[] = [];
  private readonly open: object[] = [];
  private readonly path: (string | number)[];

  constructor(
    private readonly allowFunctions: boolean,
    private readonly checkText: boolean,
    private readonly uncheckedKeys: ReadonlySet<string> | undefined,
    private readonly copy: boolean,
    prefix: readonly (string | number)[],
  ) {
    this.path = [...prefix];
  }

  private add(code: string, message: string): void {
    if (this.issues.length < MAX_ISSUES) this.issues.push({ path: this.path.join("."), code, message });
  }

  private checkString(value: string, what = ""): void {
    if (!SUSPICIOUS.test(value)) return;
    const problem = textProblem(value);
    if (problem !== null) this.add(problem, `${what}${MESSAGES[problem]}`);
  }

  read(value: unknown, depth: number, checkText: boolean): unknown {
    switch (typeof value) {
      case "string":
        if (checkText) this.checkString(value);
        return value;
      case "function":
        if (!this.allowFunctions) this.add("invalid_type", "must be data, not a function");
        return value;
      case "object":
        return value === null ? null : this.readObject(value, depth);
      default:
        return value;
    }
  }

  private readObject(value: object, depth: number): unknown {
    if (depth >= MAX_DEPTH) {
      this.add("too_deep", `must not nest deeper than ${MAX_DEPTH} levels`);
      return undefined;
    }
    if (this.open.includes(value)) {
      this.add("cyclic", "must not contain itself (cyclic data)");
      return undefined;
    }
    const { path } = this;
    const size = path.length;
    this.open.push(value);
    try {
      if (Array.isArray(value)) {
        const length = value.length;
        const out = this.copy ? new Array<unknown>(length) : undefined;
        for (let i = 0; i < length; i++) {
          path.push(i);
          const item = this.read(value[i], depth + 1, this.checkText);
          path.pop();
          if (out) out[i] = item;
        }
        return out ?? value;
      }
      if (value instanceof Date) return this.copy ? new Date(value.getTime()) : value;
      const prototype: unknown = Object.getPrototypeOf(value);
      if (prototype !== Object.prototype && prototype !== null) {
        // Not plain data (a Map, a class instance, a storage object): passed on as it is,
        // for the schema to accept or refuse; it is never walked.
        return value;
      }
      const out: Record<string, unknown> | undefined = this.copy ? {} : undefined;
      for (const key of Object.keys(value)) {
        path.push(key);
        if (this.checkText) this.checkString(key, "property name ");
        const checkValue = this.checkText && this.uncheckedKeys?.has(key) !== true;
        const item = this.read((value as Record<string, unknown>)[key], depth + 1, checkValue);
        path.pop();
        if (out) out[key] = item;
      }
      return out ?? value;
    } catch (error) {
      // A throwing getter, a revoked proxy, a proxy trap that throws.
      path.length = size;
      this.add("unreadable", `could not be read: ${describeError(error)}`);
      return undefined;
    } finally {
      this.open.pop();
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
  const reader = new InputReader(options.allowFunctions === true, options.checkText !== false, options.uncheckedKeys, options.copy !== false, options.path ?? []);
  const out = reader.read(value, 0, options.checkText !== false);
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
  what: string | (() => string),
  options: { readonly checkText?: boolean; readonly names?: readonly string[]; readonly uncheckedKeys?: ReadonlySet<string>; readonly copy?: boolean } = {},
): unknown[] {
  const out = new Array<unknown>(args.length);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    // The common case, an id or a number: nothing to copy, one test to check.
    if (typeof arg !== "object" && typeof arg !== "function" && (typeof arg !== "string" || options.checkText === false || !SUSPICIOUS.test(arg))) {
      out[i] = arg;
      continue;
    }
    out[i] = readPlainInput(arg, typeof what === "string" ? what : what(), {
      copy: options.copy !== false,
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
