import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  normalizeDomain,
  normalizeEmail,
  normalizePhone,
  normalizeUsername,
  safeNormalizeDomain,
  safeNormalizeEmail,
  safeNormalizePhone,
  safeNormalizeUsername,
  type NormalizeResult,
} from "../../src/domain/matching/index.js";
import { expectOrgKitError } from "./helpers.js";

describe("normalizeEmail", () => {
  it("trims, lower-cases, and converts an IDN domain to ASCII", () => {
    expect(normalizeEmail("  JSmith@Example.COM ")).toBe("jsmith@example.com");
    expect(normalizeEmail("jdoe@Bücher.Example")).toBe("jdoe@xn--bcher-kva.example");
    expect(normalizeEmail("JDoe@EXAMPLE.co.uk")).toBe("jdoe@example.co.uk");
    expect(normalizeEmail("a@example.com.")).toBe("a@example.com");
    expect(normalizeEmail("A@XN--BCHER-KVA.EXAMPLE")).toBe("a@xn--bcher-kva.example");
    // Full-width letters are mapped by IDNA.
    expect(normalizeEmail("a@ＥＸＡＭＰＬＥ.com")).toBe("a@example.com");
  });

  it("keeps the local part's case when asked, but always lower-cases the domain", () => {
    expect(normalizeEmail("JSmith@Example.com", { lowerCaseLocalPart: false })).toBe("JSmith@example.com");
    expect(normalizeEmail("JSmith@example.com", { lowerCaseLocalPart: false })).toBe("JSmith@example.com");
  });

  it("accepts RFC 5322 atext symbols and internationalized local parts (NFC)", () => {
    expect(normalizeEmail("o'brien+tickets@example.com")).toBe("o'brien+tickets@example.com");
    expect(normalizeEmail("{x}|~!#$%&*/=?^_`-@example.com")).toBe("{x}|~!#$%&*/=?^_`-@example.com");
    const decomposed = "Jose\u0301@example.com";
    expect(normalizeEmail(decomposed)).toBe("jos\u00e9@example.com");
    expect(normalizeEmail("ÜSER@bücher.example")).toBe("üser@xn--bcher-kva.example");
  });

  it.each([
    ["", "empty"],
    ["   ", "empty"],
    ["jsmith.example.com", "missing_at"],
    ["@example.com", "empty_local_part"],
    ["jsmith@", "empty_domain"],
    [".jsmith@example.com", "invalid_local_part"],
    ["jsmith.@example.com", "invalid_local_part"],
    ["j..smith@example.com", "invalid_local_part"],
    ["j smith@example.com", "invalid_local_part"],
    ["a@b@example.com", "invalid_local_part"],
    ["j(smith)@example.com", "invalid_local_part"],
    ["a\u037Eb@example.com", "invalid_local_part"], // NFC turns it into ';'
    ["a\u00A0b@example.com", "invalid_local_part"],
    ['"john smith"@example.com', "quoted_local_part"],
    [`${"a".repeat(65)}@example.com`, "local_part_too_long"],
    [`${"é".repeat(33)}@example.com`, "local_part_too_long"], // 66 octets in UTF-8
    [`${"a".repeat(64)}@${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(63)}.com`, "too_long"],
    ["jsmith@192.168.0.1", "invalid_domain:ip_address"],
    ["jsmith@[192.168.0.1]", "invalid_domain:ip_address"],
    ["jsmith@[::1]", "invalid_domain:ip_address"],
    ["jsmith@exa_mple.com", "invalid_domain:invalid_character"],
    ["jsmith@-example.com", "invalid_domain:label_hyphen"],
    ["jsmith@example..com", "invalid_domain:empty_label"],
    ["jsmith@.example.com", "invalid_domain:empty_label"],
    ["jsmith@example.com/path", "invalid_domain:invalid_character"],
  ])("refuses %j (%s)", (value, reason) => {
    const error = expectOrgKitError(() => normalizeEmail(value), "INVALID_EMAIL", reason);
    expect(error.details.value).toBe(value);
    const result = safeNormalizeEmail(value);
    expect(result).toEqual({ success: false, error: expect.objectContaining({ code: "INVALID_EMAIL", reason }) });
  });

  it("refuses non-strings without throwing anything but OrgKitError", () => {
    expectOrgKitError(() => normalizeEmail(42 as unknown as string), "INVALID_EMAIL", "not_a_string");
    expect(safeNormalizeEmail(null)).toMatchObject({ success: false, error: { reason: "not_a_string" } });
  });

  it("safeNormalizeEmail returns the value on success", () => {
    expect(safeNormalizeEmail(" A@B.example ")).toEqual({ success: true, data: "a@b.example" });
  });
});

