/**
 * Property tests: the compiled matcher returns exactly what a naive scan over the same
 * rules returns, also after incremental add/remove, and also when compiled over only
 * the rules `identityLookupKeys` selects (what a database-backed service does).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  compileMatcher,
  createMemberRule,
  identityLookupKeys,
  type Identity,
  type MatchResult,
  type MemberRule,
} from "../../src/domain/matching/index.js";
import { naiveMatch } from "./naive-scan.js";
import type { MemberRuleKind } from "../../src/index.js";

const options = { defaultRegion: "US" } as const;

// Small pools so that rules and identities collide often. Rule domains are every
// label-boundary suffix of these hosts (public suffixes among them are refused), and
// identity hosts are these hosts, possibly under a further subdomain: so exact,
// subdomain, longest-wins, label-confusion (foobar/bar) and public-suffix-boundary
// (bucket.s3.amazonaws.com vs amazonaws.com, x.acme.kobe.jp vs kobe.jp) cases are frequent.
const hostPool = [
  "acme.com",
  "mail.acme.com",
  "eu.mail.acme.com",
  "bar.com",
  "foobar.com",
  "x.foobar.com",
  "bücher.example",
  "mail.xn--bcher-kva.example",
  "acme.co.uk",
  "mail.acme.co.uk",
  "mail.amazonaws.com",
  "bucket.s3.amazonaws.com",
  "x.acme.kobe.jp",
  "www.city.kobe.jp",
  "a.b.c.mm",
  "mail.acme.github.io",
  "localhost",
];
const suffixesOf = (host: string) => host.split(".").map((_, i, labels) => labels.slice(i).join("."));
const ruleDomains = fc.constantFrom(...new Set(hostPool.flatMap(suffixesOf)));
const identityHost = fc
  .tuple(fc.constantFrom("", "", "x.", "deep.sub."), fc.constantFrom(...hostPool), fc.boolean())
  .map(([prefix, host, upper]) => `${prefix}${upper ? host.toUpperCase() : host}`);
const locals = fc.constantFrom("jsmith", "JSmith", "jdoe", "ann", "o'brien+x");
const email = fc.tuple(locals, identityHost).map(([l, h]) => `${l}@${h}`);
const usernames = fc.constantFrom("jsmith", "JSmith", " ｊｓｍｉｔｈ ", "ann", "Bob Smith", "straße", "STRASSE");
const phones = fc.constantFrom("(623) 434-8050", "+1 623-434-8050", "623.434.8050", "+44 20 7946 0958", "(212) 555-0123", "+1 650 253 0000");
const garbage = fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom("", "@", "no-at", "a@1.2.3.4", "a@-x.com", "n/a"));
const organizations = fc.constantFrom("org_a", "org_b", "org_c", "org_d");

const ruleSpec = fc.record({
  kind: fc.oneof(
    { weight: 4, arbitrary: fc.constant<MemberRuleKind>("domain") },
    { weight: 2, arbitrary: fc.constant<MemberRuleKind>("email") },
    { weight: 1, arbitrary: fc.constantFrom<MemberRuleKind>("username", "phone") },
  ),
  email,
  host: ruleDomains,
  username: usernames,
  phone: phones,
  organizationId: organizations,
  includeSubdomains: fc.oneof(fc.constant(true), fc.boolean()),
});
type RuleSpec = typeof ruleSpec extends fc.Arbitrary<infer T> ? T : never;

/** Turns specs into valid rules (ids r0, r1…), dropping those createMemberRule refuses (public suffixes). */
function toRules(specs: readonly RuleSpec[], offset = 0): MemberRule[] {
  const rules: MemberRule[] = [];
  specs.forEach((spec, i) => {
    const value = { email: spec.email, domain: spec.host, username: spec.username, phone: spec.phone }[spec.kind];
    try {
      rules.push(
        createMemberRule(
          { id: `r${offset + i}`, organizationId: spec.organizationId, kind: spec.kind, value, includeSubdomains: spec.kind === "domain" && spec.includeSubdomains },
          { ...options, allowFreeMail: true },
        ),
      );
    } catch {
      // refused: a public-suffix domain
    }
  });
  return rules;
}

