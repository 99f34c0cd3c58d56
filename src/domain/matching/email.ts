import { OrgKitError } from "../../errors.js";
import { readFields } from "../argument-guards.js";
import { normalizeDomainValue } from "./domain.js";
import { issue, toResult, unwrap, type Normalized, type NormalizeIssue, type NormalizeResult } from "./normalize-result.js";

/** Options of {@link normalizeEmail}. */
export interface EmailNormalizeOptions {
  /**
   * Lower-case the local part (`JSmith@…` → `jsmith@…`). Default `true`: RFC 5321 lets a
   * server treat local parts case-sensitively, but practically none does, and people
   * type their address in whatever case. Set `false` to compare local parts exactly.
   * The domain is always lower-cased.
   */
  readonly lowerCaseLocalPart?: boolean | undefined;
}

/** Longest local part in octets (RFC 5321 §4.5.3.1.1). */
export const MAX_LOCAL_PART_LENGTH = 64;
/** Longest address in octets (RFC 5321 path limit of 256 minus the angle brackets). */
export const MAX_EMAIL_LENGTH = 254;

const fail = (reason: string, message: string) => issue("INVALID_EMAIL", reason, message);
const NOT_A_STRING = fail("not_a_string", "An email address must be a string");
const EMPTY = fail("empty", "An email address must not be empty");
const MISSING_AT = fail("missing_at", "An email address needs an @ between local part and domain");
const EMPTY_LOCAL_PART = fail("empty_local_part", "An email address needs a local part before the @");
const LOCAL_PART_TOO_LONG = fail("local_part_too_long", `The local part of an email address must be at most ${MAX_LOCAL_PART_LENGTH} octets`);
const QUOTED_LOCAL_PART = fail("quoted_local_part", "Quoted local parts are not supported");
const INVALID_LOCAL_PART = fail("invalid_local_part", "The local part of an email address contains a character or dot that is not allowed");
const TOO_LONG = fail("too_long", `An email address must be at most ${MAX_EMAIL_LENGTH} octets`);
const EMPTY_DOMAIN = fail("empty_domain", "An email address needs a domain after the @");
const domainFailures = new Map<NormalizeIssue, NormalizeIssue>();

/** The email issue for a bad domain part, carrying the domain's reason (`invalid_domain:<reason>`); cached per reason. */
function invalidDomain(domainIssue: NormalizeIssue): NormalizeIssue {
  let found = domainFailures.get(domainIssue);
  if (found === undefined) {
    found = fail(`invalid_domain:${domainIssue.reason}`, `The domain of an email address is not valid (${domainIssue.message})`);
    domainFailures.set(domainIssue, found);
  }
  return found;
}

/** RFC 5322 `atext` minus letters and digits: the ASCII symbols an unquoted local part may use. */
const ATEXT_SYMBOLS = new Set("!#$%&'*+-/=?^_`{|}~".split("").map((c) => c.charCodeAt(0)));
const isAsciiAtext = (c: number) => (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || ATEXT_SYMBOLS.has(c);
/** Non-ASCII characters an internationalized local part (RFC 6531) may not use: controls, separators, lone surrogates, unassigned. */
const FORBIDDEN_NON_ASCII = /[\p{Cc}\p{Z}\p{Cs}\p{Cn}]/u;

// ASCII character classes for the hot path: one table load per character.
const LOCAL = 1;
const DOMAIN = 2;
const UPPER = 4;
const CHAR_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const letterOrDigit = (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39);
  const upper = c >= 0x41 && c <= 0x5a;
  if (letterOrDigit || upper || c === 0x2d) CHAR_CLASS[c] = LOCAL | DOMAIN | (upper ? UPPER : 0);
  else if (ATEXT_SYMBOLS.has(c)) CHAR_CLASS[c] = LOCAL;
}

/**
 * The hot path: a plain ASCII address whose domain needs no IDN conversion, checked
 * in one pass. Returns the normalized address, or `undefined` to let the general path
 * decide (and produce the precise issue).
 */
