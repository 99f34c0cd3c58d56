/**
 * Fuzzing every exported function of the pure entries (`orgkit`, `orgkit/domain`,
 * `orgkit/schemas`, `orgkit/storage`'s error factories and scrubber, `orgkit/matching`,
 * `orgkit/permissions`, `orgkit/testing`'s builders), and every
 * method of the objects they build (a compiled matcher, a hierarchy index, a policy):
 * called with hostile values, each either returns or throws an `OrgKitError`, never a
 * `TypeError` or `RangeError`.
 */
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import * as main from "../../src/index.js";
import * as domain from "../../src/domain/index.js";
import * as schemas from "../../src/schemas.js";
import * as storage from "../../src/storage/index.js";
import * as matching from "../../src/domain/matching/index.js";
import * as permissions from "../../src/permissions/index.js";
import * as testing from "../../src/testing/index.js";
import { isOrgKitError } from "../../src/errors.js";
import { Exotic, junk, materialize } from "./hostile-values.js";

type AnyFunction = (...args: unknown[]) => unknown;

// Not entries to fuzz: classes (calling one without `new` is a language error), the
// facade and storage factories (fuzzed with storage in every-entry tests), the
// conformance runner (it registers tests), and functions that take callbacks.
const SKIP = new Set(["OrgKitError", "Policy", "createOrgKit", "runStorageConformance", "memoryInspector"]);

function functionsOf(module: Record<string, unknown>): [string, AnyFunction][] {
  return Object.entries(module).filter((entry): entry is [string, AnyFunction] => typeof entry[1] === "function" && !SKIP.has(entry[0]));
}

/** Objects the entries build, with their public methods (as their interfaces declare them), which are entries too. */
function instances(): Record<string, { instance: object; methods: readonly string[] }> {
  const matcher = matching.compileMatcher([
    { id: "r1", organizationId: "acme", kind: "domain", value: "acme.example", includeSubdomains: true },
    { id: "r2", organizationId: "globex", kind: "email", value: "boss@globex.example", includeSubdomains: false },
  ]);
  const index = domain.createHierarchyIndex([
    { id: "acme", parentId: null },
    { id: "east", parentId: "acme" },
  ]);
  const policy = permissions.compilePolicy({
    schemaVersion: 1,
    version: 1,
    usergroups: [{ id: "everyone", permissions: ["kb.read"], builtIn: "everyone" }],
  });
  return {
    matcher: { instance: matcher, methods: ["match", "add", "remove", "get", "conflictsOf", "rules"] },
    index: {
      instance: index,
      methods: "has handleOf idOf statusOf parentOf children ancestors pathFromRoot depth roots isAncestor isAncestorByHandle descendants subtreeSize lowestCommonAncestor entries setParent detach add setStatus".split(" "),
    },
    policy: {
      instance: policy,
      methods:
        "subject guest organization can canAll permissionsOf canOnOrganization canAddOrganization canEditNote canDeleteNote canManageUser canAssignRole canUseApp canAccessResource canViewTicket visibleOrganizations check explain withChanges stats".split(
          " ",
        ),
    },
  };
}

let tried = 0;
afterAll(() => {
  console.log(`pure entries fuzz: ${tried} calls with hostile input`);
});

function check(name: string, call: () => unknown) {
  tried++;
  try {
    call();
  } catch (error) {
    expect(isOrgKitError(error), `${name} threw ${String(error)}`).toBe(true);
  }
}

const modules = { orgkit: main, "orgkit/domain": domain, "orgkit/schemas": schemas, "orgkit/storage": storage, "orgkit/matching": matching, "orgkit/permissions": permissions, "orgkit/testing": testing } as const;

describe("fuzzing the pure entries", () => {
  for (const [entry, module] of Object.entries(modules)) {
    const functions = functionsOf(module as Record<string, unknown>);
    it(`${entry}: every exported function (${functions.length}) throws only OrgKitError`, () => {
      expect(functions.length).toBeGreaterThan(0);
      fc.assert(
        fc.property(fc.constantFrom(...functions), fc.array(junk, { maxLength: 4 }), ([name, fn], args) => {
          check(`${entry}.${name}`, () => fn(...(materialize(args) as unknown[])));
        }),
        { numRuns: 3000 },
      );
    });
  }

  it("every public method of a compiled matcher, a hierarchy index and a policy throws only OrgKitError", () => {
    const methods = Object.entries(instances()).flatMap(([label, { methods: names }]) => names.map((name) => [label, name] as const));
    for (const [label, name] of methods) expect(typeof (instances()[label]!.instance as Record<string, unknown>)[name], `${label}.${name}`).toBe("function");
    fc.assert(
      fc.property(fc.constantFrom(...methods), fc.array(junk, { maxLength: 4 }), ([label, name], args) => {
        const instance = instances()[label]!.instance as Record<string, AnyFunction>;
        check(`${label}.${name}`, () => instance[name]!.apply(instance, materialize(args) as unknown[]));
      }),
      { numRuns: 3000 },
    );
  });
});

/** Named cases for `orgkit/testing`'s builders, clock and ids (their own test files belong to the storage suites). */
describe("orgkit/testing helpers with hostile input", () => {
  const revoked = () => materialize(new Exotic("revoked")) as never;
  const trap = () => materialize(new Exotic("trap")) as never;
  const nullPrototype = () => Object.create(null) as never;

  function invalid(call: () => unknown, path?: string): void {
    try {
      call();
    } catch (error) {
      expect(isOrgKitError(error, "VALIDATION_FAILED"), String(error)).toBe(true);
      const issues = (error as { details: { issues: { path: string }[] } }).details.issues;
      expect(issues.length).toBeGreaterThan(0);
      if (path !== undefined) expect(issues.map((issue) => issue.path)).toContain(path);
      return;
    }
    throw new Error("expected VALIDATION_FAILED, nothing was thrown");
  }

  it("buildUser(revoked proxy) and buildAuditEvent(trapping proxy) throw VALIDATION_FAILED, not TypeError", () => {
    invalid(() => testing.buildUser(revoked()), "overrides");
    invalid(() => testing.buildAuditEvent(trap()), "overrides");
    invalid(() => testing.buildOrganization(null as never), "overrides");
    invalid(() => testing.buildStaffProfile(42 as never), "overrides");
  });

  it("buildMembership without its ids throws VALIDATION_FAILED", () => {
    invalid(() => testing.buildMembership(undefined as never), "overrides");
    invalid(() => testing.buildMembership({ organizationId: "org_1" } as never), "overrides.userId");
    invalid(() => testing.buildMemberRule({ organizationId: nullPrototype() }), "overrides.organizationId");
    expect(testing.buildMembership({ userId: "usr_1", organizationId: "org_1" }).role).toBe("member");
  });

  it("createTestClock with a null-prototype start throws VALIDATION_FAILED, not 'Cannot convert object to primitive value'", () => {
    invalid(() => testing.createTestClock(nullPrototype()), "start");
    invalid(() => testing.createTestClock(undefined, revoked()), "options");
    invalid(() => testing.createTestClock(undefined, { stepMs: "5" as never }), "stepMs");
    const clock = testing.createTestClock();
    invalid(() => clock.set(nullPrototype()), "time");
    invalid(() => clock.advance(10n as never), "ms");
  });

  it("createTestIds refuses a non-string prefix or kind, and 'constructor' is just a kind", () => {
    invalid(() => testing.createTestIds(nullPrototype()), "prefix");
    const ids = testing.createTestIds();
    invalid(() => ids(revoked()), "kind");
    expect(ids("constructor")).toBe("constructor_0001");
    expect(ids("organization")).toBe("org_0001");
  });
});
