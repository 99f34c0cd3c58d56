import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  compileMatcher,
  createMemberRule,
  describeMatch,
  identityLookupKeys,
  type Identity,
  type MatcherOptions,
  type MemberRule,
  type MemberRuleInput,
} from "../../src/domain/matching/index.js";
import { expectOrgKitError } from "./helpers.js";

const options = { defaultRegion: "US" } as const;
let nextId = 0;
const make = (organizationId: string, kind: MemberRuleInput["kind"], value: string, extra: Partial<MemberRuleInput> = {}): MemberRule =>
  createMemberRule({ id: `r${++nextId}`, organizationId, kind, value, ...extra }, { ...options, allowFreeMail: true });
const orgsOf = (matcherOptions: MatcherOptions, rules: MemberRule[], identity: Identity) =>
  compileMatcher(rules, { ...options, ...matcherOptions }).match(identity).matches.map((m) => m.organizationId);

describe("the seed's examples", () => {
  const smarterTools = [make("org_st", "phone", "(623) 434-8050"), make("org_st", "domain", "smartertools.com")];
  const exampleEmails = [make("org_ex", "email", "jsmith@example.com"), make("org_ex", "email", "jdoe@example.co.uk")];
  const matcher = compileMatcher([...smarterTools, ...exampleEmails], options);

  it("groups anyone with an @smartertools.com address under SmarterTools", () => {
    const { matches, skipped } = matcher.match({ emails: ["Support@SmarterTools.com"] });
    expect(skipped).toEqual([]);
    expect(matches).toHaveLength(1);
    expect(matches[0]).toMatchObject({
      organizationId: "org_st",
      rule: { kind: "domain", value: "smartertools.com" },
      reason: { kind: "domain", email: "support@smartertools.com", host: "smartertools.com", subdomain: false },
    });
  });

  it("groups a call from the SmarterTools number, however it is written", () => {
    for (const phone of ["(623) 434-8050", "+1 623-434-8050", "623.434.8050", "+16234348050"]) {
      const { matches } = matcher.match({ phones: [phone] });
      expect(matches.map((m) => [m.organizationId, m.reason])).toEqual([["org_st", { kind: "phone", phone: "+16234348050" }]]);
    }
  });

  it("matches the exact addresses jsmith@example.com and jdoe@example.co.uk, and nobody else there", () => {
    expect(matcher.match({ emails: ["JSmith@Example.com"] }).matches[0]).toMatchObject({ organizationId: "org_ex", reason: { kind: "email", email: "jsmith@example.com" } });
    expect(matcher.match({ emails: ["jdoe@EXAMPLE.co.uk"] }).matches[0]?.organizationId).toBe("org_ex");
    expect(matcher.match({ emails: ["management@example.com", "jdoe@example.com"] }).matches).toEqual([]);
  });

  it("captures either domain when both example.com and example.co.uk are added", () => {
    const rules = [make("org_x", "domain", "example.com"), make("org_x", "domain", "example.co.uk")];
    expect(orgsOf({}, rules, { emails: ["management@example.com"] })).toEqual(["org_x"]);
    expect(orgsOf({}, rules, { emails: ["jsmith@example.co.uk"] })).toEqual(["org_x"]);
    expect(orgsOf({}, rules, { emails: ["jsmith@example.org"] })).toEqual([]);
  });

  it("lists every matching rule of an organization, best first, and explains it", () => {
    const { matches } = matcher.match({ emails: ["ann@smartertools.com"], phones: ["623-434-8050"] });
    expect(matches).toHaveLength(1);
    expect(matches[0]!.matchedRules.map((r) => r.rule.kind)).toEqual(["phone", "domain"]);
    expect(describeMatch(matches[0]!)).toBe(`phone +16234348050 is a member phone number (rule ${smarterTools[0]!.id})`);
    expect(describeMatch(matches[0]!.matchedRules[1]!)).toBe(`email ann@smartertools.com is at domain smartertools.com (rule ${smarterTools[1]!.id})`);
  });
});

