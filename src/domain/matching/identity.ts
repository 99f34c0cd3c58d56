import { normalizeEmailValue } from "./email.js";
import type { NormalizeErrorCode, NormalizeIssue } from "./normalize-result.js";
import type { ResolvedNormalizeOptions } from "./options.js";
import { normalizePhoneValue } from "./phone.js";
import { normalizeUsernameValue } from "./username.js";

/**
 * Who a person is, as far as matching cares: their email addresses, username and phone
 * numbers, in any spelling (they are normalized on the way in). Every part is optional;
 * `null` counts as absent, so an orgkit `User` is an `Identity` as it is.
 */
export interface Identity {
  /** Email addresses in any spelling; absent or `null`: none. */
  readonly emails?: readonly string[] | null | undefined;
  /** The username in any spelling; absent or `null`: none. */
  readonly username?: string | null | undefined;
  /** Phone numbers in any format the phone normalizer accepts; absent or `null`: none. */
  readonly phones?: readonly string[] | null | undefined;
}

/** Which part of an {@link Identity} a {@link SkippedIdentityPart} refers to; `identity` when the whole value was unusable. */
export type IdentityField = "identity" | "emails" | "username" | "phones";

/** A part of an identity that could not be normalized and was left out of matching. */
export interface SkippedIdentityPart {
  /** Which part: `emails`, `username`, `phones`, or `identity` when the whole value was unusable. */
  readonly field: IdentityField;
  /** Position in `emails` or `phones`; `null` for the username, or a whole field that was not a list. */
  readonly index: number | null;
  /** The value as given. */
  readonly value: unknown;
  /** The normalizer's error code, or `VALIDATION_FAILED` when the field had the wrong type. */
  readonly code: NormalizeErrorCode | "VALIDATION_FAILED";
  /** Machine-readable reason, as in the normalizer's `details.reason`. */
  readonly reason: string;
  /** Human-readable explanation. */
  readonly message: string;
}

/** Receives each normalized part of an identity, in order. */
export interface IdentityVisitor {
  email(email: string, index: number): void;
  username(username: string): void;
  phone(phone: string, index: number): void;
}

function skippedPart(field: IdentityField, index: number | null, value: unknown, failure: NormalizeIssue): SkippedIdentityPart {
  return { field, index, value, code: failure.code, reason: failure.reason, message: failure.message };
}

function wrongType(field: IdentityField, value: unknown, expected: string): SkippedIdentityPart {
  return { field, index: null, value, code: "VALIDATION_FAILED", reason: "invalid_type", message: `${field} must be ${expected}` };
}

/**
 * Normalizes each part of `identity` and hands the good ones to `visitor`. Never throws
 * on bad input (whatever its type): unusable parts are returned as skipped, or
 * `undefined` when there were none (the hot path allocates no empty array).
 */
export function visitIdentity(identity: unknown, options: ResolvedNormalizeOptions, visitor: IdentityVisitor): SkippedIdentityPart[] | undefined {
  if (typeof identity !== "object" || identity === null) return [wrongType("identity", identity, "an object with emails, username and phones")];
  let skipped: SkippedIdentityPart[] | undefined;
  try {
    // Each field is read just before it is used, so one that throws loses only itself and what follows.
    const record = identity as Record<string, unknown>;
    const emails = record.emails;
    if (emails !== undefined && emails !== null) {
      if (!Array.isArray(emails)) (skipped ??= []).push(wrongType("emails", emails, "an array of strings"));
      else {
        for (let i = 0; i < emails.length; i++) {
          const email = normalizeEmailValue(emails[i], options.lowerCaseLocalPart);
          if (typeof email === "string") visitor.email(email, i);
          else (skipped ??= []).push(skippedPart("emails", i, emails[i], email));
        }
      }
    }
    const username = record.username;
    if (username !== undefined && username !== null) {
      const normalized = normalizeUsernameValue(username);
      if (typeof normalized === "string") visitor.username(normalized);
      else (skipped ??= []).push(skippedPart("username", null, username, normalized));
    }
    const phones = record.phones;
    if (phones !== undefined && phones !== null) {
      if (!Array.isArray(phones)) (skipped ??= []).push(wrongType("phones", phones, "an array of strings"));
      else {
        for (let i = 0; i < phones.length; i++) {
          const phone = normalizePhoneValue(phones[i], options.defaultRegion);
          if (typeof phone === "string") visitor.phone(phone, i);
          else (skipped ??= []).push(skippedPart("phones", i, phones[i], phone));
        }
      }
    }
  } catch (error) {
    // Only reading the input can throw (a getter, a Proxy): report it, keep what was read.
    (skipped ??= []).push({
      field: "identity",
      index: null,
      value: error,
      code: "VALIDATION_FAILED",
      reason: "unreadable",
      message: "Reading the identity threw; the parts read before were matched",
    });
  }
  return skipped;
}
