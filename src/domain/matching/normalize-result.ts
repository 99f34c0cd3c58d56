import { OrgKitError } from "../../errors.js";
import { describeValue } from "../argument-guards.js";

/** The error codes a normalizer reports, one per kind of value. */
export type NormalizeErrorCode = "INVALID_EMAIL" | "INVALID_DOMAIN" | "INVALID_USERNAME" | "INVALID_PHONE";

/**
 * Why a value could not be normalized. Plain data (not an `Error`): the `safe*`
 * normalizers and `match()` return it on the hot path, where building a stack trace
 * per bad input would cost more than the normalization itself.
 */
export interface NormalizeIssue {
  /** The {@link orgkit!OrgKitError | OrgKitError} code the throwing normalizer would use. */
  readonly code: NormalizeErrorCode;
  /** Machine-readable reason in snake_case, e.g. `missing_at`, `ip_address`, `too_short`. */
  readonly reason: string;
  /** Human-readable explanation. */
  readonly message: string;
}

/**
 * Result of a `safe*` normalizer, shaped like zod's `safeParse`: `data` on success,
 * `error` (a {@link NormalizeIssue}) on failure. Never throws.
 */
export type NormalizeResult =
  | {
      /** The value was normalized. */
      readonly success: true;
      /** The normalized value. */
      readonly data: string;
    }
  | {
      /** The value could not be normalized. */
      readonly success: false;
      /** Why not. */
      readonly error: NormalizeIssue;
    };

/** Builds a frozen issue; failures are preallocated constants so the hot path allocates nothing. */
export function issue(code: NormalizeErrorCode, reason: string, message: string): NormalizeIssue {
  return Object.freeze({ code, reason, message });
}

/** Internal normalizers return the normalized string or an issue; `typeof result === "string"` tells them apart. */
export type Normalized = string | NormalizeIssue;

/** Wraps an internal result as a {@link NormalizeResult}. */
export function toResult(result: Normalized): NormalizeResult {
  return typeof result === "string" ? { success: true, data: result } : { success: false, error: result };
}

/** Unwraps an internal result, throwing the issue as an {@link orgkit!OrgKitError | OrgKitError} with the offending value in `details`. */
export function unwrap(result: Normalized, value: unknown): string {
  if (typeof result === "string") return result;
  throw issueToError(result, value);
}

/**
 * Turns an issue into the {@link orgkit!OrgKitError | OrgKitError} the throwing normalizers raise. `details.value`
 * is the value itself when it is a string, number, boolean, `null` or `undefined`, and a
 * description otherwise: an object (perhaps a revoked proxy) or a BigInt kept in an error
 * would make logging it throw.
 */
export function issueToError(failure: NormalizeIssue, value: unknown, extra: Record<string, unknown> = {}): OrgKitError {
  const shown = typeof value === "string" ? describeValue(value) : typeof value;
  const kept = value === null || ["string", "number", "boolean", "undefined"].includes(typeof value) ? value : describeValue(value);
  return new OrgKitError(failure.code, `${failure.message}: ${shown}`, { details: { value: kept, reason: failure.reason, ...extra } });
}