describe("internationalized domains", () => {
  it("matches Unicode and punycode spellings alike", () => {
    const rules = [make("org_b", "domain", "Bücher.example", { includeSubdomains: true }), make("org_c", "email", "info@ÉCOLE.example")];
    const matcher = compileMatcher(rules, options);
    for (const email of ["kontakt@bücher.example", "kontakt@BÜCHER.EXAMPLE", "kontakt@xn--bcher-kva.example", "kontakt@mail.bücher.example"]) {
      expect(matcher.match({ emails: [email] }).matches.map((m) => m.organizationId), email).toEqual(["org_b"]);
    }
    expect(matcher.match({ emails: ["INFO@école.example"] }).matches[0]?.reason).toEqual({ kind: "email", email: "info@xn--cole-9oa.example" });
    expect(matcher.match({ emails: ["kontakt@bucher.example"] }).matches).toEqual([]);
  });
});

describe("domain rules and subdomains", () => {
  it("match the exact host only, unless includeSubdomains", () => {
    const exact = [make("org_a", "domain", "acme.com")];
    expect(orgsOf({}, exact, { emails: ["a@acme.com"] })).toEqual(["org_a"]);
    expect(orgsOf({}, exact, { emails: ["a@mail.acme.com"] })).toEqual([]);
    const wide = [make("org_a", "domain", "acme.com", { includeSubdomains: true })];
    expect(orgsOf({}, wide, { emails: ["a@acme.com"] })).toEqual(["org_a"]);
    expect(orgsOf({}, wide, { emails: ["a@mail.acme.com"] })).toEqual(["org_a"]);
    expect(orgsOf({}, wide, { emails: ["a@x.y.mail.acme.com"] })).toEqual(["org_a"]);
  });

  it("never confuse a suffix that is not at a label boundary", () => {
    const rules = [make("org_bar", "domain", "bar.example", { includeSubdomains: true }), make("org_acme", "domain", "acme.com", { includeSubdomains: true })];
    for (const email of ["a@foobar.example", "a@foo-bar.example", "a@x.foobar.example", "a@foobaracme.com", "a@notacme.com", "a@acme.com.evil.example", "a@acme.co", "a@bar.example.org"]) {
      expect(orgsOf({}, rules, { emails: [email] }), email).toEqual([]);
    }
    expect(orgsOf({}, rules, { emails: ["a@x.bar.example"] })).toEqual(["org_bar"]);
  });

  it("rank the longest domain first, then an exact host before a subdomain match", () => {
    const rules = [
      make("org_parent", "domain", "acme.com", { includeSubdomains: true }),
      make("org_eu", "domain", "eu.acme.com", { includeSubdomains: true }),
      make("org_mail", "domain", "mail.eu.acme.com"),
      make("org_beta", "domain", "beta.com", { includeSubdomains: true }),
    ];
    expect(orgsOf({}, rules, { emails: ["a@mail.eu.acme.com"] })).toEqual(["org_mail", "org_eu", "org_parent"]);
    expect(orgsOf({}, rules, { emails: ["a@x.eu.acme.com"] })).toEqual(["org_eu", "org_parent"]);
    expect(orgsOf({}, rules, { emails: ["a@acme.com"] })).toEqual(["org_parent"]);
    // Same length: the exact host wins even from the second email.
    expect(orgsOf({}, rules, { emails: ["a@x.beta.com", "a@acme.com"] })).toEqual(["org_parent", "org_beta"]);
  });

  it("do not reach across a public suffix into other people's names", () => {
    // s3.amazonaws.com is a public suffix (PSL private section): bucket owners are not Amazon.
    const rules = [make("org_amazon", "domain", "amazonaws.com", { includeSubdomains: true })];
    expect(orgsOf({}, rules, { emails: ["a@mail.amazonaws.com"] })).toEqual(["org_amazon"]);
    expect(orgsOf({}, rules, { emails: ["a@bucket.s3.amazonaws.com"] })).toEqual([]);
    expect(orgsOf({}, rules, { emails: ["a@s3.amazonaws.com"] })).toEqual([]);
  });
});