function fastNormalizeEmail(address: string, lowerCaseLocalPart: boolean): string | undefined {
  const length = address.length;
  if (length > MAX_EMAIL_LENGTH) return undefined;
  let at = -1;
  let upperInLocal = false;
  let upperInDomain = false;
  let previous = 0x2e; // a dot "before" the start refuses a leading dot
  let labelStart = 0;
  for (let i = 0; i < length; i++) {
    const c = address.charCodeAt(i);
    if (c >= 0x80) return undefined;
    const kind = CHAR_CLASS[c]!;
    if (at < 0) {
      if ((kind & LOCAL) !== 0) {
        if ((kind & UPPER) !== 0) upperInLocal = true;
      } else if (c === 0x2e) {
        if (previous === 0x2e) return undefined;
      } else if (c === 0x40) {
        if (i === 0 || i > MAX_LOCAL_PART_LENGTH || previous === 0x2e) return undefined;
        at = i;
        labelStart = i + 1;
      } else {
        return undefined;
      }
    } else {
      if (i === labelStart) {
        if (c === 0x2d) return undefined;
        // `xn--` labels (any case) need the IDN converter to be checked and canonical.
        if ((c | 0x20) === 0x78 && (address.charCodeAt(i + 1) | 0x20) === 0x6e && address.charCodeAt(i + 2) === 0x2d && address.charCodeAt(i + 3) === 0x2d) {
          return undefined;
        }
      }
      if ((kind & DOMAIN) !== 0) {
        if ((kind & UPPER) !== 0) upperInDomain = true;
      } else if (c === 0x2e) {
        if (i === labelStart || i - labelStart > 63 || previous === 0x2d) return undefined;
        labelStart = i + 1;
      } else {
        return undefined;
      }
    }
    previous = c;
  }
  if (at < 0 || at === length - 1 || length - at - 1 > 253) return undefined;
  if (labelStart === length || length - labelStart > 63 || previous === 0x2d) return undefined;
  // The last label must not read as a number (IP address); leave the details to the general path.
  const last = address.charCodeAt(labelStart);
  if (last >= 0x30 && last <= 0x39) return undefined;
  if (upperInDomain && !lowerCaseLocalPart) return undefined;
  return upperInDomain || (upperInLocal && lowerCaseLocalPart) ? address.toLowerCase() : address;
}

function utf8Length(value: string): number {
  let octets = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x80) octets += 1;
    else if (c < 0x800) octets += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      octets += 4;
      i++;
    } else octets += 3;
  }
  return octets;
}

function normalizeLocalPart(local: string, lowerCaseLocalPart: boolean): Normalized {
  if (local.length === 0) return EMPTY_LOCAL_PART;
  if (local.charCodeAt(0) === 0x22) return QUOTED_LOCAL_PART;
  let normalized = local;
  if (/[^\0-\x7f]/.test(local)) {
    // NFC so that precomposed and decomposed spellings of the same name are equal.
    normalized = local.normalize("NFC");
    if (lowerCaseLocalPart) normalized = normalized.toLowerCase().normalize("NFC");
  } else if (lowerCaseLocalPart) {
    normalized = local.toLowerCase();
  }
  // Checked after normalizing: NFC can turn a non-ASCII character into a forbidden
  // ASCII one (U+037E GREEK QUESTION MARK becomes ";"), and the result must pass again.
  let nonAscii = false;
  for (let i = 0; i < normalized.length; i++) {
    const c = normalized.charCodeAt(i);
    if (c >= 0x80) nonAscii = true;
    else if (c === 0x2e) {
      if (i === 0 || i === normalized.length - 1 || normalized.charCodeAt(i - 1) === 0x2e) return INVALID_LOCAL_PART;
    } else if (!isAsciiAtext(c)) return INVALID_LOCAL_PART;
  }
  if (nonAscii && FORBIDDEN_NON_ASCII.test(normalized)) return INVALID_LOCAL_PART;
  return utf8Length(normalized) > MAX_LOCAL_PART_LENGTH ? LOCAL_PART_TOO_LONG : normalized;
}

