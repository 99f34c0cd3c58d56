/**
 * Proven domains: a domain an organization has shown it controls (a DNS TXT record, or an
 * affiliated organization admin; see `kit.rules.proveDomain`). Pure helpers: how domains
 * nest, where the proof record lives and what it says, and the index the matcher uses so
 * that a host inside a proven domain matches only the prover's domain rules.
 *
 * @module
 */
import { describeValue, forEachItem, invalidArgument, readFields } from "../argument-guards.js";
import { normalizeDomainValue } from "./domain.js";
import { registrableDomainOfHost } from "./public-suffix.js";

/** A domain an organization has proven it controls (for {@link MatcherOptions.provenDomains}). */
export interface ProvenDomain {
  /** The normalized domain (as a domain rule stores it). */
  readonly domain: string;
  /** The organization that proved it. */
  readonly organizationId: string;
}

/** The label under the domain where the proof's TXT record is published: `_orgkit.acme.com`. */
export const DOMAIN_PROOF_LABEL = "_orgkit";

/** What the TXT record's text starts with; the challenge token follows. */
export const DOMAIN_PROOF_PREFIX = "orgkit-verification=";

/** The name of the TXT record that proves `domain` (a normalized domain): `_orgkit.<domain>`. */
export function domainProofRecordName(domain: string): string {
  return `${DOMAIN_PROOF_LABEL}.${domain}`;
}

/** The text the TXT record must hold for `token`: `orgkit-verification=<token>`. */
export function domainProofRecordValue(token: string): string {
  return `${DOMAIN_PROOF_PREFIX}${token}`;
}

/** True when `host` is `domain` or lies under it at a label boundary (`eu.acme.com` under `acme.com`, never `notacme.com`). */
export function isWithinDomain(host: string, domain: string): boolean {
  return host === domain || (host.length > domain.length && host.endsWith(domain) && host.charCodeAt(host.length - domain.length - 1) === 0x2e);
}

/** True when one of two domains is the other or lies under it: proofs of such domains by two organizations exclude each other. */
export function domainsNest(a: string, b: string): boolean {
  return isWithinDomain(a, b) || isWithinDomain(b, a);
}

/**
 * An index of proven domains, for the matcher: `ownerOf(host)` is the organization whose
 * proven domain contains the host (the most specific one), counting only proven domains at
 * or below the host's registrable domain, as domain rules themselves match.
 *
 * @internal
 */
export interface ProvenDomainIndex {
  readonly size: number;
  ownerOf(host: string): string | undefined;
}

const NO_PROVEN_DOMAINS: ProvenDomainIndex = Object.freeze({ size: 0, ownerOf: () => undefined });

/**
 * Reads and checks the matcher's `provenDomains` option: a list of `{ domain, organizationId }`
 * with normalized domains, no domain proven by two organizations. `VALIDATION_FAILED` with
 * the path of the bad part otherwise.
 *
 * @internal
 */
export function readProvenDomains(value: unknown, path: string): ProvenDomainIndex {
  if (value === undefined) return NO_PROVEN_DOMAINS;
  const owners = new Map<string, string>();
  forEachItem<unknown>(value, "matcher options", path, (item, index) => {
    const at = `${path}.${index}`;
    const read = readFields(item, ["domain", "organizationId"] as const, "matcher options", at, false);
    if (typeof read.organizationId !== "string" || read.organizationId.length === 0) {
      throw invalidArgument("matcher options", `${at}.organizationId`, `must be a non-empty string, not ${describeValue(read.organizationId)}`, "invalid_type");
    }
    const domain = read.domain;
    if (typeof domain !== "string" || normalizeDomainValue(domain) !== domain) {
      throw invalidArgument("matcher options", `${at}.domain`, `must be a normalized domain, not ${describeValue(domain)}`, "not_normalized");
    }
    const owner = owners.get(domain);
    if (owner !== undefined && owner !== read.organizationId) {
      throw invalidArgument("matcher options", `${at}.domain`, `is proven by two organizations (${describeValue(owner)} and ${describeValue(read.organizationId)})`, "conflict");
    }
    owners.set(domain, read.organizationId);
  });
  if (owners.size === 0) return NO_PROVEN_DOMAINS;
  return {
    size: owners.size,
    ownerOf(host) {
      // The host itself, then each parent at a label boundary: the most specific proof decides.
      for (let start = 0; start < host.length; start = host.indexOf(".", start) + 1) {
        const owner = owners.get(start === 0 ? host : host.slice(start));
        if (owner !== undefined) {
          const registrable = registrableDomainOfHost(host);
          // Above the registrable domain lies a public suffix: the host belongs to someone else.
          return registrable !== null && host.length - start >= registrable.length ? owner : undefined;
        }
        if (host.indexOf(".", start) < 0) break;
      }
      return undefined;
    },
  };
}
