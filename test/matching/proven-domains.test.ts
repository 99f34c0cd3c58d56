/**
 * The matcher's `provenDomains`: a host at or under a proven domain matches the prover's
 * domain rules only; other kinds are unaffected; the option is checked like every other.
 */
import { describe, expect, it } from "vitest";
import { compileMatcher, createMemberRule, type MemberRule } from "../../src/domain/matching/index.js";
import { domainsNest, isWithinDomain } from "../../src/domain/matching/proven-domains.js";
import { expectOrgKitError } from "./helpers.js";

const rule = (id: string, organizationId: string, kind: MemberRule["kind"], value: string, includeSubdomains = false) =>
  createMemberRule({ id, organizationId, kind, value, ...(kind === "domain" ? { includeSubdomains } : {}) });

const rules = [
  rule("acme", "org_acme", "domain", "acme.com", true),
  rule("squat-eu", "org_squat", "domain", "eu.acme.com"),
  rule("squat-top", "org_squat", "domain", "acme.com", true),
  rule("squat-ann", "org_squat", "email", "ann@eu.acme.com"),
  rule("amazon", "org_amazon", "domain", "amazonaws.com", true),
  rule("bucket", "org_bucket", "domain", "bucket.s3.amazonaws.com"),
];
const orgs = (matcher: ReturnType<typeof compileMatcher>, email: string) => matcher.match({ emails: [email] }).matches.map((m) => m.organizationId).sort();

describe("proven domains in the matcher", () => {
  it("without proofs every organization's rules match as before", () => {
    const matcher = compileMatcher(rules, { conflictPolicy: "allow" });
    expect(orgs(matcher, "bob@eu.acme.com")).toEqual(["org_acme", "org_squat"]);
  });

  it("a host at or under a proven domain matches only the prover's domain rules; exact emails still match", () => {
    const matcher = compileMatcher(rules, { conflictPolicy: "allow", provenDomains: [{ domain: "acme.com", organizationId: "org_acme" }] });
    expect(orgs(matcher, "bob@acme.com")).toEqual(["org_acme"]);
    expect(orgs(matcher, "bob@eu.acme.com")).toEqual(["org_acme"]);
    expect(orgs(matcher, "ann@eu.acme.com")).toEqual(["org_acme", "org_squat"]); // the email rule names one person
    expect(orgs(matcher, "bob@notacme.com")).toEqual([]);
  });

  it("the most specific proof decides, and a broader rule keeps the hosts outside the proven subdomain", () => {
    const matcher = compileMatcher(rules, { conflictPolicy: "allow", provenDomains: [{ domain: "eu.acme.com", organizationId: "org_squat" }] });
    expect(orgs(matcher, "bob@eu.acme.com")).toEqual(["org_squat"]);
    expect(orgs(matcher, "bob@x.eu.acme.com")).toEqual(["org_squat"]);
    expect(orgs(matcher, "bob@us.acme.com")).toEqual(["org_acme", "org_squat"]);
  });

  it("a proof stops at the host's registrable domain: names under a public suffix inside it belong to others", () => {
    const matcher = compileMatcher(rules, { conflictPolicy: "allow", provenDomains: [{ domain: "amazonaws.com", organizationId: "org_amazon" }] });
    expect(orgs(matcher, "ops@bucket.s3.amazonaws.com")).toEqual(["org_bucket"]);
    expect(orgs(matcher, "ops@ec2.amazonaws.com")).toEqual(["org_amazon"]);
  });

  it("refuses a bad option with its path", () => {
    for (const [provenDomains, path] of [
      ["acme.com", "provenDomains"],
      [[null], "provenDomains.0"],
      [[{ domain: "Acme.com", organizationId: "o" }], "provenDomains.0.domain"],
      [[{ domain: "acme.com", organizationId: "" }], "provenDomains.0.organizationId"],
      [[{ domain: "acme.com", organizationId: "a" }, { domain: "acme.com", organizationId: "b" }], "provenDomains.1.domain"],
    ] as const) {
      const error = expectOrgKitError(() => compileMatcher(rules, { conflictPolicy: "allow", provenDomains: provenDomains as never }), "VALIDATION_FAILED");
      expect(error.details["issues"]).toMatchObject([{ path }]);
    }
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    expectOrgKitError(() => compileMatcher(rules, { provenDomains: [revoked.proxy] as never }), "VALIDATION_FAILED");
  });

  it("domains nest at label boundaries only", () => {
    expect(isWithinDomain("eu.acme.com", "acme.com")).toBe(true);
    expect(isWithinDomain("acme.com", "acme.com")).toBe(true);
    expect(isWithinDomain("notacme.com", "acme.com")).toBe(false);
    expect(domainsNest("acme.com", "eu.acme.com")).toBe(true);
    expect(domainsNest("us.acme.com", "eu.acme.com")).toBe(false);
  });
});
