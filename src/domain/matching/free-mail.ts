// The full list (~8.7 k domains), not `common.json` (~360): `common.json` misses
// everyday providers such as `googlemail.com` and `hotmail.co.uk`, and a miss here
// lumps unrelated customers into one organization (a privacy leak: an organization
// manager sees every member's tickets), while an over-broad entry only costs the host
// an explicit `allowFreeMail`.
//
// The list is a static import, so bundlers (esbuild, webpack, Rollup) see it and a
// single-file bundle of `orgkit` works; our own build inlines it (tsup `noExternal`),
// because Node 20.0's ESM loader refuses a bare JSON import without import attributes.
// Hosts change it at run time with `createFreeMailDomains({ add, remove })`.
import providerDomains from "email-providers/all.json";
import { forEachItem, invalidArgument, optionalOfType, readFields } from "../argument-guards.js";
import { normalizeDomainValue } from "./domain.js";
import { issueToError } from "./normalize-result.js";
import { registrableDomainOfHost } from "./public-suffix.js";

/**
 * Names reserved for documentation and testing (RFC 2606, RFC 6761): they never host
 * real mailboxes, yet `email-providers` lists `example.com`. Dropping them keeps the
 * guard from refusing the documentation examples everyone uses.
 */
const RESERVED_SECOND_LEVEL = new Set(["example.com", "example.net", "example.org"]);
const RESERVED_TOP_LEVEL = new Set(["example", "test", "invalid", "localhost"]);

function isReservedName(domain: string): boolean {
  const tld = domain.slice(domain.lastIndexOf(".") + 1);
  if (RESERVED_TOP_LEVEL.has(tld)) return true;
  for (const reserved of RESERVED_SECOND_LEVEL) {
    if (domain === reserved || domain.endsWith(`.${reserved}`)) return true;
  }
  return false;
}

function loadProviderDomains(): readonly string[] {
  const list: unknown = providerDomains;
  return Array.isArray(list) ? list.filter((entry): entry is string => typeof entry === "string") : [];
}

let defaults: ReadonlySet<string> | undefined;

/**
 * The built-in free-mail domains: the `email-providers` package's full list, normalized
 * (a few entries need IDN conversion; the odd malformed entry is dropped), minus names
 * reserved for documentation (`example.com`). Built on first use and shared.
 */
export function defaultFreeMailDomains(): ReadonlySet<string> {
  if (defaults === undefined) {
    const set = new Set<string>();
    for (const entry of loadProviderDomains()) {
      const domain = normalizeDomainValue(entry);
      if (typeof domain === "string" && !isReservedName(domain)) set.add(domain);
    }
    defaults = set;
  }
  return defaults;
}

/** Options of {@link createFreeMailDomains}. */
export interface FreeMailDomainsOptions {
  /** Extra free-mail domains of the host's market (normalized; an invalid one throws `INVALID_DOMAIN`). */
  readonly add?: Iterable<string>;
  /** Domains to take off the list, e.g. a customer's own corporate domain that happens to be listed. */
  readonly remove?: Iterable<string>;
  /** Start from {@link defaultFreeMailDomains}. Default `true`; `false` uses only `add`. */
  readonly includeDefaults?: boolean;
}

function normalizeListed(domain: string, option: "add" | "remove", index: number): string {
  const normalized = normalizeDomainValue(domain);
  if (typeof normalized === "string") return normalized;
  throw issueToError(normalized, domain, { path: `${option}.${index}` });
}

const OPTION_KEYS = ["add", "remove", "includeDefaults"] as const;
const WHAT = "free-mail options";

/**
 * Builds a free-mail list for {@link MemberRuleOptions.freeMailDomains}: the built-in
 * list extended (or replaced) by the host's own.
 *
 * @throws {@link orgkit!OrgKitError | OrgKitError} `INVALID_DOMAIN` (with `details.path`, e.g. `add.2`) for a
 *   listed domain that cannot be normalized; `VALIDATION_FAILED` when `options` is not an
 *   object or cannot be read, `add` or `remove` is not a list (an array or another
 *   iterable; a single string is refused), or `includeDefaults` is not a boolean.
 *
 * @example
 * ```ts
 * const freeMailDomains = createFreeMailDomains({ add: ["mail.example-isp.net"], remove: ["facebook.com"] });
 * createMemberRule({ id: "r1", organizationId: "org_1", kind: "domain", value: "mail.example-isp.net" }, { freeMailDomains });
 * // throws DOMAIN_FREE_MAIL
 * ```
 */
export function createFreeMailDomains(options?: FreeMailDomainsOptions): ReadonlySet<string> {
  const read = readFields(options, OPTION_KEYS, WHAT, "options");
  const includeDefaults = optionalOfType(read.includeDefaults, "boolean", WHAT, "includeDefaults");
  const set = new Set<string>(includeDefaults === false ? [] : defaultFreeMailDomains());
  if (read.add !== undefined) forEachItem<string>(read.add, WHAT, "add", (domain, index) => set.add(normalizeListed(domain, "add", index)));
  if (read.remove !== undefined) forEachItem<string>(read.remove, WHAT, "remove", (domain, index) => set.delete(normalizeListed(domain, "remove", index)));
  return set;
}

/**
 * Checks a free-mail list handed in by a host (a `Set`, or anything with a `has` method),
 * reading it once; `VALIDATION_FAILED` at `path` for anything else.
 */
export function checkFreeMailDomains(value: unknown, path: string): ReadonlySet<string> {
  if (typeof readFields(value, HAS_KEYS, "free-mail domains", path, false).has !== "function") {
    throw invalidArgument("free-mail domains", path, "must be a set of domains (from createFreeMailDomains)", "invalid_type");
  }
  return value as ReadonlySet<string>;
}

const HAS_KEYS = ["has"] as const;

/**
 * The listed free-mail domain that `host` (already normalized) is, or lies under, down
 * to its registrable domain; `null` when none. `mail.yahoo.com` is free-mail because
 * `yahoo.com` is; a listed name's parent is not (`mail.ru` does not make `ru` free-mail).
 */
export function findFreeMailDomain(host: string, freeMailDomains: ReadonlySet<string>): string | null {
  const registrable = registrableDomainOfHost(host);
  let candidate = host;
  for (;;) {
    if (freeMailDomains.has(candidate)) return candidate;
    if (registrable === null || candidate.length <= registrable.length) return null;
    candidate = candidate.slice(candidate.indexOf(".") + 1);
  }
}

/**
 * True when `domain` (normalized first) is a free-mail provider's domain or lies under
 * one, per `freeMailDomains` (default: {@link defaultFreeMailDomains}).
 *
 * @throws {@link orgkit!OrgKitError | OrgKitError} `INVALID_DOMAIN` when `domain` cannot be normalized;
 *   `VALIDATION_FAILED` when `freeMailDomains` is not a set.
 *
 * @example
 * ```ts
 * isFreeMailDomain("GMail.com");        // true
 * isFreeMailDomain("smartertools.com"); // false
 * ```
 */
export function isFreeMailDomain(domain: string, freeMailDomains?: ReadonlySet<string>): boolean {
  const list = freeMailDomains === undefined ? defaultFreeMailDomains() : checkFreeMailDomains(freeMailDomains, "freeMailDomains");
  const normalized = normalizeDomainValue(domain);
  if (typeof normalized !== "string") throw issueToError(normalized, domain);
  return findFreeMailDomain(normalized, list) !== null;
}
