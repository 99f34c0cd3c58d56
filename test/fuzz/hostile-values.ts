/**
 * Hostile values for the fuzz tests: wrong types, strings that no storage should take,
 * ids padded with white space, and objects that break naive readers (throwing getters,
 * revoked proxies, cyclic objects, proxies whose traps throw).
 */
import fc from "fast-check";
import { expect } from "vitest";
import { isOrgKitError, type OrgKitError } from "../../src/errors.js";

function revokedProxy(): object {
  const { proxy, revoke } = Proxy.revocable({ id: "x", name: "Revoked" }, {});
  revoke();
  return proxy;
}

function cyclic(): object {
  const value: Record<string, unknown> = { id: "cyclic", name: "Cyclic", kind: "domain", value: "cyclic.example" };
  value["self"] = value;
  value["parentId"] = value;
  return value;
}

function throwingGetter(field: string): object {
  return Object.defineProperty({ id: "getter", name: "Getter" }, field, {
    enumerable: true,
    get() {
      throw new Error(`getter ${field} exploded`);
    },
  });
}

function trappingProxy(): object {
  return new Proxy(
    { id: "trap", name: "Trap" },
    {
      get() {
        throw new Error("get trap exploded");
      },
      ownKeys() {
        throw new Error("ownKeys trap exploded");
      },
    },
  );
}

/**
 * A placeholder for an exotic object. fast-check cannot hold revoked proxies or proxies
 * whose traps throw (it inspects the values it generates), so arbitraries produce these
 * markers and {@link materialize} builds the real objects just before the call.
 */
export class Exotic {
  constructor(readonly kind: "revoked" | "cyclic" | "getter" | "trap", readonly field = "name") {}
  toString(): string {
    return `<${this.kind}${this.kind === "getter" ? `:${this.field}` : ""}>`;
  }
}

/** Exotic objects (as markers). */
export const exoticObject: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(new Exotic("revoked")),
  fc.constant(new Exotic("cyclic")),
  fc.constantFrom("id", "name", "emails", "kind", "value", "userId", "organizationId", "type", "subject", "check", "rows", "limit").map((field) => new Exotic("getter", field)),
  fc.constant(new Exotic("trap")),
  fc.constant([new Exotic("revoked")]),
  fc.constant({ rows: [new Exotic("cyclic")], nested: { deeper: new Exotic("revoked") } }),
);

/** Replaces every {@link Exotic} marker in `value` (at any depth of arrays and plain objects) by the real object. */
export function materialize(value: unknown): unknown {
  if (value instanceof Exotic) {
    switch (value.kind) {
      case "revoked":
        return revokedProxy();
      case "cyclic":
        return cyclic();
      case "getter":
        return throwingGetter(value.field);
      case "trap":
        return trappingProxy();
    }
  }
  if (Array.isArray(value)) return value.map(materialize);
  if (typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, materialize(inner)]));
  }
  return value;
}

/** Strings that must never reach storage, or never stand for another id. */
export const hostileString: fc.Arbitrary<string> = fc.constantFrom(
  "",
  " ",
  "\u0000",
  "u\u0000A",
  "\uD800",
  "a\uDC00b",
  "root\t",
  " admin ",
  "\u0007bell",
  "\u0085next-line",
  "x".repeat(5000),
  "a@b\u0000.example",
  "\uD83D@example.com",
  "ex\uDFFFample.com",
  "+1 555\u0000 0100",
);

/** Anything at all, biased towards values that break code. */
export const junk: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.anything({ maxDepth: 2 }) },
  { weight: 3, arbitrary: hostileString },
  { weight: 3, arbitrary: exoticObject },
  { weight: 1, arbitrary: fc.constantFrom(-1, 0, Number.NaN, Infinity, 2 ** 53, null, undefined, [], {}, true, Symbol("s"), () => 1, new Date(Number.NaN)) },
  {
    weight: 2,
    arbitrary: fc.record(
      {
        id: hostileString,
        name: fc.oneof(fc.string(), hostileString),
        type: fc.string(),
        kind: fc.oneof(fc.constantFrom("email", "domain", "username", "phone", "user", "agent"), fc.string()),
        value: fc.oneof(fc.string(), hostileString),
        emails: fc.array(fc.oneof(fc.emailAddress(), hostileString), { maxLength: 3 }),
        userId: hostileString,
        organizationId: hostileString,
        parentId: fc.oneof(hostileString, fc.constant(null)),
        states: fc.array(fc.string(), { maxLength: 3 }),
        customFields: fc.dictionary(fc.string(), fc.anything({ maxDepth: 1 })),
        limit: fc.integer(),
        after: fc.anything({ maxDepth: 0 }),
      },
      { requiredKeys: [] },
    ),
  },
);

/** Calls `fn`, expecting an `OrgKitError` with `code` (never another error, never a return); returns it. */
export function expectThrowsCode(fn: () => unknown, code: string): OrgKitError {
  try {
    fn();
  } catch (error) {
    expect(isOrgKitError(error), String(error)).toBe(true);
    expect((error as OrgKitError).code).toBe(code);
    return error as OrgKitError;
  }
  throw new Error(`expected ${code}, nothing was thrown`);
}

/** Calls `fn`, expecting `VALIDATION_FAILED` with at least one issue (and one at `path`, when given). */
export function expectInvalid(fn: () => unknown, path?: string): OrgKitError {
  const error = expectThrowsCode(fn, "VALIDATION_FAILED");
  const issues = error.details.issues as { path: string; message: string; code: string }[];
  expect(issues.length).toBeGreaterThan(0);
  if (path !== undefined) expect(issues.map((issue) => issue.path)).toContain(path);
  return error;
}
