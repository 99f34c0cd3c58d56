/**
 * `scrubPersonalData`, erasure's one scrubbing rule: which occurrences of a person's
 * values are replaced (whole tokens, ASCII case-insensitively, anywhere in event data but
 * under reference keys), and that it is idempotent and never mutates its input.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ERASED_MARKER } from "../../src/index.js";
import { isOrgKitError } from "../../src/errors.js";
import { scrubPersonalData } from "../../src/storage/index.js";

const E = ERASED_MARKER;
const scrub = (data: unknown, values: string[]) => scrubPersonalData(data, values);

describe("scrubPersonalData", () => {
  it("replaces a value standing as a token, in sentences, lists and nested objects, case-insensitively (ASCII)", () => {
    const values = ["jane@acme.example", "+16234348050", "jdoe"];
    expect(
      scrub(
        {
          reason: "Linked automatically by its email rule 'JANE@Acme.example' (rule_1); role member.",
          rule: { kind: "phone", value: "+16234348050" },
          list: ["jdoe", "mail jane@acme.example, call +16234348050.", 3, true, null],
          note: "(jdoe)",
        },
        values,
      ),
    ).toEqual({
      reason: `Linked automatically by its email rule '${E}' (rule_1); role member.`,
      rule: { kind: "phone", value: E },
      list: [E, `mail ${E}, call ${E}.`, 3, true, null],
      note: `(${E})`,
    });
  });

  it("leaves other people's values that contain it, and reference keys (the user id stays the reference)", () => {
    const values = ["jane@acme.example", "jdoe", "+1555123"];
    const data = {
      a: "mary.jane@acme.example",
      b: "jane@acme.example.org",
      c: "xjane@acme.example",
      d: "jdoe_admin",
      e: "jdoe.smith@x.example",
      f: "+15551234",
      userId: "jdoe",
      organizationId: "jane@acme.example",
      usergroupIds: ["jdoe"],
      id: "jdoe",
      "jdoe": "a key is kept",
    };
    expect(scrub(data, values)).toEqual(data);
  });

  it("treats non-ASCII letters as part of a word and compares them exactly", () => {
    expect(scrub({ a: "ünïjdoe", b: "jdoeé", c: "JDOE", d: "ÉMILE", e: "émile" }, ["jdoe", "émile"])).toEqual({ a: "ünïjdoe", b: "jdoeé", c: E, d: "ÉMILE", e: E });
    expect(scrub({ a: "😀jdoe😀" }, ["jdoe"])).toEqual({ a: `😀${E}😀` }); // an emoji is not a letter
  });

  it("prefers the longest value where two overlap, and never grows an existing marker", () => {
    expect(scrub({ a: "jane@acme.example" }, ["jane", "jane@acme.example"])).toEqual({ a: E });
    expect(scrub({ a: `${E} and erased` }, ["erased"])).toEqual({ a: `${E} and ${E}` });
    // A value that touches a marker after the first scrub (`]x` after `ab` became the marker) was part of a longer token.
    const once = scrub({ a: "ab]x y" }, ["ab", "]x"]);
    expect(once).toEqual({ a: `${E}]x y` });
    expect(scrub(once, ["ab", "]x"])).toEqual(once);
  });

  it("is idempotent, never mutates its input, and with no values changes nothing", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.array(fc.string({ minLength: 1, maxLength: 6 }), { maxLength: 3 }), (data, values) => {
        const before = JSON.stringify(data);
        const once = scrub(data, values);
        expect(JSON.stringify(data)).toBe(before);
        expect(scrub(once, values)).toEqual(once);
      }),
    );
    expect(scrub({ a: "jane" }, [])).toEqual({ a: "jane" });
    expect(scrub({ a: "jane" }, [""])).toEqual({ a: "jane" });
  });

  it("throws only VALIDATION_FAILED for bad input", () => {
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    const cyclic: Record<string, unknown> = {};
    cyclic["self"] = cyclic;
    for (const [data, values] of [[{}, "x"], [{}, [1]], [revoked.proxy, ["x"]], [cyclic, ["x"]], [{}, new Array(1001).fill("x")]] as const) {
      let error: unknown;
      try {
        scrub(data, values as unknown as string[]);
      } catch (caught) {
        error = caught;
      }
      expect(isOrgKitError(error, "VALIDATION_FAILED"), String(error)).toBe(true);
    }
  });
});