describe("precedence", () => {
  it("ranks email > username > phone > domain, whatever the insertion order", () => {
    const rules = [
      make("org_domain", "domain", "acme.com"),
      make("org_phone", "phone", "+1 623 434 8050"),
      make("org_username", "username", "JSmith"),
      make("org_email", "email", "jsmith@acme.com"),
    ];
    const identity = { emails: ["jsmith@acme.com"], username: "jsmith", phones: ["(623) 434-8050"] };
    expect(orgsOf({}, rules, identity)).toEqual(["org_email", "org_username", "org_phone", "org_domain"]);
    expect(orgsOf({}, [...rules].reverse(), identity)).toEqual(["org_email", "org_username", "org_phone", "org_domain"]);
  });

  it("prefers the identity's earlier email among equal rules", () => {
    const rules = [make("org_a", "email", "a@x.com"), make("org_b", "email", "b@y.com")];
    expect(orgsOf({}, rules, { emails: ["b@y.com", "a@x.com"] })).toEqual(["org_b", "org_a"]);
  });
});

describe("conflicts", () => {
  it('"reject" (default) refuses a second organization claiming the same value, at compile and on add', () => {
    const first = make("org_a", "domain", "acme.com");
    const second = make("org_b", "domain", "ACME.com", { includeSubdomains: true });
    const error = expectOrgKitError(() => compileMatcher([first, second], options), "RULE_CONFLICT");
    expect(error.details).toMatchObject({ path: "rules.1", rule: { id: second.id }, existingRule: { id: first.id } });
    const matcher = compileMatcher([first], options);
    expectOrgKitError(() => matcher.add(second), "RULE_CONFLICT");
    expect(matcher.size).toBe(1);
    // The same organization may repeat a value (harmless); other kinds with that text are no conflict.
    matcher.add(make("org_a", "domain", "acme.com", { includeSubdomains: true }));
    matcher.add(make("org_b", "username", "acme.com"));
    expect(matcher.size).toBe(3);
    expect(matcher.conflictsOf(second).map((r) => r.organizationId)).toEqual(["org_a", "org_a"]);
  });

  it('"allow" returns every claimant in a deterministic order (by organization id)', () => {
    const rules = [make("org_z", "email", "shared@acme.com"), make("org_m", "email", "shared@acme.com"), make("org_a", "email", "shared@acme.com")];
    const identity = { emails: ["shared@acme.com"] };
    expect(orgsOf({ conflictPolicy: "allow" }, rules, identity)).toEqual(["org_a", "org_m", "org_z"]);
    expect(orgsOf({ conflictPolicy: "allow" }, [...rules].reverse(), identity)).toEqual(["org_a", "org_m", "org_z"]);
    const matcher = compileMatcher([], { ...options, conflictPolicy: "allow" });
    for (const rule of [rules[1]!, rules[0]!, rules[2]!]) matcher.add(rule);
    expect(matcher.match(identity).matches.map((m) => m.organizationId)).toEqual(["org_a", "org_m", "org_z"]);
  });

  it("refuses a duplicate rule id (CONFLICT, reason unique)", () => {
    const rule = make("org_a", "email", "a@acme.com");
    expectOrgKitError(() => compileMatcher([rule, { ...rule, value: "b@acme.com" }], options), "CONFLICT", "unique");
  });
});

