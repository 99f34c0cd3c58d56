import type { z } from "zod";
import { validationError, type OrgKitError, type ValidationIssue } from "../errors.js";

/** Turns zod issues into orgkit's `ValidationIssue`s with dotted paths. */
export function toValidationIssues(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[] = []): ValidationIssue[] {
  return issues.map((issue) => ({
    path: [...prefix, ...issue.path].map(String).join("."),
    message: issue.message,
    code: issue.code,
  }));
}

/**
 * Parses `input` with `schema`, throwing `VALIDATION_FAILED` (with every issue's path)
 * instead of a `ZodError`. `what` names the input in the message.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string, prefix: readonly PropertyKey[] = []): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw invalid(what, toValidationIssues(result.error.issues, prefix), result.error);
}

function invalid(what: string, issues: ValidationIssue[], cause: unknown): OrgKitError {
  const first = issues[0];
  const where = first ? ` at ${first.path || "(root)"}: ${first.message}` : "";
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : "";
  return validationError(`Invalid ${what}${where}${more}`, issues, cause);
}
