import { expect } from "vitest";
import { isOrgKitError, type OrgKitError, type OrgKitErrorCode } from "../../src/errors.js";

/** Runs `fn`, expecting an OrgKitError with `code` (and `details.reason` when given); returns it. */
export function expectOrgKitError(fn: () => unknown, code: OrgKitErrorCode, reason?: string): OrgKitError {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, `expected ${code}${reason ? ` (${reason})` : ""}`).toBeDefined();
  if (!isOrgKitError(thrown)) throw thrown;
  expect(thrown.code).toBe(code);
  if (reason !== undefined) expect(thrown.details.reason).toBe(reason);
  return thrown;
}