describe("add and remove", () => {
  it("update matching without a rebuild", () => {
    const matcher = compileMatcher([], options);
    const identity = { emails: ["ann@mail.acme.com"] };
    expect(matcher.match(identity).matches).toEqual([]);
    const rule = make("org_a", "domain", "acme.com", { includeSubdomains: true });
    matcher.add(rule);
    expect(matcher.get(rule.id)).toEqual(rule);
    expect(matcher.match(identity).matches.map((m) => m.organizationId)).toEqual(["org_a"]);
    expect(matcher.remove(rule.id)).toEqual(rule);
    expect(matcher.remove(rule.id)).toBeNull();
    expect(matcher.get(rule.id)).toBeNull();
    expect(matcher.match(identity).matches).toEqual([]);
    expect(matcher.size).toBe(0);
    // Once removed, another organization may claim the value under "reject".
    matcher.add(make("org_b", "domain", "acme.com"));
    expect(matcher.match({ emails: ["x@acme.com"] }).matches[0]?.organizationId).toBe("org_b");
  });

  it("check rules like compile does", () => {
    const matcher = compileMatcher([], options);
    const error = expectOrgKitError(() => matcher.add({ id: "x", organizationId: "o", kind: "email", value: "A@B.com", includeSubdomains: false }), "VALIDATION_FAILED");
    expect(error.details.issues).toEqual([expect.objectContaining({ path: "rule.value", code: "not_normalized" })]);
  });
});

describe("compileMatcher input checks", () => {
  const base = { id: "r", organizationId: "o", includeSubdomains: false } as const;
  it.each([
    [{ ...base, kind: "email", value: "JSmith@example.com" }, "VALIDATION_FAILED"],
    [{ ...base, kind: "email", value: "not an email" }, "INVALID_EMAIL"],
    [{ ...base, kind: "domain", value: "co.uk" }, "DOMAIN_PUBLIC_SUFFIX"],
    [{ ...base, kind: "domain", value: "Acme.com" }, "VALIDATION_FAILED"],
    [{ ...base, kind: "username", value: " jsmith" }, "VALIDATION_FAILED"],
    [{ ...base, kind: "phone", value: "(623) 434-8050" }, "VALIDATION_FAILED"],
    [{ ...base, kind: "fax", value: "1" }, "VALIDATION_FAILED"],
    [{ ...base, kind: "email", value: "a@b.com", includeSubdomains: true }, "VALIDATION_FAILED"],
    [{ ...base, id: "", kind: "email", value: "a@b.com" }, "VALIDATION_FAILED"],
    [null, "VALIDATION_FAILED"],
  ] as const)("refuses %j with %s", (rule, code) => {
    const error = expectOrgKitError(() => compileMatcher([make("org_ok", "email", "ok@acme.com"), rule as unknown as MemberRule], options), code);
    expect(JSON.stringify(error.details)).toContain("rules.1");
  });

  it("refuses bad options", () => {
    expectOrgKitError(() => compileMatcher([], { conflictPolicy: "first" as never }), "VALIDATION_FAILED");
    expectOrgKitError(() => compileMatcher([], { defaultRegion: "XX" as never }), "VALIDATION_FAILED");
    expectOrgKitError(() => compileMatcher([], { lowerCaseLocalPart: "yes" as never }), "VALIDATION_FAILED");
  });

  it("accepts rules loaded from storage (plain objects with the normalized values)", () => {
    const matcher = compileMatcher([{ id: "r1", organizationId: "o", kind: "domain", value: "acme.com", includeSubdomains: true }], options);
    expect(matcher.match({ emails: ["a@b.acme.com"] }).matches).toHaveLength(1);
  });

  it("keeps the local part's case when rules and matcher say so", () => {
    const caseful = { ...options, lowerCaseLocalPart: false } as const;
    const rule = createMemberRule({ id: "r1", organizationId: "o", kind: "email", value: "JSmith@Example.com" }, caseful);
    expect(rule.value).toBe("JSmith@example.com");
    const matcher = compileMatcher([rule], caseful);
    expect(matcher.match({ emails: ["JSmith@EXAMPLE.com"] }).matches).toHaveLength(1);
    expect(matcher.match({ emails: ["jsmith@example.com"] }).matches).toHaveLength(0);
  });
});