const maybe = <T>(arbitrary: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 1, arbitrary: fc.constantFrom(undefined, null) }, { weight: 4, arbitrary: arbitrary });
const identity: fc.Arbitrary<Identity> = fc.record(
  {
    emails: maybe(fc.array(fc.oneof({ weight: 4, arbitrary: email }, { weight: 1, arbitrary: garbage }), { maxLength: 4 })),
    username: maybe(fc.oneof({ weight: 4, arbitrary: usernames }, { weight: 1, arbitrary: garbage })),
    phones: maybe(fc.array(fc.oneof({ weight: 4, arbitrary: phones }, { weight: 1, arbitrary: garbage }), { maxLength: 2 })),
  },
  { requiredKeys: [] },
) as fc.Arbitrary<Identity>;

/** The matcher's result in the naive scan's shape (skipped parts without messages). */
function comparable(result: MatchResult) {
  return {
    matches: result.matches,
    skipped: result.skipped.map(({ field, index, code, reason }) => ({ field, index, code, reason })),
  };
}

describe("compiled matcher = naive scan (differential)", () => {
  it('with the "allow" policy (conflicting claims included)', () => {
    const seen = { identities: 0, subdomain: 0, severalOrganizations: 0, skipped: 0 };
    fc.assert(
      fc.property(fc.array(ruleSpec, { minLength: 5, maxLength: 60 }), fc.array(identity, { minLength: 1, maxLength: 5 }), (specs, identities) => {
        const rules = toRules(specs);
        const matcher = compileMatcher(rules, { ...options, conflictPolicy: "allow" });
        for (const person of identities) {
          const result = matcher.match(person);
          expect(comparable(result)).toEqual(naiveMatch(rules, person, options));
          seen.identities++;
          if (result.matches.some((m) => m.matchedRules.some((r) => r.reason.kind === "domain" && r.reason.subdomain))) seen.subdomain++;
          if (result.matches.length >= 2) seen.severalOrganizations++;
          if (result.skipped.length > 0) seen.skipped++;
        }
      }),
      { numRuns: 300 },
    );
    // Guard against a vacuous property: the interesting cases must actually occur.
    expect(seen.subdomain / seen.identities).toBeGreaterThan(0.05);
    expect(seen.severalOrganizations / seen.identities).toBeGreaterThan(0.05);
    expect(seen.skipped / seen.identities).toBeGreaterThan(0.05);
  });

  it('with the "reject" policy (one organization per value)', () => {
    fc.assert(
      fc.property(fc.array(ruleSpec, { maxLength: 40 }), identity, (specs, person) => {
        const claimed = new Map<string, string>();
        const rules = toRules(specs).filter((rule) => {
          const key = `${rule.kind}:${rule.value}`;
          const owner = claimed.get(key) ?? rule.organizationId;
          claimed.set(key, owner);
          return owner === rule.organizationId;
        });
        expect(comparable(compileMatcher(rules, options).match(person))).toEqual(naiveMatch(rules, person, options));
      }),
      { numRuns: 200 },
    );
  });

  it("after incremental add and remove (no rebuild)", () => {
    fc.assert(
      fc.property(
        fc.array(ruleSpec, { maxLength: 20 }),
        fc.array(ruleSpec, { maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        identity,
        (initialSpecs, addedSpecs, removals, person) => {
          const initial = toRules(initialSpecs);
          const added = toRules(addedSpecs, 1000);
          const matcher = compileMatcher(initial, { ...options, conflictPolicy: "allow" });
          for (const rule of added) matcher.add(rule);
          let current = [...initial, ...added];
          for (const pick of removals) {
            if (current.length === 0) break;
            const victim = current[pick % current.length]!;
            expect(matcher.remove(victim.id)).toEqual(victim);
            current = current.filter((r) => r.id !== victim.id);
          }
          expect(matcher.size).toBe(current.length);
          expect(comparable(matcher.match(person))).toEqual(naiveMatch(current, person, options));
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("identityLookupKeys (property)", () => {
  it("a matcher over only the rules with the identity's keys matches as one over all rules", () => {
    fc.assert(
      fc.property(fc.array(ruleSpec, { maxLength: 40 }), identity, (specs, person) => {
        const rules = toRules(specs);
        const { keys, skipped } = identityLookupKeys(person, options);
        const wanted = new Set(keys.map((k) => `${k.kind}\u0000${k.value}`));
        expect(wanted.size).toBe(keys.length); // keys are distinct
        const fetched = rules.filter((rule) => wanted.has(`${rule.kind}\u0000${rule.value}`));
        const all = compileMatcher(rules, { ...options, conflictPolicy: "allow" }).match(person);
        const few = compileMatcher(fetched, { ...options, conflictPolicy: "allow" }).match(person);
        expect(few).toEqual(all);
        expect(skipped).toEqual(all.skipped);
      }),
      { numRuns: 400 },
    );
  });
});
