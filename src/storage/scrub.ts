/**
 * Erasure's one scrubbing rule (GDPR article 17): how the identities of an erased person
 * (emails, phones, username) are replaced in audit-event data. Every adapter's
 * `events.scrub` and `changes.scrub` applies this function, so the audit trail and the
 * change feed's copy of it come out identical on every storage.
 *
 * @module
 */
import { readPlainInput } from "../domain/plain-input.js";
import { invalidArgument } from "./arguments.js";

/** What an erased value is replaced with. */
export const ERASED_MARKER = "[erased]";

/** At most this many values per scrub (a user has at most 100 emails, 100 phones and a username). */
export const MAX_SCRUB_VALUES = 1000;

/**
 * Lower-cases ASCII letters only, keeping the length: the comparison `scrubPersonalData`
 * makes, and exactly what PostgreSQL's `lower()` does under `COLLATE "C"` (so a database
 * can pre-select the rows to scrub with the same folding).
 */
export function asciiLower(text: string): string {
  return text.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}

/** Keys whose strings are references to other records (`id`, `userId`, `usergroupIds`…): never scrubbed. */
function isReferenceKey(key: string | null): boolean {
  return key !== null && (key === "id" || key === "ids" || /[a-z0-9](Id|Ids)$/.test(key));
}

/** Letters, digits, combining marks and `_`: characters that continue a word. */
const WORD = /^[\p{L}\p{N}\p{M}_]$/u;
/** Characters that join two words into one address or name (`jane.doe`, `a-b`, `x+tag`, `user@host`). */
const JOINERS = new Set([".", "-", "+", "@"]);

/**
 * Whether the text just before `index` is part of a word: a letter, digit, mark or `_`, or
 * the end of a marker (a value touching a marker was part of a longer token, so scrubbing
 * twice changes nothing the first time did not).
 */
function wordBefore(text: string, index: number): boolean {
  if (index <= 0) return false;
  if (index >= ERASED_MARKER.length && text.startsWith(ERASED_MARKER, index - ERASED_MARKER.length)) return true;
  const low = text.charCodeAt(index - 1);
  const pair = index >= 2 && low >= 0xdc00 && low <= 0xdfff && text.charCodeAt(index - 2) >= 0xd800 && text.charCodeAt(index - 2) <= 0xdbff;
  return WORD.test(text.slice(pair ? index - 2 : index - 1, index));
}

/** Whether the text from `index` on starts with part of a word (as {@link wordBefore}). */
function wordAt(text: string, index: number): boolean {
  if (index >= text.length) return false;
  if (text.startsWith(ERASED_MARKER, index)) return true;
  return WORD.test(String.fromCodePoint(text.codePointAt(index)!));
}

/** Whether the text before `index` continues the occurrence starting there (`j` in `jjane@…`, `mr.` in `mr.jane@…`). */
function continuesBefore(text: string, index: number): boolean {
  if (wordBefore(text, index)) return true;
  return index >= 1 && JOINERS.has(text[index - 1]!) && wordBefore(text, index - 1);
}

/** Whether the text from `index` on continues the occurrence ending there (`.org` in `…acme.example.org`). */
function continuesAfter(text: string, index: number): boolean {
  if (wordAt(text, index)) return true;
  return index < text.length && JOINERS.has(text[index]!) && wordAt(text, index + 1);
}

interface Span {
  readonly start: number;
  readonly end: number;
  readonly replace: boolean;
}