describe("bad identity input", () => {
  const matcher = compileMatcher([make("org_a", "domain", "acme.com"), make("org_a", "username", "ann")], options);

  it("is skipped and reported, never thrown; good parts still match", () => {
    const result = matcher.match({ emails: [null, "bad", "ann@acme.com", 5] as never, username: 12 as never, phones: ["n/a", "(623) 434-805"] });
    expect(result.matches.map((m) => m.organizationId)).toEqual(["org_a"]);
    expect(result.skipped.map(({ field, index, code, reason }) => [field, index, code, reason])).toEqual([
      ["emails", 0, "INVALID_EMAIL", "not_a_string"],
      ["emails", 1, "INVALID_EMAIL", "missing_at"],
      ["emails", 3, "INVALID_EMAIL", "not_a_string"],
      ["username", null, "INVALID_USERNAME", "not_a_string"],
      ["phones", 0, "INVALID_PHONE", "not_a_number"],
      ["phones", 1, "INVALID_PHONE", "invalid_number"],
    ]);
    expect(result.skipped[1]).toMatchObject({ value: "bad", message: expect.stringContaining("@") });
  });

  it("covers wrong types of whole fields and of the identity", () => {
    expect(matcher.match({ emails: "ann@acme.com" as never }).skipped).toEqual([expect.objectContaining({ field: "emails", index: null, code: "VALIDATION_FAILED" })]);
    expect(matcher.match(null as never).skipped).toEqual([expect.objectContaining({ field: "identity", code: "VALIDATION_FAILED" })]);
    expect(matcher.match({ emails: null, username: null, phones: undefined }).skipped).toEqual([]);
  });

  it("survives identities whose getters throw or match re-entrantly", () => {
    const throwing = {
      emails: ["ann@acme.com"],
      get phones(): string[] {
        throw new Error("boom");
      },
    };
    const result = matcher.match(throwing);
    expect(result.matches.map((m) => m.organizationId)).toEqual(["org_a"]);
    expect(result.skipped).toEqual([expect.objectContaining({ field: "identity", reason: "unreadable" })]);
    expect(identityLookupKeys(throwing).skipped).toEqual([expect.objectContaining({ reason: "unreadable" })]);

    let inner: unknown;
    const reentrant = {
      emails: ["x@acme.com"],
      get username() {
        inner = matcher.match({ username: "ANN" });
        return "nobody";
      },
    };
    expect(matcher.match(reentrant).matches.map((m) => m.rule.kind)).toEqual(["domain"]);
    expect((inner as { matches: { rule: { kind: string } }[] }).matches.map((m) => m.rule.kind)).toEqual(["username"]);
  });

  it("never throws, whatever the input (property)", () => {
    fc.assert(
      fc.property(fc.anything(), fc.anything(), fc.anything(), fc.anything(), (anything, emails, username, phones) => {
        expect(() => matcher.match(anything as never)).not.toThrow();
        expect(() => matcher.match({ emails, username, phones } as never)).not.toThrow();
        expect(() => matcher.match({ emails: [emails, username], phones: [phones] } as never)).not.toThrow();
        expect(() => identityLookupKeys({ emails, username, phones } as never)).not.toThrow();
      }),
      { numRuns: 500 },
    );
  });
});