/**
 * The normalizer behind {@link normalizeEmail}, returning the issue instead of throwing.
 * Allocates nothing for a well-formed ASCII address that is already normalized.
 */
export function normalizeEmailValue(value: unknown, lowerCaseLocalPart = true): Normalized {
  if (typeof value !== "string") return NOT_A_STRING;
  const address = value.trim();
  const fast = fastNormalizeEmail(address, lowerCaseLocalPart);
  if (fast !== undefined) return fast;
  if (address.length === 0) return EMPTY;
  // The last @ separates the domain: an unquoted local part cannot contain one, so an
  // earlier @ is reported as a bad local part rather than a bad domain.
  const at = address.lastIndexOf("@");
  if (at < 0) return MISSING_AT;
  const local = normalizeLocalPart(address.slice(0, at), lowerCaseLocalPart);
  if (typeof local !== "string") return local;
  if (at === address.length - 1) return EMPTY_DOMAIN;
  const domain = normalizeDomainValue(address.slice(at + 1));
  if (typeof domain !== "string") return invalidDomain(domain);
  const normalized = `${local}@${domain}`;
  return utf8Length(normalized) > MAX_EMAIL_LENGTH ? TOO_LONG : normalized;
}

/**
 * Normalizes an email address: trims, lower-cases the domain and converts an
 * internationalized domain to ASCII (`bücher.example` → `xn--bcher-kva.example`);
 * the local part is lower-cased too unless `lowerCaseLocalPart: false`
 * (non-ASCII local parts are also put in Unicode NFC). Unquoted dot-atom local parts
 * only. Idempotent.
 *
 * @throws {@link orgkit!OrgKitError | OrgKitError} `INVALID_EMAIL`, with `details.reason` (`empty`,
 *   `missing_at`, `empty_local_part`, `empty_domain`, `invalid_local_part`, `quoted_local_part`,
 *   `local_part_too_long`, `too_long`, `invalid_domain:<domain reason>`, `not_a_string`);
 *   `VALIDATION_FAILED` when `options` is not an object, cannot be read, or has a
 *   `lowerCaseLocalPart` that is not a boolean.
 *
 * @example
 * ```ts
 * normalizeEmail("  JSmith@Bücher.Example ");                          // "jsmith@xn--bcher-kva.example"
 * normalizeEmail("JSmith@Example.com", { lowerCaseLocalPart: false }); // "JSmith@example.com"
 * ```
 */
export function normalizeEmail(value: string, options?: EmailNormalizeOptions): string {
  return unwrap(normalizeEmailValue(value, lowerCaseLocalPartOf(options)), value);
}

/** As {@link normalizeEmail}, but returns `{ success, data | error }` instead of throwing (bad `options` still throw `VALIDATION_FAILED`). */
export function safeNormalizeEmail(value: unknown, options?: EmailNormalizeOptions): NormalizeResult {
  return toResult(normalizeEmailValue(value, lowerCaseLocalPartOf(options)));
}

const OPTION_KEYS = ["lowerCaseLocalPart"] as const;

/** The checked `lowerCaseLocalPart` option (default `true`); absent options cost one comparison. */
function lowerCaseLocalPartOf(options: EmailNormalizeOptions | undefined): boolean {
  if (options === undefined) return true;
  const value = readFields(options, OPTION_KEYS, "email options", "options").lowerCaseLocalPart ?? true;
  if (typeof value !== "boolean") {
    throw new OrgKitError("VALIDATION_FAILED", "Invalid lowerCaseLocalPart: must be a boolean", {
      details: { issues: [{ path: "lowerCaseLocalPart", message: "must be a boolean", code: "invalid_type" }] },
    });
  }
  return value;
}
