import { visitIdentity, type Identity, type SkippedIdentityPart } from "./identity.js";
import { resolveNormalizeOptions, type NormalizeOptions } from "./options.js";
import { registrableDomainOfHost } from "./public-suffix.js";
import type { MemberRuleKind } from "./rule.js";

/** A (kind, normalized value) pair a member rule must have to match an identity. */
export interface MemberRuleLookupKey {
  /** The rule kind: `email`, `domain`, `username` or `phone`. */
  readonly kind: MemberRuleKind;
  /** The normalized value the rule must have (an address, a candidate domain, a username, an E.164 number). */
  readonly value: string;
}

/** The result of {@link identityLookupKeys}. */
export interface IdentityLookupKeys {
  /** Distinct keys, in identity order: emails, then the username, then phones; each email followed by its domain candidates. */
  readonly keys: readonly MemberRuleLookupKey[];
  /** Identity parts that could not be normalized (as in `match`). */
  readonly skipped: readonly SkippedIdentityPart[];
}

/**
 * The (kind, value) pairs a rule needs to have to match `identity`: each email exactly,
 * the username, each phone, and for each email host every domain a domain rule could
 * name — the host itself and each parent down to the host's registrable domain (a rule
 * never names a public suffix, and one above the registrable domain cannot reach the
 * host). Storage fetches just the rules with these keys and compiles a matcher over
 * them, which matches exactly as a matcher over all rules would: no operation loads
 * every rule to match one person.
 *
 * Never throws on identity input (bad parts are in `skipped`, unreadable ones with
 * reason `unreadable`); throws `VALIDATION_FAILED` for bad options, options that are not
 * an object, and options that cannot be read.
 *
 * @example
 * ```ts
 * identityLookupKeys({ emails: ["Ann@Mail.Acme.co.uk"], phones: ["+1 623-434-8050"] }).keys;
 * // [ { kind: "email", value: "ann@mail.acme.co.uk" },
 * //   { kind: "domain", value: "mail.acme.co.uk" }, { kind: "domain", value: "acme.co.uk" },
 * //   { kind: "phone", value: "+16234348050" } ]
 * const rules = await storage.rules.findByKeys(keys); // WHERE (kind, value) IN (…)
 * const best = compileMatcher(rules, { conflictPolicy: "allow" }).match(identity).matches[0];
 * ```
 */
export function identityLookupKeys(identity: Identity, options: NormalizeOptions = {}): IdentityLookupKeys {
  const normalize = resolveNormalizeOptions(options);
  const keys: MemberRuleLookupKey[] = [];
  const seen = new Set<string>();
  const add = (kind: MemberRuleKind, value: string) => {
    const id = `${kind}\u0000${value}`;
    if (seen.has(id)) return;
    seen.add(id);
    keys.push({ kind, value });
  };
  const skipped = visitIdentity(identity, normalize, {
    email(email) {
      add("email", email);
      const host = email.slice(email.lastIndexOf("@") + 1);
      const registrable = registrableDomainOfHost(host);
      // A host that is itself a public suffix has no domain a rule could name.
      if (registrable === null) return;
      for (let domain = host; ; domain = domain.slice(domain.indexOf(".") + 1)) {
        add("domain", domain);
        if (domain.length <= registrable.length) break;
      }
    },
    username(username) {
      add("username", username);
    },
    phone(phone) {
      add("phone", phone);
    },
  });
  return { keys, skipped: skipped ?? [] };
}
