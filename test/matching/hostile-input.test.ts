/**
 * Values outside the types (wrong types, null-prototype objects, throwing getters, revoked
 * proxies, proxies whose traps throw, BigInts) reaching `orgkit/matching`'s entries: each
 * call returns or throws an `OrgKitError` with a clear code, never a `TypeError` or a
 * ts-pattern "Pattern matching error".
 */
import { describe, expect, it } from "vitest";
import {
  compareCandidates,
  compileMatcher,
  createFreeMailDomains,
  createMemberRule,
  describeMatch,
  identityLookupKeys,
  isFreeMailDomain,
  normalizeEmail,
  normalizeMemberRuleValue,
  normalizePhone,
  safeNormalizeEmail,
  safeNormalizePhone,
  type Candidate,
  type MemberRule,
  type RuleMatch,
} from "../../src/domain/matching/index.js";
import { Exotic, expectInvalid, materialize } from "../fuzz/hostile-values.js";
import { expectOrgKitError } from "./helpers.js";

const revoked = () => materialize(new Exotic("revoked")) as never;
const trap = () => materialize(new Exotic("trap")) as never;
const getter = (field: string) => materialize(new Exotic("getter", field)) as never;
const nullPrototype = () => Object.create(null) as never;

const invalid = expectInvalid;

const acmeRule: MemberRule = createMemberRule({ id: "r1", organizationId: "acme", kind: "domain", value: "acme.example", includeSubdomains: true });

describe("normalizers with hostile arguments", () => {
  it("normalizeEmail with revoked-proxy options throws VALIDATION_FAILED, not TypeError", () => {
    invalid(() => normalizeEmail("ann@acme.example", revoked()), "options");
    invalid(() => safeNormalizeEmail("ann@acme.example", trap()), "options");
    invalid(() => normalizeEmail("ann@acme.example", null as never), "options");
    invalid(() => normalizeEmail("ann@acme.example", { lowerCaseLocalPart: "no" as never }), "lowerCaseLocalPart");
  });

  it("normalizeEmail(revoked proxy) is INVALID_EMAIL (not_a_string), with no hostile value kept in details", () => {
    const error = expectOrgKitError(() => normalizeEmail(revoked()), "INVALID_EMAIL", "not_a_string");
    expect(() => JSON.stringify(error.toJSON())).not.toThrow();
  });

  it("normalizePhone and safeNormalizePhone with unreadable options or a BigInt region throw VALIDATION_FAILED", () => {
    invalid(() => normalizePhone("+16234348050", revoked()), "options");
    invalid(() => safeNormalizePhone("+16234348050", getter("defaultRegion")), "options");
    invalid(() => normalizePhone("+16234348050", { defaultRegion: 10n as never }), "defaultRegion");
  });

  it("normalizeMemberRuleValue with a trapping-proxy kind throws VALIDATION_FAILED", () => {
    invalid(() => normalizeMemberRuleValue(trap(), "acme.example"), "kind");
    invalid(() => normalizeMemberRuleValue("constructor" as never, "acme.example"), "kind");
  });

  it("identityLookupKeys with revoked-proxy options throws VALIDATION_FAILED (bad identities are still only skipped)", () => {
    invalid(() => identityLookupKeys({ emails: ["ann@acme.example"] }, revoked()), "options");
    expect(identityLookupKeys(revoked()).skipped[0]?.reason).toBe("unreadable");
  });
});

describe("free-mail lists with hostile arguments", () => {
  it("createFreeMailDomains(null) and non-list add/remove throw VALIDATION_FAILED", () => {
    invalid(() => createFreeMailDomains(null as never), "options");
    invalid(() => createFreeMailDomains(revoked()), "options");
    invalid(() => createFreeMailDomains({ add: 42 as never }), "add");
    invalid(() => createFreeMailDomains({ add: "gmail.com" as never }), "add");
    invalid(() => createFreeMailDomains({ includeDefaults: false, remove: trap() }), "remove");
    expectOrgKitError(() => createFreeMailDomains({ includeDefaults: false, remove: [trap()] }), "INVALID_DOMAIN");
    invalid(() => createFreeMailDomains({ includeDefaults: "no" as never }), "includeDefaults");
  });

  it("isFreeMailDomain with something that is not a set throws VALIDATION_FAILED", () => {
    invalid(() => isFreeMailDomain("gmail.com", "gmail.com" as never), "freeMailDomains");
    invalid(() => isFreeMailDomain("gmail.com", revoked()), "freeMailDomains");
    expect(isFreeMailDomain("gmail.com", new Set(["gmail.com"]))).toBe(true);
  });

  it("createMemberRule with unreadable options or a bad free-mail list throws VALIDATION_FAILED", () => {
    const input = { id: "r9", organizationId: "acme", kind: "domain", value: "acme.example" } as const;
    invalid(() => createMemberRule(input, revoked()), "options");
    invalid(() => createMemberRule(input, { freeMailDomains: [] as never }), "freeMailDomains");
    invalid(() => createMemberRule(input, { allowFreeMail: "yes" as never }), "allowFreeMail");
  });
});

