/**
 * Runs the Public Suffix List project's own test file against the domain-rule guard:
 * where `registrable` is null the input is a public suffix (or no domain at all) and a
 * domain rule for it must be refused; otherwise the rule is allowed and its value is the
 * normalized input. The file (public domain, CC0) is copied unchanged into
 * test/fixtures/ with its header; see test/fixtures/README.md.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { isOrgKitError } from "../../src/errors.js";
import { createMemberRule, normalizeDomain, registrableDomain } from "../../src/domain/matching/index.js";

const FILE = new URL("../fixtures/test_psl.txt", import.meta.url);

interface Vector {
  readonly line: number;
  readonly input: string | null;
  readonly registrable: string | null;
}

/** `checkPublicSuffix('WwW.example.COM', 'example.com');` → a vector; comments and blank lines are skipped. */
function parse(text: string): Vector[] {
  const literal = String.raw`(null|'[^']*')`;
  const call = new RegExp(String.raw`^checkPublicSuffix\(${literal},\s*${literal}\);$`);
  const value = (token: string) => (token === "null" ? null : token.slice(1, -1));
  const vectors: Vector[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("//")) return;
    const found = call.exec(line);
    if (!found) throw new Error(`test_psl.txt line ${index + 1} is not understood: ${line}`);
    vectors.push({ line: index + 1, input: value(found[1]!), registrable: value(found[2]!) });
  });
  return vectors;
}

const vectors = parse(readFileSync(FILE, "utf8"));

describe("Public Suffix List test file", () => {
  it("parses", () => {
    expect(vectors.length).toBeGreaterThan(70);
    expect(vectors.some((v) => v.registrable === null)).toBe(true);
    expect(vectors.some((v) => v.input !== null && /[^\x00-\x7f]/.test(v.input))).toBe(true);
  });

  it.each(vectors.map((v) => [`${v.line}: ${String(v.input)} → ${String(v.registrable)}`, v] as const))("%s", (_, vector) => {
    // Default options: the free-mail guard is on, and must not interfere.
    const create = () => createMemberRule({ id: "r", organizationId: "org", kind: "domain", value: vector.input as string });
    if (vector.registrable === null) {
      let refused: unknown;
      try {
        create();
      } catch (error) {
        refused = error;
      }
      expect(isOrgKitError(refused), "a public suffix (or non-domain) must be refused").toBe(true);
      expect(["DOMAIN_PUBLIC_SUFFIX", "INVALID_DOMAIN", "VALIDATION_FAILED"]).toContain((refused as { code: string }).code);
    } else {
      const input = vector.input as string;
      expect(create().value).toBe(normalizeDomain(input));
      // Not compared with the file's registrable domain: this copy's lines for
      // city.kobe.jp expect "kobe.jp", where the upstream file (and the PSL algorithm:
      // exception rule !city.kobe.jp) give "city.kobe.jp".
      expect(registrableDomain(input)).not.toBeNull();
    }
  });
});