describe("normalizeDomain", () => {
  it("lower-cases, strips one trailing dot, converts IDN to ASCII", () => {
    expect(normalizeDomain("SmarterTools.COM")).toBe("smartertools.com");
    expect(normalizeDomain("example.com.")).toBe("example.com");
    expect(normalizeDomain("bücher.example")).toBe("xn--bcher-kva.example");
    expect(normalizeDomain("xn--bcher-kva.example")).toBe("xn--bcher-kva.example");
    expect(normalizeDomain("食狮.公司.cn")).toBe("xn--85x722f.xn--55qx5d.cn");
    expect(normalizeDomain("faß.de")).toBe("xn--fa-hia.de"); // IDNA2008: ß is kept, not mapped to ss
    expect(normalizeDomain("example。com")).toBe("example.com"); // ideographic full stop
    expect(normalizeDomain(" mail.acme.com ")).toBe("mail.acme.com");
  });

  it("accepts names at the length limits", () => {
    const label = "a".repeat(63);
    expect(normalizeDomain(`${label}.com`)).toBe(`${label}.com`);
    const longest = `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(61)}`;
    expect(longest).toHaveLength(253);
    expect(normalizeDomain(longest)).toBe(longest);
  });

  it.each([
    ["", "empty"],
    ["  ", "empty"],
    [".", "empty"],
    ["example..com", "empty_label"],
    [".example.com", "empty_label"],
    ["example.com..", "empty_label"],
    [`${"a".repeat(64)}.com`, "label_too_long"],
    [`${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(62)}`, "too_long"],
    ["-example.com", "label_hyphen"],
    ["example-.com", "label_hyphen"],
    ["exa mple.com", "invalid_character"],
    ["exa_mple.com", "invalid_character"],
    ["example.com/path", "invalid_character"],
    ["a%41.com", "invalid_character"],
    ["user@example.com", "invalid_character"],
    ["127.0.0.1", "ip_address"],
    ["1.2.3", "ip_address"],
    ["example.123", "ip_address"],
    ["example.0x7f", "ip_address"],
    ["[::1]", "ip_address"],
    ["2001:db8::1", "ip_address"],
    ["ex\u0000ample.com", "invalid_character"],
    ["xn--a.com", "invalid_idn"],
    ["a\u200D.com", "invalid_idn"],
    ["\uFFFD.com", "invalid_idn"],
  ])("refuses %j (%s)", (value, reason) => {
    expectOrgKitError(() => normalizeDomain(value), "INVALID_DOMAIN", reason);
    expect(safeNormalizeDomain(value)).toMatchObject({ success: false, error: { code: "INVALID_DOMAIN", reason } });
  });

  it("refuses non-strings", () => {
    expectOrgKitError(() => normalizeDomain(undefined as unknown as string), "INVALID_DOMAIN", "not_a_string");
  });
});

describe("normalizeUsername", () => {
  it("trims, applies NFKC and case folding", () => {
    expect(normalizeUsername("  JSmith ")).toBe("jsmith");
    expect(normalizeUsername("ｊｓｍｉｔｈ")).toBe("jsmith");
    expect(normalizeUsername("Straße")).toBe("strasse");
    expect(normalizeUsername("STRASSE")).toBe("strasse");
    expect(normalizeUsername("ẞ")).toBe("ss");
    expect(normalizeUsername("ΟΔΥΣΣΕΎΣ")).toBe(normalizeUsername("οδυσσεύς"));
    expect(normalizeUsername("ﬁle")).toBe("file");
    expect(normalizeUsername("John Smith")).toBe("john smith");
  });

  it.each([
    ["", "empty"],
    ["   ", "empty"],
    ["\u3000", "empty"],
    ["a\u0000b", "invalid_character"],
    ["line\nbreak", "invalid_character"],
    ["tab\there", "invalid_character"],
    ["a\u2028b", "invalid_character"],
    ["a\uD800b", "invalid_character"],
    ["x".repeat(257), "too_long"],
  ])("refuses %j (%s)", (value, reason) => {
    expectOrgKitError(() => normalizeUsername(value), "INVALID_USERNAME", reason);
    expect(safeNormalizeUsername(value)).toMatchObject({ success: false, error: { code: "INVALID_USERNAME", reason } });
  });

  it("refuses non-strings", () => {
    expectOrgKitError(() => normalizeUsername(7 as unknown as string), "INVALID_USERNAME", "not_a_string");
  });
});

