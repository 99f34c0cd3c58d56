import { z } from "zod";
import { validationError, type OrgKitError, type ValidationIssue } from "../errors.js";
import { CURSOR_KEYS, describeError, idProblem, readPlainInput, textProblemMessage } from "./plain-input.js";

/** Turns zod issues into orgkit's `ValidationIssue`s with dotted paths (an orgkit check's own code replaces zod's `custom`). */
export function toValidationIssues(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[] = []): ValidationIssue[] {
  return issues.map((issue) => {
    const own = issue.code === "custom" ? (issue.params as { orgkitCode?: unknown } | undefined)?.orgkitCode : undefined;
    return {
      path: [...prefix, ...issue.path].map(String).join("."),
      message: issue.message,
      code: typeof own === "string" ? own : issue.code,
    };
  });
}

/**
 * An id: 1–128 characters, opaque and exact. Never trimmed or case-folded; white space
 * at either end, control characters, U+0000 and unpaired surrogates are refused, so
 * `"root\t"` can never stand for `"root"`, on any storage.
 */
export function idString(): z.ZodString {
  return z
    .string()
    .min(1, "must not be empty")
    .max(128)
    .superRefine((value, context) => {
      const problem = idProblem(value);
      if (problem !== null) context.addIssue({ code: "custom", message: textProblemMessage(problem), params: { orgkitCode: problem } });
    });
}

/**
 * Parses `input` with `schema`, throwing `VALIDATION_FAILED` (with every issue's path)
 * instead of a `ZodError`. `what` names the input in the message. Every string of the
 * parsed value (and every property name) must be storable text: no U+0000, no unpaired
 * surrogate, no control character other than TAB, LF and CR. Input that cannot even be
 * read (a throwing getter, a revoked proxy) is `VALIDATION_FAILED` too, never a `TypeError`.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string, prefix: readonly PropertyKey[] = []): z.output<S> {
  let result: ReturnType<S["safeParse"]>;
  try {
    result = schema.safeParse(input) as ReturnType<S["safeParse"]>;
  } catch (error) {
    throw invalid(what, [{ path: prefix.map(String).join("."), code: "unreadable", message: `could not be read: ${describeError(error)}` }], error);
  }
  if (!result.success) throw invalid(what, toValidationIssues(result.error.issues, prefix), result.error);
  // Checks the text of what will be used (and stored), with the schema's own paths.
  readPlainInput(result.data, what, { allowFunctions: true, path: prefix.map(String), uncheckedKeys: CURSOR_KEYS, copy: false });
  return result.data as z.output<S>;
}

function invalid(what: string, issues: ValidationIssue[], cause: unknown): OrgKitError {
  const first = issues[0];
  const where = first ? ` at ${first.path || "(root)"}: ${first.message}` : "";
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : "";
  return validationError(`Invalid ${what}${where}${more}`, issues, cause);
}
