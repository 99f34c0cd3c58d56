import { expect } from "vitest";
import { isOrgKitError, type OrgKitErrorCode, type OrgKitErrorOf } from "../../src/errors.js";

/** Runs `fn`, expecting an OrgKitError with `code` (and `details.reason` when given); returns it. */
export function expectOrgKitError<C extends OrgKitErrorCode>(fn: () => unknown, code: C, reason?: string): OrgKitErrorOf<C> {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, `expected ${code}${reason ? ` (${reason})` : ""}`).toBeDefined();
  if (!isOrgKitError(thrown)) throw thrown;
  expect(thrown.code).toBe(code);
  if (reason !== undefined) expect((thrown.details as { readonly reason?: unknown }).reason).toBe(reason);
  return thrown as OrgKitErrorOf<C>;
}
