import { domainToASCII } from "node:url";
import { issue, toResult, unwrap, type Normalized, type NormalizeIssue, type NormalizeResult } from "./normalize-result.js";

/** Longest domain name in presentation form without the trailing dot (RFC 1035: 255 octets on the wire). */
export const MAX_DOMAIN_LENGTH = 253;
/** Longest label (RFC 1035). */
export const MAX_LABEL_LENGTH = 63;

const fail = (reason: string, message: string) => issue("INVALID_DOMAIN", reason, message);
const NOT_A_STRING = fail("not_a_string", "A domain must be a string");
const EMPTY = fail("empty", "A domain must not be empty");
const TOO_LONG = fail("too_long", `A domain must be at most ${MAX_DOMAIN_LENGTH} characters (after IDN conversion)`);
const EMPTY_LABEL = fail("empty_label", "A domain must not contain an empty label (leading, doubled or trailing dots)");
const LABEL_TOO_LONG = fail("label_too_long", `Each label of a domain must be at most ${MAX_LABEL_LENGTH} characters`);
const LABEL_HYPHEN = fail("label_hyphen", "A domain label must not start or end with a hyphen");
const INVALID_CHARACTER = fail("invalid_character", "A domain may contain only letters, digits, hyphens and dots");
const IP_ADDRESS = fail("ip_address", "An IP address is not a domain name");
const INVALID_IDN = fail("invalid_idn", "The internationalized domain name cannot be converted to ASCII");

const enum Char {
  Dot = 0x2e,
  Hyphen = 0x2d,
  Zero = 0x30,
  Nine = 0x39,
  Colon = 0x3a,
  UpperA = 0x41,
  UpperZ = 0x5a,
  LowerA = 0x61,
  LowerZ = 0x7a,
  OpenBracket = 0x5b,
}

/**
 * The last label decides whether the WHATWG URL parser (which `domainToASCII`
 * implements) would read the name as an IPv4 address: all digits (`1.2.3.4`, `a.10`),
 * or a `0x…` hex number. No top-level domain looks like that, so both are refused.
 */
function lastLabelIsNumeric(domain: string, start: number): boolean {
  const length = domain.length - start;
  if (length >= 2 && domain.charCodeAt(start) === Char.Zero && (domain.charCodeAt(start + 1) | 0x20) === 0x78) {
    for (let i = start + 2; i < domain.length; i++) {
      const c = domain.charCodeAt(i);
      if (!((c >= Char.Zero && c <= Char.Nine) || (c >= Char.LowerA && c <= 0x66))) return false;
    }
    return true;
  }
  for (let i = start; i < domain.length; i++) {
    const c = domain.charCodeAt(i);
    if (c < Char.Zero || c > Char.Nine) return false;
  }
  return true;
}

/**
 * Validates a lower-case ASCII domain (no trailing dot): LDH labels of 1–63
 * characters, no hyphen at either end of a label, at most 253 characters, and not an
 * IP address. Returns the domain itself or the issue.
 */
export function validateAsciiDomain(domain: string): Normalized {
  if (domain.length === 0) return EMPTY;
  if (domain.length > MAX_DOMAIN_LENGTH) return TOO_LONG;
  let labelStart = 0;
  for (let i = 0; i <= domain.length; i++) {
    const c = i === domain.length ? Char.Dot : domain.charCodeAt(i);
    if (c === Char.Dot) {
      const length = i - labelStart;
      if (length === 0) return EMPTY_LABEL;
      if (length > MAX_LABEL_LENGTH) return LABEL_TOO_LONG;
      if (domain.charCodeAt(labelStart) === Char.Hyphen || domain.charCodeAt(i - 1) === Char.Hyphen) return LABEL_HYPHEN;
      if (i < domain.length) labelStart = i + 1;
    } else if (!((c >= Char.LowerA && c <= Char.LowerZ) || (c >= Char.Zero && c <= Char.Nine) || c === Char.Hyphen)) {
      return c === Char.Colon || c === Char.OpenBracket ? IP_ADDRESS : INVALID_CHARACTER;
    }
  }
  return lastLabelIsNumeric(domain, labelStart) ? IP_ADDRESS : domain;
}

/**
 * The normalizer behind {@link normalizeDomain}, returning the issue instead of
 * throwing. Pure lower-case LDH input (the common case) never reaches
 * `domainToASCII`; anything else (upper case aside) goes through it.
 */
export function normalizeDomainValue(value: unknown): Normalized {
  if (typeof value !== "string") return NOT_A_STRING;
  let domain = value.trim();
  if (domain.length === 0) return EMPTY;
  let upper = false;
  let nonAscii = false;
  for (let i = 0; i < domain.length; i++) {
    const c = domain.charCodeAt(i);
    if (c >= 0x80) nonAscii = true;
    else if (c >= Char.UpperA && c <= Char.UpperZ) upper = true;
    else if (!((c >= Char.LowerA && c <= Char.LowerZ) || (c >= Char.Zero && c <= Char.Nine) || c === Char.Hyphen || c === Char.Dot)) {
      // Refused before `domainToASCII` sees it: the URL host parser would quietly cut
      // `a.com/x` to `a.com` and decode `a%41.com` to `aa.com`.
      return c === Char.Colon || c === Char.OpenBracket ? IP_ADDRESS : INVALID_CHARACTER;
    }
  }
  if (nonAscii) {
    domain = domainToASCII(domain);
    if (domain === "") return INVALID_IDN;
  } else {
    if (upper) domain = domain.toLowerCase();
    // Existing punycode labels go through the converter too, so `xn--` garbage is
    // refused and every accepted name is in the converter's canonical form.
    if (domain.includes("xn--")) {
      domain = domainToASCII(domain);
      if (domain === "") return INVALID_IDN;
    }
  }
  // One trailing dot is the DNS root (`example.com.`); strip it so both spellings are equal.
  if (domain.charCodeAt(domain.length - 1) === Char.Dot) domain = domain.slice(0, -1);
  return validateAsciiDomain(domain);
}

/**
 * Normalizes a domain name: trims, lower-cases, strips one trailing dot, converts an
 * internationalized name to ASCII (punycode), and checks label and length rules.
 * IP addresses are refused. Idempotent.
 *
 * @throws {@link orgkit!OrgKitError | OrgKitError} `INVALID_DOMAIN`, with `details.reason` (`empty`,
 *   `invalid_character`, `empty_label`, `label_too_long`, `label_hyphen`, `too_long`,
 *   `ip_address`, `invalid_idn`, `not_a_string`).
 *
 * @example
 * ```ts
 * normalizeDomain("Bücher.Example."); // "xn--bcher-kva.example"
 * normalizeDomain("192.168.0.1");     // throws INVALID_DOMAIN (ip_address)
 * ```
 */
export function normalizeDomain(value: string): string {
  return unwrap(normalizeDomainValue(value), value);
}

/** As {@link normalizeDomain}, but returns `{ success, data | error }` instead of throwing. */
export function safeNormalizeDomain(value: unknown): NormalizeResult {
  return toResult(normalizeDomainValue(value));
}

/** Type guard for the internal normalizers' failure value. */
export function isIssue(value: Normalized): value is NormalizeIssue {
  return typeof value !== "string";
}