describe("preview", () => {
  const people = [
    { id: "ann", emails: ["ann@acme.com"] },
    { id: "bob", emails: ["bob@mail.acme.com"] },
    { id: "cat", emails: ["cat@other.com"], phones: ["(623) 434-8050"] },
    { id: "dan", emails: ["dan@acme.com"], username: "dan" },
  ];
  const ids = (entries: readonly { person: { id: string } }[]) => entries.map((e) => e.person.id);

  it("tells who would join when a rule is added, and leaves the matcher unchanged", () => {
    const existing = [make("org_a", "domain", "acme.com"), make("org_c", "phone", "623-434-8050")];
    const matcher = compileMatcher(existing, options);
    const before = people.map((p) => matcher.match(p));
    const preview = matcher.preview(make("org_b", "username", "dan"), people);
    expect(preview).toMatchObject({ change: "add", replaced: null, conflicts: [], rejected: false });
    expect(ids(preview.joining)).toEqual(["dan"]);
    expect(preview.joining[0]).toMatchObject({ organizationId: "org_b", match: { reason: { kind: "username", username: "dan" } } });
    expect(preview.leaving).toEqual([]);
    // Username outranks domain: under the single-membership policy Dan moves from org_a to org_b.
    expect(preview.primaryChanges.map((c) => [c.person.id, c.from?.organizationId, c.to?.organizationId])).toEqual([["dan", "org_a", "org_b"]]);
    expect(people.map((p) => matcher.match(p))).toEqual(before);
    expect([...matcher.rules()]).toEqual(existing);
  });

  it("tells who would leave when a rule is removed, or narrowed by replacing it", () => {
    const wide = make("org_a", "domain", "acme.com", { includeSubdomains: true });
    const matcher = compileMatcher([wide, make("org_x", "email", "ann@acme.com")], options);
    const removal = matcher.preview(wide, people, "remove");
    expect(removal.change).toBe("remove");
    expect(ids(removal.leaving)).toEqual(["ann", "bob", "dan"]);
    expect(removal.primaryChanges.map((c) => [c.person.id, c.from?.organizationId, c.to?.organizationId ?? null])).toEqual([
      ["bob", "org_a", null],
      ["dan", "org_a", null],
    ]);
    const narrowed = matcher.preview({ ...wide, includeSubdomains: false }, people);
    expect(narrowed).toMatchObject({ change: "replace", replaced: wide });
    expect(ids(narrowed.leaving)).toEqual(["bob"]);
    expect(narrowed.joining).toEqual([]);
    expect(matcher.match(people[1]!).matches).toHaveLength(1);
    expectOrgKitError(() => matcher.preview(make("org_a", "domain", "nowhere.example"), people, "remove"), "NOT_FOUND");
  });

  it("reports a conflict instead of throwing, showing the effect as if allowed", () => {
    const matcher = compileMatcher([make("org_a", "domain", "acme.com")], options);
    const preview = matcher.preview(make("org_b", "domain", "acme.com"), people);
    expect(preview.rejected).toBe(true);
    expect(preview.conflicts.map((r) => r.organizationId)).toEqual(["org_a"]);
    expect(preview.joining.map((j) => [j.person.id, j.organizationId])).toEqual([
      ["ann", "org_b"],
      ["dan", "org_b"],
    ]);
    expect(matcher.size).toBe(1);
  });
});

describe("identityLookupKeys", () => {
  it("lists each email, its host and parent domains down to the registrable domain, the username and each phone", () => {
    const { keys, skipped } = identityLookupKeys(
      { emails: ["Ann@Mail.Acme.co.uk", "ann@mail.acme.co.uk", "x@co.uk", "bad"], username: " Ann ", phones: ["(623) 434-8050"] },
      options,
    );
    expect(keys).toEqual([
      { kind: "email", value: "ann@mail.acme.co.uk" },
      { kind: "domain", value: "mail.acme.co.uk" },
      { kind: "domain", value: "acme.co.uk" },
      { kind: "email", value: "x@co.uk" },
      { kind: "username", value: "ann" },
      { kind: "phone", value: "+16234348050" },
    ]);
    expect(skipped).toEqual([expect.objectContaining({ field: "emails", index: 3, reason: "missing_at" })]);
  });

  it("stops at a public-suffix boundary", () => {
    const { keys } = identityLookupKeys({ emails: ["a@x.bucket.s3.amazonaws.com"] });
    expect(keys.filter((k) => k.kind === "domain").map((k) => k.value)).toEqual(["x.bucket.s3.amazonaws.com", "bucket.s3.amazonaws.com"]);
  });
});
