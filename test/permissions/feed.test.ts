/** `applyChangeEntries`: following a change feed with a compiled policy. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyChangeEntries, compilePolicy, type PolicyChangeEntry } from "../../src/permissions/index.js";
import { ACTIONS, ORG_IDS, USER_IDS, changeArb, snapshotArb } from "./arbitraries.js";
import type { Policy } from "../../src/permissions/index.js";

/** What a policy answers over the small universe, with its version. */
const answers = (p: Policy) => ({
  version: p.version,
  // permissionsOf lists in the order names were first seen (no catalogue): compare as sets.
  checks: USER_IDS.flatMap((u) => [p.permissionsOf(u).sort().join(","), ...ORG_IDS.flatMap((o) => ACTIONS.map((a) => p.canOnOrganization(u, a, o)))]),
});

const base = compilePolicy({
  schemaVersion: 1,
  version: 10,
  usergroups: [{ id: "g", permissions: ["portal.use"] }],
  organizations: [{ id: "o", usergroupIds: ["g"] }],
  users: [{ id: "u" }],
  memberships: [{ userId: "u", organizationId: "o" }],
});

describe("applyChangeEntries", () => {
  it("applies entries in order and takes the last revision as the version", () => {
    const next = applyChangeEntries(base, [
      { revision: 12, changes: [{ type: "membership.remove", userId: "u", organizationId: "o" }] },
      { revision: 15, changes: [{ type: "membership.set", membership: { userId: "u", organizationId: "o" } }, { type: "user.set", user: { id: "v" } }] },
    ]);
    expect(next.version).toBe(15);
    expect(next.can("u", "portal.use")).toBe(true);
    expect(next.subject("v").known).toBe(true);
    expect(base.version).toBe(10); // the given policy is unchanged
  });

  it("skips entries at or below the policy's version, so a redelivered page is harmless", () => {
    const entries: PolicyChangeEntry[] = [{ revision: 11, changes: [{ type: "membership.remove", userId: "u", organizationId: "o" }] }];
    const once = applyChangeEntries(base, entries);
    const twice = applyChangeEntries(once, entries);
    expect(twice).toBe(once);
    expect(applyChangeEntries(base, [{ revision: 10, changes: [{ type: "user.remove", userId: "u" }] }])).toBe(base);
    expect(applyChangeEntries(base, [])).toBe(base);
  });

  it("refuses malformed entries with INVALID_SNAPSHOT at their path, applying none", () => {
    const cases: [unknown, string][] = [
      ["nope", "entries"],
      [[null], "entries.0"],
      [[{ revision: -1, changes: [] }], "entries.0.revision"],
      [[{ revision: 12, changes: [] }, { revision: 12, changes: [] }], "entries.1.revision"],
      [[{ revision: 12, changes: "x" }], "entries.0.changes"],
      [[{ revision: 12, changes: [{ type: "membership.set", membership: { userId: "ghost", organizationId: "o" } }] }], "changes.0.membership.userId"],
      [[new Proxy({}, { get: () => { throw new Error("trap"); } })], "entries.0"],
    ];
    for (const [entries, path] of cases) {
      expect(() => applyChangeEntries(base, entries as never), path).toThrow(expect.objectContaining({ code: "INVALID_SNAPSHOT", details: expect.objectContaining({ path }) }));
    }
    expect(base.can("u", "portal.use")).toBe(true);
    for (const notAPolicy of [undefined, null, {}, { version: 1 }]) {
      expect(() => applyChangeEntries(notAPolicy as never, [])).toThrow(expect.objectContaining({ code: "VALIDATION_FAILED" }));
    }
  });

  it("gives what withChanges gives, entry by entry", () => {
    fc.assert(
      fc.property(snapshotArb, fc.array(fc.array(changeArb, { maxLength: 3 }), { maxLength: 6 }), (snapshot, batches) => {
        const start = compilePolicy(snapshot);
        const entries = batches.map((changes, i) => ({ revision: start.version + 1 + i * 2, changes }));
        let expected: unknown;
        try {
          let p = start;
          for (const e of entries) p = p.withChanges(e.changes, { version: e.revision });
          expected = answers(p);
        } catch (error) {
          expected = (error as { code?: string }).code;
        }
        let actual: unknown;
        try {
          actual = answers(applyChangeEntries(start, entries));
        } catch (error) {
          actual = (error as { code?: string }).code;
        }
        expect(actual).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });
});