describe("normalizePhone", () => {
  it("puts the seed's number, however written, in E.164", () => {
    const us = { defaultRegion: "US" } as const;
    expect(normalizePhone("(623) 434-8050", us)).toBe("+16234348050");
    expect(normalizePhone("+1 623-434-8050", us)).toBe("+16234348050");
    expect(normalizePhone("623.434.8050", us)).toBe("+16234348050");
    expect(normalizePhone("+1 623-434-8050")).toBe("+16234348050");
    expect(normalizePhone("+16234348050")).toBe("+16234348050");
  });

  it("uses the default region only for national numbers", () => {
    expect(normalizePhone("020 7946 0958", { defaultRegion: "GB" })).toBe("+442079460958");
    expect(normalizePhone("+44 20 7946 0958", { defaultRegion: "US" })).toBe("+442079460958");
    expect(normalizePhone("623-434-8050 ext. 12", { defaultRegion: "US" })).toBe("+16234348050");
  });

  it.each([
    ["", undefined, "empty"],
    ["   ", "US", "empty"],
    ["(623) 434-8050", undefined, "missing_region"],
    ["abc", "US", "not_a_number"],
    ["call 623-434-8050 now", "US", "not_a_number"],
    ["12", "US", "invalid_number"],
    ["+1 555 0100", undefined, "invalid_number"],
    ["+999 1234 5678", undefined, "invalid_country"],
    ["+1 123 456 7890", undefined, "invalid_number"],
    ["+1 623 434 8050 1234 5678", undefined, "too_long"],
    ["1".repeat(65), "US", "too_long"],
  ] as const)("refuses %j (region %s: %s)", (value, defaultRegion, reason) => {
    const options = defaultRegion === undefined ? {} : { defaultRegion };
    expectOrgKitError(() => normalizePhone(value, options), "INVALID_PHONE", reason);
    expect(safeNormalizePhone(value, options)).toMatchObject({ success: false, error: { code: "INVALID_PHONE", reason } });
  });

  it("refuses an unknown default region loudly (VALIDATION_FAILED), also in the safe variant", () => {
    expectOrgKitError(() => normalizePhone("623 434 8050", { defaultRegion: "XX" as never }), "VALIDATION_FAILED");
    expectOrgKitError(() => safeNormalizePhone("623 434 8050", { defaultRegion: "us" as never }), "VALIDATION_FAILED");
  });

  it("refuses non-strings", () => {
    expectOrgKitError(() => normalizePhone(6234348050 as unknown as string, { defaultRegion: "US" }), "INVALID_PHONE", "not_a_string");
  });
});

/** Idempotence: whenever a value normalizes, normalizing the result gives it back. */
function assertIdempotent(normalize: (value: unknown) => NormalizeResult, value: unknown): void {
  const once = normalize(value);
  if (!once.success) return;
  expect(normalize(once.data)).toEqual(once);
}

