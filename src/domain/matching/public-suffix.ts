import { getDomain, getPublicSuffix } from "tldts";
import { normalizeDomainValue } from "./domain.js";
import { unwrap } from "./normalize-result.js";

/**
 * The Public Suffix List settings orgkit uses everywhere. The private section counts
 * (`github.io`, `blogspot.com`, `uk.com` are suffixes under which unrelated people
 * register names), as in the list's own test file. Inputs are already-normalized
 * hostnames, so tldts need not extract or re-validate them.
 */
const PSL_OPTIONS = { allowPrivateDomains: true, extractHostname: false, validateHostname: false, detectIp: false, mixedInputs: false } as const;

/**
 * The registrable domain of an already-normalized (ASCII, lower-case) host: the public
 * suffix plus one label (`mail.acme.co.uk` → `acme.co.uk`), or `null` when the host is
 * itself a public suffix (`co.uk`, `github.io`, a bare TLD). No normalization; see
 * {@link registrableDomain} for the public form.
 */
export function registrableDomainOfHost(host: string): string | null {
  return getDomain(host, PSL_OPTIONS);
}

/**
 * The registrable domain of `domain` (normalized first) under the Public Suffix List,
 * private section included: `mail.Acme.co.uk` → `acme.co.uk`; `null` for a public
 * suffix such as `com`, `co.uk` or `github.io`.
 *
 * @throws {@link orgkit!OrgKitError | OrgKitError} `INVALID_DOMAIN` when `domain` cannot be normalized.
 */
export function registrableDomain(domain: string): string | null {
  return registrableDomainOfHost(unwrap(normalizeDomainValue(domain), domain));
}

/**
 * True when `domain` (normalized first) is a public suffix: a name under which
 * unrelated parties register domains (`com`, `co.uk`, `github.io`), which a domain
 * rule must never name.
 *
 * @throws {@link orgkit!OrgKitError | OrgKitError} `INVALID_DOMAIN` when `domain` cannot be normalized.
 */
export function isPublicSuffix(domain: string): boolean {
  return registrableDomain(domain) === null;
}

/** The public suffix of an already-normalized host (`acme.co.uk` → `co.uk`), for error details. */
export function publicSuffixOfHost(host: string): string | null {
  return getPublicSuffix(host, PSL_OPTIONS);
}
