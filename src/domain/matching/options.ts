import { OrgKitError } from "../../errors.js";
import { readFields } from "../argument-guards.js";
import type { EmailNormalizeOptions } from "./email.js";
import { assertPhoneRegion, type PhoneNormalizeOptions, type PhoneRegion } from "./phone.js";

/**
 * How values are normalized: one set of options for rules and identities alike. Use the
 * same options when creating rules, compiling the matcher and computing lookup keys, or
 * equal values will not compare equal.
 */
export interface NormalizeOptions extends EmailNormalizeOptions, PhoneNormalizeOptions {}

/** {@link NormalizeOptions} with defaults applied and checked. */
export interface ResolvedNormalizeOptions {
  readonly lowerCaseLocalPart: boolean;
  readonly defaultRegion: PhoneRegion | undefined;
}

const KEYS = ["lowerCaseLocalPart", "defaultRegion"] as const;

/**
 * Applies defaults and checks the options (read once each, whatever `options` is);
 * throws `VALIDATION_FAILED` on a bad value, on options that are not an object, and on
 * options that cannot be read (a throwing getter, a revoked proxy).
 */
export function resolveNormalizeOptions(options: NormalizeOptions | undefined): ResolvedNormalizeOptions {
  const read = readFields(options, KEYS, "normalize options", "options");
  const lowerCaseLocalPart = read.lowerCaseLocalPart ?? true;
  if (typeof lowerCaseLocalPart !== "boolean") {
    throw new OrgKitError("VALIDATION_FAILED", "Invalid lowerCaseLocalPart: must be a boolean", {
      details: { issues: [{ path: "lowerCaseLocalPart", message: "must be a boolean", code: "invalid_type" }] },
    });
  }
  const defaultRegion = read.defaultRegion;
  assertPhoneRegion(defaultRegion);
  return { lowerCaseLocalPart, defaultRegion };
}