describe("normalizeEmail against its specification (property)", () => {
  // For ASCII input the result is fully specified: a dot-atom local part of at most 64
  // characters (lower-cased), an @, and the domain as normalizeDomain gives it, at most
  // 254 characters in all. This checks the one-pass fast path against that.
  const atom = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+$/;
  const validLocal = (local: string) => local.length > 0 && local.length <= 64 && local.split(".").every((part) => atom.test(part));
  const localChars = fc.stringMatching(/^[A-Za-z0-9.+_'-]{0,12}$/);
  const domainChars = fc.stringMatching(/^[A-Za-z0-9.-]{0,16}$/);
  const address = fc.oneof(
    fc.tuple(localChars, domainChars).map(([l, d]) => `${l}@${d}`),
    fc.tuple(localChars, fc.constantFrom("xn--bcher-kva.example", "XN--BCHER-KVA.example", "a.0x1", "a.1b", "example.com.", "-a.com", "a-.com"), fc.boolean()).map(
      ([l, d, long]) => `${long ? "l".repeat(60) : ""}${l}@${d}`,
    ),
  );
  it("agrees with local part + normalizeDomain for ASCII addresses", () => {
    fc.assert(
      fc.property(address, fc.boolean(), (value, lowerCaseLocalPart) => {
        const at = value.lastIndexOf("@");
        const local = value.slice(0, at);
        const domain = safeNormalizeDomain(value.slice(at + 1));
        const expectedLocal = lowerCaseLocalPart ? local.toLowerCase() : local;
        const expected = validLocal(local) && domain.success && `${expectedLocal}@${domain.data}`.length <= 254 ? `${expectedLocal}@${domain.data}` : null;
        const actual = safeNormalizeEmail(value, { lowerCaseLocalPart });
        expect(actual.success ? actual.data : null).toBe(expected);
      }),
      { numRuns: 3000 },
    );
  });
});

describe("idempotence (property)", () => {
  const unicode = fc.string({ unit: "grapheme", maxLength: 20 });
  const anyUnit = fc.string({ unit: "binary", maxLength: 20 });
  const asciiLabel = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9-]{0,10}$/);
  const label = fc.oneof(asciiLabel, fc.constantFrom("bücher", "食狮", "ÉCOLE", "xn--bcher-kva", "xn--zzz", "faß", "ＥＸＡＭＰＬＥ", "ǅemo", "İstanbul"));
  const domain = fc.array(label, { minLength: 1, maxLength: 4 }).map((labels) => labels.join("."));
  const local = fc.oneof(
    fc.stringMatching(/^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,20}$/),
    unicode,
    fc.constantFrom("Jose\u0301", "ÜSER", "İ", "a\u037Eb", "ΣΑΣ", "ß", "K"),
  );
  const email = fc.oneof(fc.tuple(local, domain).map(([l, d]) => `${l}@${d}`), unicode, anyUnit);

  it("normalizeEmail (both local-part settings)", () => {
    fc.assert(
      fc.property(email, fc.boolean(), (value, lower) => assertIdempotent((v) => safeNormalizeEmail(v, { lowerCaseLocalPart: lower }), value)),
      { numRuns: 2000 },
    );
  });

  it("normalizeDomain", () => {
    fc.assert(
      fc.property(fc.oneof(domain, unicode, anyUnit), (value) => assertIdempotent(safeNormalizeDomain, value)),
      { numRuns: 2000 },
    );
  });

  it("normalizeUsername", () => {
    const special = fc.constantFrom("ẞ", "¨abc", "ǅ", "ΐ", "ﬀ", "\u0345", "Σ", "İ", "ﾊﾟ", "㌀", "K");
    const username = fc.oneof(unicode, anyUnit, fc.array(fc.oneof(special, unicode), { maxLength: 5 }).map((parts) => parts.join("")));
    fc.assert(
      fc.property(username, (value) => assertIdempotent(safeNormalizeUsername, value)),
      { numRuns: 3000 },
    );
  });

  it("normalizePhone", () => {
    const digits = fc.stringMatching(/^[0-9]{2,15}$/);
    const formatted = fc.tuple(fc.constantFrom("", "+", "+1 ", "+44 ", "(", "00"), digits, fc.constantFrom("", " ext. 9", "-1")).map((parts) => parts.join(""));
    const region = fc.constantFrom(undefined, "US", "GB", "DE", "JP");
    fc.assert(
      fc.property(fc.oneof(formatted, fc.constantFrom("(623) 434-8050", "623.434.8050", "020 7946 0958"), unicode), region, (value, defaultRegion) =>
        assertIdempotent((v) => safeNormalizePhone(v, defaultRegion === undefined ? {} : { defaultRegion }), value),
      ),
      { numRuns: 500 },
    );
  });
});