/** `text` with each token occurrence of a needle (already ASCII-lower-cased, longest first) replaced by the marker. */
function scrubString(text: string, needles: readonly string[]): string {
  const lower = asciiLower(text);
  if (!needles.some((needle) => lower.includes(needle))) return text;
  const spans: Span[] = [];
  const overlaps = (start: number, end: number) => spans.some((span) => start < span.end && span.start < end);
  // Markers already there stay as they are (a username "erased" must not grow them into "[[erased]]").
  for (let at = text.indexOf(ERASED_MARKER); at >= 0; at = text.indexOf(ERASED_MARKER, at + 1)) spans.push({ start: at, end: at + ERASED_MARKER.length, replace: false });
  for (const needle of needles) {
    for (let at = lower.indexOf(needle); at >= 0; at = lower.indexOf(needle, at + 1)) {
      const end = at + needle.length;
      if (continuesBefore(text, at) || continuesAfter(text, end) || overlaps(at, end)) continue;
      spans.push({ start: at, end, replace: true });
    }
  }
  const replaced = spans.filter((span) => span.replace).sort((a, b) => a.start - b.start);
  if (replaced.length === 0) return text;
  let out = "";
  let from = 0;
  for (const span of replaced) {
    out += text.slice(from, span.start) + ERASED_MARKER;
    from = span.end;
  }
  return out + text.slice(from);
}

function scrubValue(value: unknown, needles: readonly string[], key: string | null): unknown {
  if (typeof value === "string") return isReferenceKey(key) ? value : scrubString(value, needles);
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((item) => {
      const next = scrubValue(item, needles, key);
      if (next !== item) changed = true;
      return next;
    });
    return changed ? out : value;
  }
  let changed = false;
  const out: Record<string, unknown> = {};
  for (const [name, item] of Object.entries(value)) {
    const next = scrubValue(item, needles, name);
    if (next !== item) changed = true;
    out[name] = next;
  }
  return changed ? out : value;
}

/**
 * The needles `values` stand for: ASCII-lower-cased, without empty and repeated values,
 * longest first (an email is replaced whole before a username it contains could match).
 * Throws `VALIDATION_FAILED` unless `values` is an array of at most 1,000 strings.
 */
export function scrubNeedles(values: readonly string[]): string[] {
  if (!Array.isArray(values)) throw invalidArgument("values", "must be an array of strings");
  if (values.length > MAX_SCRUB_VALUES) throw invalidArgument("values", `must hold at most ${MAX_SCRUB_VALUES} values`);
  values.forEach((value, index) => {
    if (typeof value !== "string") throw invalidArgument(`values.${index}`, "must be a string");
  });
  return [...new Set(values.filter((value) => value.length > 0).map(asciiLower))].sort((a, b) => b.length - a.length);
}

/**
 * Scrubs a person's identities out of audit-event data: every occurrence of one of
 * `values` in a string of `data` (compared with ASCII letters case-insensitively) is
 * replaced by `"[erased]"` where it stands as a token — not continued by a letter, digit,
 * `_` or an earlier marker, or by `.`, `-`, `+` or `@` followed by one — so `jane@acme.example` is replaced in
 * `"Linked by its email rule 'jane@acme.example'"` and in `"jane@acme.example"`, but not
 * in `mary.jane@acme.example` or `jane@acme.example.org`. Strings under reference keys
 * (`id`, `…Id`, `…Ids`: `userId`, `organizationId`, `usergroupIds`…) are kept: the user
 * id stays as the event's pseudonymous reference. Object keys, numbers and booleans are
 * kept. Returns plain data (`data` read once, as every public entry reads its input:
 * `VALIDATION_FAILED` for what cannot be read, such as a revoked proxy or a cycle); the
 * input is never mutated.
 *
 * @example
 * ```ts
 * scrubPersonalData({ userId: "u1", reason: "Linked by its email rule 'jane@acme.example'" }, ["jane@acme.example"]);
 * // { userId: "u1", reason: "Linked by its email rule '[erased]'" }
 * ```
 */
export function scrubPersonalData<T>(data: T, values: readonly string[]): T {
  const needles = scrubNeedles(readPlainInput<readonly string[]>(values, "scrub values", { path: ["values"] }));
  const plain = readPlainInput<T>(data, "event data", { path: ["data"], checkText: false });
  return needles.length === 0 ? plain : (scrubValue(plain, needles, null) as T);
}

/**
 * As {@link scrubPersonalData}, on plain data (an adapter's stored rows) and needles made by
 * {@link scrubNeedles}: returns `data` itself when nothing changed, else a changed copy.
 */
export function scrubWithNeedles<T>(data: T, needles: readonly string[]): T {
  return needles.length === 0 ? data : (scrubValue(data, needles, null) as T);
}
