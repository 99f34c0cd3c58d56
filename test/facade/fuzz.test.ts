/**
 * Fuzzing: every use case called with malformed input throws only OrgKitError, and the
 * storage is unchanged after each failure.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isOrgKitError, type OrgKit, type Storage } from "../../src/index.js";
import { admin, setup, system } from "./setup.js";

async function dump(storage: Storage) {
  const page = { after: null, limit: 1000 };
  return JSON.stringify([
    await storage.organizations.scan(page),
    await storage.users.scan(page),
    await storage.memberships.scan(page),
    await storage.rules.scan(page),
    await storage.resources.scan(page),
    await storage.usergroups.list(),
    await storage.profiles.list(),
    await storage.events.lastSequence(),
  ]);
}

/** Every use case, taking arbitrary arguments. */
function useCases(kit: OrgKit): Record<string, (...args: unknown[]) => Promise<unknown>> {
  const groups = {
    organizations: kit.organizations,
    users: kit.users,
    memberships: kit.memberships,
    rules: kit.rules,
    resources: kit.resources,
    usergroups: kit.usergroups,
    profiles: kit.profiles,
    events: kit.events,
  } as const;
  const out: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const [group, api] of Object.entries(groups)) {
    for (const [name, fn] of Object.entries(api)) {
      if (typeof fn === "function") out[`${group}.${name}`] = (...args: unknown[]) => (fn as (...a: unknown[]) => Promise<unknown>)(...args);
    }
  }
  return out;
}

// Values that are wrong in many ways: wrong types, empty and huge strings, odd objects.
const junk = fc.oneof(
  fc.anything({ maxDepth: 2 }),
  fc.constantFrom("", " ", "\u0000", "x".repeat(5000), -1, 0, Number.NaN, Infinity, null, undefined, [], {}, { name: "" }, { id: 1 }),
  fc.record({ name: fc.string(), type: fc.string(), states: fc.array(fc.string()), address: fc.anything() }, { requiredKeys: [] }),
  fc.record({ kind: fc.string(), value: fc.string(), includeSubdomains: fc.anything() }, { requiredKeys: [] }),
  fc.record({ userId: fc.string(), organizationId: fc.string(), role: fc.anything(), admin: fc.anything() }, { requiredKeys: [] }),
);
const actor = fc.oneof(fc.constant(admin), fc.constant(system), junk);

describe("fuzzing every use case with malformed input", () => {
  it("throws only OrgKitError and leaves storage unchanged", async () => {
    const { kit, storage } = await setup();
    const org = await kit.organizations.create(admin, { id: "org", name: "Acme" });
    await kit.users.upsert(system, { id: "u", emails: ["u@acme.example"] });
    await kit.memberships.add(admin, { userId: "u", organizationId: org.id });
    const cases = useCases(kit);
    const names = Object.keys(cases);
    expect(names.length).toBeGreaterThanOrEqual(40);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...names), actor, fc.array(junk, { maxLength: 4 }), async (name, who, args) => {
        const before = await dump(storage);
        try {
          await cases[name]!(who, ...args);
        } catch (error) {
          expect(isOrgKitError(error), `${name} threw ${String(error)}`).toBe(true);
          expect(await dump(storage), `${name} failed but changed storage`).toBe(before);
          return;
        }
        // It may succeed (junk can be valid, e.g. a search with no filters); then it must still be a read or a real change.
      }),
      { numRuns: 1500 },
    );
  });
});
