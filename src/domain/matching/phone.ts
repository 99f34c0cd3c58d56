import { isSupportedCountry, parsePhoneNumberWithError, ParseError, type CountryCode } from "libphonenumber-js";
import { OrgKitError } from "../../errors.js";
import { describeValue, readFields } from "../argument-guards.js";
import { issue, toResult, unwrap, type Normalized, type NormalizeResult } from "./normalize-result.js";

/** An ISO 3166-1 alpha-2 region code libphonenumber knows (`"US"`, `"GB"`…). */
export type PhoneRegion = CountryCode;

/** Options of {@link normalizePhone}. */
export interface PhoneNormalizeOptions {
  /**
   * Region used for numbers written without `+` and a country calling code, e.g. `"US"`
   * for `(623) 434-8050`. No default: without it, such numbers are refused
   * (`INVALID_PHONE`, reason `missing_region`) rather than guessed.
   */
  readonly defaultRegion?: PhoneRegion | undefined;
}

/** Longer input is refused before parsing; real numbers with formatting and an extension fit easily. */
const MAX_INPUT_LENGTH = 64;

const fail = (reason: string, message: string) => issue("INVALID_PHONE", reason, message);
const NOT_A_STRING = fail("not_a_string", "A phone number must be a string");
const EMPTY = fail("empty", "A phone number must not be empty");
const TOO_LONG_INPUT = fail("too_long", `A phone number must be at most ${MAX_INPUT_LENGTH} characters`);
const NOT_A_NUMBER = fail("not_a_number", "Not a phone number");
const MISSING_REGION = fail("missing_region", "A national phone number needs a default region (e.g. US) or a leading +country code");
const INVALID_COUNTRY = fail("invalid_country", "The country calling code of the phone number is unknown");
const TOO_SHORT = fail("too_short", "The phone number is too short");
const TOO_LONG = fail("too_long", "The phone number is too long");
const INVALID_LENGTH = fail("invalid_length", "The phone number has a length no number in its region has");
const INVALID_NUMBER = fail("invalid_number", "The phone number is not a valid number for its region");

/**
 * Throws `VALIDATION_FAILED` unless `region` is a region libphonenumber knows. Called
 * when options are given (compile time), so a typo fails loudly instead of refusing
 * every national number later.
 */
export function assertPhoneRegion(region: unknown, path = "defaultRegion"): asserts region is PhoneRegion | undefined {
  if (region === undefined) return;
  if (typeof region !== "string" || !isSupportedCountry(region)) {
    throw new OrgKitError("VALIDATION_FAILED", `Invalid ${path}: ${describeValue(region)} is not a region code libphonenumber supports (e.g. "US")`, {
      details: { issues: [{ path, message: "must be a supported ISO 3166-1 alpha-2 region code", code: "invalid_region" }] },
    });
  }
}

/**
 * The normalizer behind {@link normalizePhone}, returning the issue instead of throwing.
 * `region` must already be checked with {@link assertPhoneRegion}.
 */
export function normalizePhoneValue(value: unknown, region: PhoneRegion | undefined): Normalized {
  if (typeof value !== "string") return NOT_A_STRING;
  const text = value.trim();
  if (text.length === 0) return EMPTY;
  if (text.length > MAX_INPUT_LENGTH) return TOO_LONG_INPUT;
  try {
    // `extract: false`: the whole text must be the number, so "call 623-434-8050" is refused
    // rather than silently mined for digits.
    const parsed = parsePhoneNumberWithError(text, region === undefined ? { extract: false } : { defaultCountry: region, extract: false });
    // An extension is dropped: calls come from, and rules name, the line itself.
    return parsed.isValid() ? parsed.number : INVALID_NUMBER;
  } catch (error) {
    // Anything but a ParseError would be a libphonenumber bug; still an unparsable
    // number, because match() promises never to throw on identity input.
    if (!(error instanceof ParseError)) return NOT_A_NUMBER;
    switch (error.message) {
      case "INVALID_COUNTRY":
        return region === undefined && !text.startsWith("+") ? MISSING_REGION : INVALID_COUNTRY;
      case "TOO_SHORT":
        return TOO_SHORT;
      case "TOO_LONG":
        return TOO_LONG;
      case "INVALID_LENGTH":
        return INVALID_LENGTH;
      default:
        return NOT_A_NUMBER;
    }
  }
}

/**
 * Normalizes a phone number to E.164 (`+16234348050`) with libphonenumber. National
 * numbers use `defaultRegion`; `(623) 434-8050`, `623.434.8050` (region US) and
 * `+1 623-434-8050` are the same number. The number must be valid for its region; an
 * extension is dropped. Idempotent.
 *
 * @throws {@link orgkit!OrgKitError | OrgKitError} `INVALID_PHONE`, with `details.reason` (`empty`,
 *   `not_a_number`, `missing_region`, `invalid_country`, `too_short`, `too_long`,
 *   `invalid_length`, `invalid_number`, `not_a_string`); `VALIDATION_FAILED` for an
 *   unknown `defaultRegion`, and for `options` that are not an object or cannot be read.
 *
 * @example
 * ```ts
 * normalizePhone("(623) 434-8050", { defaultRegion: "US" }); // "+16234348050"
 * normalizePhone("+44 20 7946 0958");                         // "+442079460958"
 * ```
 */
export function normalizePhone(value: string, options?: PhoneNormalizeOptions): string {
  return unwrap(normalizePhoneValue(value, defaultRegionOf(options)), value);
}

/** As {@link normalizePhone}, but returns `{ success, data | error }` instead of throwing (an unknown `defaultRegion` or unreadable `options` still throw `VALIDATION_FAILED`). */
export function safeNormalizePhone(value: unknown, options?: PhoneNormalizeOptions): NormalizeResult {
  return toResult(normalizePhoneValue(value, defaultRegionOf(options)));
}

const OPTION_KEYS = ["defaultRegion"] as const;

/** The checked `defaultRegion` option, read once. */
function defaultRegionOf(options: PhoneNormalizeOptions | undefined): PhoneRegion | undefined {
  if (options === undefined) return undefined;
  const region = readFields(options, OPTION_KEYS, "phone options", "options").defaultRegion;
  assertPhoneRegion(region);
  return region;
}

/** True for strings shaped like E.164 (`+`, a non-zero digit, at most 15 digits in all). */
export function looksLikeE164(value: string): boolean {
  return /^\+[1-9]\d{1,14}$/.test(value);
}
