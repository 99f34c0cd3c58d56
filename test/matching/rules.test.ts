import { describe, expect, it } from "vitest";
import {
  createFreeMailDomains,
  createMemberRule,
  defaultFreeMailDomains,
  isFreeMailDomain,
  isPublicSuffix,
  normalizeDomain,
  normalizeMemberRuleValue,
  registrableDomain,
} from "../../src/domain/matching/index.js";
import { expectOrgKitError } from "./helpers.js";

const rule = (kind: "email" | "domain" | "username" | "phone", value: string, extra: { includeSubdomains?: boolean } = {}) => ({
  id: "r1",
  organizationId: "org_1",
  kind,
  value,
  ...extra,
});

describe("createMemberRule", () => {
  it("normalizes the seed's rules (SmarterTools: domain + phone; exact emails)", () => {
    expect(createMemberRule(rule("domain", "smartertools.com"))).toEqual({
      id: "r1",
      organizationId: "org_1",
      kind: "domain",
      value: "smartertools.com",
      includeSubdomains: false,
    });
    expect(createMemberRule(rule("phone", "(623) 434-8050"), { defaultRegion: "US" }).value).toBe("+16234348050");
    expect(createMemberRule(rule("email", "JSmith@Example.com")).value).toBe("jsmith@example.com");
    expect(createMemberRule(rule("email", "jdoe@example.co.uk")).value).toBe("jdoe@example.co.uk");
    expect(createMemberRule(rule("domain", "example.co.uk")).value).toBe("example.co.uk");
    expect(createMemberRule(rule("username", " JSmith ")).value).toBe("jsmith");
  });

  it("returns a frozen rule, with includeSubdomains only for domains", () => {
    const created = createMemberRule(rule("domain", "Bücher.example", { includeSubdomains: true }));
    expect(created).toMatchObject({ value: "xn--bcher-kva.example", includeSubdomains: true });
    expect(Object.isFrozen(created)).toBe(true);
    const error = expectOrgKitError(() => createMemberRule(rule("email", "a@b.com", { includeSubdomains: true })), "VALIDATION_FAILED");
    expect(error.details.issues).toEqual([expect.objectContaining({ path: "includeSubdomains" })]);
  });

  it("validates the shape with paths (VALIDATION_FAILED)", () => {
    const error = expectOrgKitError(() => createMemberRule({ id: " ", organizationId: "o", kind: "fax", value: 1 } as never), "VALIDATION_FAILED");
    const paths = error.details.issues.map((i) => i.path).sort();
    expect(paths).toEqual(["id", "kind", "value"]);
    expectOrgKitError(() => createMemberRule({ ...rule("email", "a@b.com"), extra: true } as never), "VALIDATION_FAILED");
  });

  it("reports each kind's normalizer error with the rule's path", () => {
    expect(expectOrgKitError(() => createMemberRule(rule("email", "not-an-email")), "INVALID_EMAIL", "missing_at").details).toMatchObject({ path: "value", kind: "email" });
    expectOrgKitError(() => createMemberRule(rule("domain", "exa mple.com")), "INVALID_DOMAIN", "invalid_character");
    expectOrgKitError(() => createMemberRule(rule("domain", "10.0.0.1")), "INVALID_DOMAIN", "ip_address");
    expectOrgKitError(() => createMemberRule(rule("username", "   ")), "INVALID_USERNAME", "empty");
    expectOrgKitError(() => createMemberRule(rule("phone", "(623) 434-8050")), "INVALID_PHONE", "missing_region");
    expectOrgKitError(() => createMemberRule(rule("phone", "12"), { defaultRegion: "US" }), "INVALID_PHONE", "invalid_number");
  });

  it("refuses public suffixes, ICANN and private alike", () => {
    for (const suffix of ["com", "co.uk", "COM.", "github.io", "blogspot.com", "uk.com", "公司.cn", "c.mm"]) {
      const error = expectOrgKitError(() => createMemberRule(rule("domain", suffix), { allowFreeMail: true }), "DOMAIN_PUBLIC_SUFFIX");
      expect(error.details).toMatchObject({ domain: normalizeDomain(suffix), publicSuffix: normalizeDomain(suffix) });
    }
    // An exact email at such a domain is fine: it names one person.
    expect(createMemberRule(rule("email", "someone@github.io")).value).toBe("someone@github.io");
  });

  it("refuses free-mail domains unless allowed", () => {
    for (const domain of ["gmail.com", "GMail.com", "outlook.com", "hotmail.co.uk", "googlemail.com", "mail.yahoo.com"]) {
      const error = expectOrgKitError(() => createMemberRule(rule("domain", domain)), "DOMAIN_FREE_MAIL");
      expect(error.details.domain).toBe(domain.toLowerCase());
    }
    expect(expectOrgKitError(() => createMemberRule(rule("domain", "mail.yahoo.com")), "DOMAIN_FREE_MAIL").details.provider).toBe("yahoo.com");
    expect(createMemberRule(rule("domain", "gmail.com"), { allowFreeMail: true }).value).toBe("gmail.com");
    // Exact free-mail addresses are what email rules are for.
    expect(createMemberRule(rule("email", "boss.acme@gmail.com")).value).toBe("boss.acme@gmail.com");
    // The package lists example.com, but RFC 2606 reserves it: the seed's example must work.
    expect(createMemberRule(rule("domain", "example.com")).value).toBe("example.com");
  });

  it("takes a host-extended free-mail list", () => {
    const freeMailDomains = createFreeMailDomains({ add: ["Mail.Example-ISP.net", "bücher-post.example"], remove: ["gmail.com"] });
    expect(freeMailDomains.has("mail.example-isp.net")).toBe(true);
    expect(freeMailDomains.has(normalizeDomain("bücher-post.example"))).toBe(true);
    expect(freeMailDomains.has("outlook.com")).toBe(true);
    expectOrgKitError(() => createMemberRule(rule("domain", "mail.example-isp.net"), { freeMailDomains }), "DOMAIN_FREE_MAIL");
    expectOrgKitError(() => createMemberRule(rule("domain", "eu.mail.example-isp.net"), { freeMailDomains }), "DOMAIN_FREE_MAIL");
    expect(createMemberRule(rule("domain", "gmail.com"), { freeMailDomains }).value).toBe("gmail.com");
    // A listed name does not make its parent free-mail.
    expect(createMemberRule(rule("domain", "example-isp.net"), { freeMailDomains }).value).toBe("example-isp.net");

    const only = createFreeMailDomains({ includeDefaults: false, add: ["corp-mail.example"] });
    expect([...only]).toEqual(["corp-mail.example"]);
    expect(createMemberRule(rule("domain", "gmail.com"), { freeMailDomains: only }).value).toBe("gmail.com");
    expectOrgKitError(() => createFreeMailDomains({ add: ["not a domain"] }), "INVALID_DOMAIN");
  });

  it("builds the default free-mail list from the email-providers package", () => {
    const list = defaultFreeMailDomains();
    expect(list.size).toBeGreaterThan(8000);
    expect(list.has("gmail.com")).toBe(true);
    expect(list.has("example.com")).toBe(false);
    expect(defaultFreeMailDomains()).toBe(list);
    // Every entry is already normalized.
    for (const domain of list) expect(normalizeMemberRuleValue("domain", domain)).toBe(domain);
    expect(isFreeMailDomain("GMail.com")).toBe(true);
    expect(isFreeMailDomain("smartertools.com")).toBe(false);
    expectOrgKitError(() => isFreeMailDomain("not a domain"), "INVALID_DOMAIN");
  });
});

describe("registrableDomain / isPublicSuffix", () => {
  it("follow the Public Suffix List, private section included", () => {
    expect(registrableDomain("Mail.Acme.co.uk")).toBe("acme.co.uk");
    expect(registrableDomain("co.uk")).toBeNull();
    expect(isPublicSuffix("github.io")).toBe(true);
    expect(isPublicSuffix("acme.github.io")).toBe(false);
    expect(isPublicSuffix("example.com")).toBe(false);
    expectOrgKitError(() => isPublicSuffix("1.2.3.4"), "INVALID_DOMAIN", "ip_address");
  });
});

describe("normalizeMemberRuleValue", () => {
  it("normalizes per kind and throws the kind's code", () => {
    expect(normalizeMemberRuleValue("phone", "623.434.8050", { defaultRegion: "US" })).toBe("+16234348050");
    expect(normalizeMemberRuleValue("email", "A@B.example", { lowerCaseLocalPart: false })).toBe("A@b.example");
    expectOrgKitError(() => normalizeMemberRuleValue("username", ""), "INVALID_USERNAME");
  });
});
