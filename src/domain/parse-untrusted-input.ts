import type { z } from "zod";
import { readPlainInput } from "./plain-input.js";
import { parseInput } from "./validation.js";

/**
 * {@link parseInput} for input that may be anything at all: copies it into plain data
 * first with {@link readPlainInput}, so a throwing getter, a revoked proxy or a cyclic
 * object is `VALIDATION_FAILED` at the exact path of the part that could not be read
 * (`definitions.0`), and the schema then sees only plain data. For entries that are not
 * hot: the input is walked twice.
 *
 * @throws {@link OrgKitError} `VALIDATION_FAILED` with `details.issues`, paths prefixed by `prefix`.
 */
export function parseUntrustedInput<S extends z.ZodType>(schema: S, input: unknown, what: string, prefix: readonly string[]): z.output<S> {
  return parseInput(schema, readPlainInput(input, what, { path: prefix }), what, prefix);
}
