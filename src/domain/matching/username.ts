import { issue, toResult, unwrap, type Normalized, type NormalizeResult } from "./normalize-result.js";

/** Longest normalized username, in UTF-16 code units. */
export const MAX_USERNAME_LENGTH = 256;

const fail = (reason: string, message: string) => issue("INVALID_USERNAME", reason, message);
const NOT_A_STRING = fail("not_a_string", "A username must be a string");
const EMPTY = fail("empty", "A username must not be empty");
const TOO_LONG = fail("too_long", `A username must be at most ${MAX_USERNAME_LENGTH} characters`);
const INVALID_CHARACTER = fail("invalid_character", "A username must not contain control characters, line or paragraph separators, or unpaired surrogates");

/** Control characters, unpaired surrogates, and line/paragraph separators: never part of a name someone types. */
const FORBIDDEN = /[\p{Cc}\p{Cs}\p{Zl}\p{Zp}]/u;

/**
 * One round of NFKC case folding. JavaScript has no full case fold, so lower → upper →
 * lower approximates it: `ß` and `ẞ` become `ss`, final `ς` becomes `σ`, `ǅ` becomes `ǆ`.
 * NFKC on both sides makes compatibility forms equal (`ｊｏｅ` = `joe`, `ﬁ` = `fi`).
 */
function foldOnce(value: string): string {
  return value.normalize("NFKC").toLowerCase().toUpperCase().toLowerCase().normalize("NFKC").trim();
}

/** The normalizer behind {@link normalizeUsername}, returning the issue instead of throwing. */
export function normalizeUsernameValue(value: unknown): Normalized {
  if (typeof value !== "string") return NOT_A_STRING;
  let username = value.trim();
  let plainAscii = true;
  for (let i = 0; i < username.length; i++) {
    const c = username.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) {
      plainAscii = false;
      break;
    }
  }
  if (plainAscii) {
    // Printable ASCII is already NFKC, and lower-casing is its full case fold.
    username = username.toLowerCase();
  } else {
    // Folding is not idempotent in one round for a few characters (`ẞ` → `ß` → `ss`;
    // NFKC of `¨` starts with a space that the next trim removes), so repeat until stable.
    for (let round = 0; round < 4; round++) {
      const next = foldOnce(username);
      if (next === username) break;
      username = next;
    }
    if (FORBIDDEN.test(username)) return INVALID_CHARACTER;
  }
  if (username.length === 0) return EMPTY;
  return username.length > MAX_USERNAME_LENGTH ? TOO_LONG : username;
}

/**
 * Normalizes a username: trims, applies Unicode NFKC and case folding, so `JSmith`,
 * ` jsmith ` and `ｊｓｍｉｔｈ` are the same. Inner spaces are kept. Idempotent.
 *
 * @throws {@link orgkit!OrgKitError | OrgKitError} `INVALID_USERNAME`, with `details.reason` (`empty`,
 *   `too_long`, `invalid_character`, `not_a_string`).
 *
 * @example
 * ```ts
 * normalizeUsername("  JSmith "); // "jsmith"
 * normalizeUsername("Straße");    // "strasse"
 * ```
 */
export function normalizeUsername(value: string): string {
  return unwrap(normalizeUsernameValue(value), value);
}

/** As {@link normalizeUsername}, but returns `{ success, data | error }` instead of throwing. */
export function safeNormalizeUsername(value: unknown): NormalizeResult {
  return toResult(normalizeUsernameValue(value));
}