describe("compileMatcher and its matcher with hostile arguments", () => {
  it("compileMatcher with a non-iterable, a revoked proxy or a getter-bearing rule throws VALIDATION_FAILED", () => {
    invalid(() => compileMatcher(undefined as never), "rules");
    invalid(() => compileMatcher(nullPrototype()), "rules");
    invalid(() => compileMatcher(revoked()), "rules");
    invalid(() => compileMatcher([acmeRule, getter("value")]), "rules.1");
    invalid(() => compileMatcher([], revoked()), "options");
  });

  it("compileMatcher with a BigInt conflictPolicy throws VALIDATION_FAILED, not 'Do not know how to serialize a BigInt'", () => {
    invalid(() => compileMatcher([], { conflictPolicy: 1n as never }), "conflictPolicy");
  });

  it("matcher.add(trap proxy) throws VALIDATION_FAILED and adds nothing", () => {
    const matcher = compileMatcher([acmeRule]);
    invalid(() => matcher.add(trap()), "rule");
    invalid(() => matcher.add(getter("kind")), "rule");
    expect(matcher.size).toBe(1);
  });

  it("matcher.conflictsOf(undefined) throws VALIDATION_FAILED", () => {
    const matcher = compileMatcher([acmeRule]);
    invalid(() => matcher.conflictsOf(undefined as never), "rule");
    invalid(() => matcher.conflictsOf({ id: "r2", organizationId: "globex", kind: "constructor" as never, value: "acme.example" }), "rule.kind");
    expect(matcher.conflictsOf({ id: "r2", organizationId: "globex", kind: "domain", value: "acme.example" })).toEqual([acmeRule]);
  });

  it("matcher.match never throws, and preview refuses what is not a list of people", () => {
    const matcher = compileMatcher([acmeRule]);
    expect(matcher.match(revoked()).skipped[0]?.reason).toBe("unreadable");
    expect(matcher.match(trap()).skipped[0]?.reason).toBe("unreadable");
    invalid(() => matcher.preview(acmeRule, 42 as never), "people");
    invalid(() => matcher.preview(acmeRule, [], "replace" as never), "action");
  });
});

describe("ranking helpers with hostile arguments", () => {
  const candidate: Candidate = { rule: acmeRule, reason: { kind: "domain", email: "ann@acme.example", host: "acme.example", subdomain: false }, tier: 3, labels: 2, exact: true, position: 0 };

  it("describeMatch(junk) throws VALIDATION_FAILED, not a ts-pattern 'Pattern matching error'", () => {
    invalid(() => describeMatch(undefined as never), "ruleMatch");
    invalid(() => describeMatch({ rule: acmeRule, reason: { kind: "planet" } } as never), "ruleMatch.reason.kind");
    invalid(() => describeMatch({ rule: acmeRule, reason: { kind: "email", email: nullPrototype() } } as never), "ruleMatch.reason.email");
    invalid(() => describeMatch(revoked()), "ruleMatch");
    expect(describeMatch(candidate as RuleMatch)).toBe("email ann@acme.example is at domain acme.example (rule r1)");
  });

  it("compareCandidates(junk) throws VALIDATION_FAILED, not TypeError", () => {
    invalid(() => compareCandidates(undefined as never, candidate), "a");
    invalid(() => compareCandidates(candidate, { ...candidate, tier: Symbol("x") } as never), "b.tier");
    invalid(() => compareCandidates(candidate, { ...candidate, rule: revoked() }), "b.rule");
    expect(compareCandidates(candidate, { ...candidate, position: 1 })).toBeLessThan(0);
  });
});
