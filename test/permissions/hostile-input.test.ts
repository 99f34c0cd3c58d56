/**
 * Issue 10, "The pure evaluator never throws": a permission service passes JSON bodies
 * (and whatever else reaches it) straight into `orgkit/permissions`. Every decision
 * method must answer any value with a denial, never an exception; `compilePolicy`,
 * `parsePolicySnapshot` and `withChanges` must throw only `INVALID_SNAPSHOT`; and
 * `parsePermissionRequest` must accept exactly the requests the evaluator treats as
 * well-formed.
 *
 * Part (a) has one test per example of the issue (each failed before the fix); part (b)
 * throws arbitrary and exotic values at every export and every `Policy` method; part (c)
 * ties the parser to the evaluator.
 */
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import * as entry from "../../src/permissions/index.js";
import {
  allStateCombinations,
  compilePolicy,
  describeGrant,
  MAX_ID_LENGTH,
  parsePermissionRequest,
  parsePolicySnapshot,
  stateCombinationKey,
  type Decision,
  type PermissionRequest,
  type PermissionRequestIssue,
  type Policy,
  type PolicyChange,
  type Subject,
} from "../../src/permissions/index.js";
import { cascadeSnapshotArb, changeArb, requestArb, snapshotArb, USER_IDS } from "./arbitraries.js";
import { acmeSnapshot, helpdeskSnapshot } from "./fixtures.js";
import { isOrgKitError, type OrgKitError } from "../../src/index.js";

const helpdesk = compilePolicy<string>(helpdeskSnapshot());
const acme = compilePolicy<string>(acmeSnapshot());

/** Casts a hostile value to whatever parameter type it is thrown at. */
const hostile = <T = never>(value: unknown): T => value as T;

// ---- exotic values ------------------------------------------------------------------

/** Every key any reader of orgkit/permissions looks up (requests, handles, snapshots, changes). */
const KEYS = [
  ...["check", "subject", "permission", "permissions", "action", "organization", "note", "targetUserId", "organizationId", "role", "app", "resource", "ticket"],
  ...["id", "kind", "known", "requesterId", "authorId", "type", "name", "builtIn", "userId", "usergroupId", "profileId", "membership", "user", "usergroup", "profile"],
  ...["schemaVersion", "version", "stateFlags", "usergroups", "profiles", "organizations", "users", "memberships", "resources", "parentId", "states", "status"],
  ...["usergroupIds", "allowedRoles", "allowedApps", "registered", "platformRole", "admin", "add", "notes", "length", "0", "1"],
  ...["roles", "admins", "cascade", "seesOrganizationTickets", "manager"],
];

function revoked(target: object = {}): object {
  const { proxy, revoke } = Proxy.revocable(target, {});
  revoke();
  return proxy;
}

const fail = (what: string) => (): never => {
  throw new Error(`${what} trap`);
};
const THROWING_TRAPS: ProxyHandler<object> = {
  get: fail("get"),
  has: fail("has"),
  ownKeys: fail("ownKeys"),
  getPrototypeOf: fail("getPrototypeOf"),
  getOwnPropertyDescriptor: fail("getOwnPropertyDescriptor"),
  set: fail("set"),
  defineProperty: fail("defineProperty"),
  deleteProperty: fail("deleteProperty"),
  isExtensible: fail("isExtensible"),
  preventExtensions: fail("preventExtensions"),
  apply: fail("apply"),
  construct: fail("construct"),
};

function throwingGetters(): object {
  const object = {};
  for (const key of KEYS) {
    Object.defineProperty(object, key, {
      enumerable: true,
      get() {
        throw new Error(`getter ${key}`);
      },
    });
  }
  return object;
}

function cyclic(): object {
  const object: Record<string, unknown> = { check: "can", permission: "kb.read", schemaVersion: 1, version: 1 };
  object.subject = object;
  object.users = [object];
  object.self = object;
  return object;
}

const HUGE = "x".repeat(2_000_000);

/** Values no JSON body can hold, but a caller's code can: each must be denied or rejected, never thrown on. */
const EXOTIC: Record<string, () => unknown> = {
  "revoked proxy": () => revoked(),
  "revoked array proxy": () => revoked([]),
  "revoked function proxy": () => revoked(() => 0),
  "proxy whose traps throw": () => new Proxy({}, THROWING_TRAPS),
  "array proxy whose traps throw": () => new Proxy([], THROWING_TRAPS),
  "object whose getters throw": throwingGetters,
  "getter that throws a revoked proxy": () => new Proxy({}, { get: () => { throw revoked(); } }),
  "array whose first element getter throws": () => Object.defineProperty(["p0", "p1"], 0, { get: fail("index getter") }),
  "cyclic object": cyclic,
  "cyclic array": () => {
    const list: unknown[] = [];
    list.push(list, list);
    return list;
  },
  "huge string": () => HUGE,
  "string with U+0000": () => "u0\u0000",
  "lone high surrogate": () => "\uD800",
  "id with a lone low surrogate": () => "p0\uDC00",
  "empty string": () => "",
  "id one character too long": () => "u".repeat(MAX_ID_LENGTH + 1),
  "object whose conversions throw": () => ({ toString: fail("toString"), valueOf: fail("valueOf"), [Symbol.toPrimitive]: fail("toPrimitive"), toJSON: fail("toJSON") }),
  "null-prototype object": () => Object.create(null),
  "function posing as a guest": () => Object.assign(() => 0, { kind: "guest", id: "root" }),
  "array posing as a guest": () => Object.assign([], { kind: "guest" }),
  "boxed string": () => Object("root"),
  "array holding an id": () => ["root"],
  symbol: () => Symbol("subject"),
  bigint: () => 10n,
  "NaN": () => Number.NaN,
  date: () => new Date(0),
  map: () => new Map([["id", "root"]]),
  "typed array": () => new Uint32Array(4),
  "transparent proxy of a valid request": () => new Proxy({ check: "can", subject: "u0", permission: "p0" }, {}),
  "subject data of a guest": () => ({ kind: "guest" }),
  ...Object.fromEntries(
    ["kind", "id", "requesterId", "organizationId", "authorId"].map((key) => [`readable fields but a throwing ${key} getter`, () => halfReadable(key)]),
  ),
};

/** Fields that would make a valid subject, note, ticket or resource, except that reading `key` throws. */
function halfReadable(key: string): object {
  const object: Record<string, unknown> = { id: "u0", kind: "asset", requesterId: "u0", organizationId: "o0", authorId: "u0" };
  delete object[key];
  return Object.defineProperty(object, key, { enumerable: true, get: fail(`${key} getter`) });
}

const PROXIES = new WeakSet<object>();
for (const name of Object.keys(EXOTIC)) {
  if (!/proxy/.test(name)) continue;
  const make = EXOTIC[name]!;
  EXOTIC[name] = () => {
    const value = make();
    PROXIES.add(value as object);
    return value;
  };
}

/** True for the exotic values that are proxies (recorded when made). */
function isProxyLike(value: unknown): boolean {
  return typeof value === "object" && value !== null && PROXIES.has(value);
}

/**
 * A hostile value in a box. fast-check looks into the values it generates (`cloneMethod
 * in value`), which a revoked proxy does not survive, so arbitraries yield boxes and the
 * properties open them; each opening of an exotic box makes a fresh value.
 */
class Hostile {
  constructor(
    private readonly make: () => unknown,
    private readonly label: () => string,
  ) {}

  get value(): unknown {
    return this.make();
  }

  [fc.toStringMethod](): string {
    return this.label();
  }
}

/** The value of a box, or `value` itself. */
const open = (value: unknown): unknown => (value instanceof Hostile ? value.value : value);

const box = (value: unknown): Hostile => new Hostile(() => value, () => fc.stringify(value));

const exoticArb = fc.constantFrom(...Object.keys(EXOTIC)).map((name) => new Hostile(() => EXOTIC[name]!(), () => name));

/** fast-check's anything (boxed values, maps, null prototypes, sparse arrays…), exotic values, odd strings and real ids. */
const hostileArb: fc.Arbitrary<Hostile> = fc.oneof(
  fc.anything({
    maxDepth: 3,
    withBoxedValues: true,
    withMap: true,
    withSet: true,
    withNullPrototype: true,
    withObjectString: true,
    withBigInt: true,
    withDate: true,
    withTypedArray: true,
    withSparseArray: true,
  }).map(box),
  exoticArb,
  exoticArb,
  fc.string({ unit: "binary", maxLength: 8 }).map(box),
  fc.constantFrom<unknown>(...USER_IDS, "o0", "p0", "root", "acme", "kb.read", null, undefined).map(box),
);

const DELETE = Symbol("delete");

/** Every path into a plain JSON-like value (object keys and array indices), the root excluded. */
function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (typeof value !== "object" || value === null) return [];
  const keys: (string | number)[] = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return keys.flatMap((key) => [[...prefix, key], ...pathsOf((value as Record<string | number, unknown>)[key], [...prefix, key])]);
}

/** A deep copy of plain `value` with the value at one of its paths (chosen by `pick`) replaced or deleted. */
function breakOne<T>(value: T, replacement: unknown, pick: number): { value: T; path: string } {
  const copy = structuredClone(value) as Record<string | number, unknown>;
  const paths = pathsOf(copy);
  if (paths.length === 0) return { value: copy as T, path: "(root)" };
  const path = paths[pick % paths.length]!;
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (replacement === DELETE) delete parent[last];
  else parent[last] = open(replacement);
  return { value: copy as T, path: path.join(".") };
}

const replacementArb = fc.oneof(hostileArb, fc.constant<Hostile | typeof DELETE>(DELETE));

/** A well-formed request with one field (top-level or nested) replaced by a hostile value or deleted. */
const brokenRequestArb = fc.tuple(requestArb, replacementArb, fc.nat()).map(([request, replacement, pick]) => breakOne(request, replacement, pick).value);

// ---- counting -------------------------------------------------------------------------

let inputsTried = 0;
let callsMade = 0;

/** Calls `run` on a hostile input, counted. */
function attempt<T>(run: () => T): T {
  callsMade++;
  return run();
}

afterAll(() => {
  // Once per run, so the number can be reported.
  console.log(`hostile-input fuzz: ${inputsTried} hostile inputs tried, ${callsMade} calls into orgkit/permissions`);
});

// ---- helpers --------------------------------------------------------------------------

/** What `run` threw (fails the test when it returned). */
function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

/** Runs `run`; when it throws, the error must be `INVALID_SNAPSHOT` (a `TypeError` fails the test). */
function throwsOnlyInvalidSnapshot(run: () => unknown): void {
  try {
    attempt(run);
  } catch (error) {
    if (!isOrgKitError(error, "INVALID_SNAPSHOT")) throw new Error(`expected INVALID_SNAPSHOT, got ${String(error)}`, { cause: error });
    expect(typeof error.details.path).toBe("string");
    expect(error.message).toContain(String(error.details.path));
  }
}

const expectMalformed = (decision: Decision, path: string): void => {
  expect(decision).toMatchObject({ allowed: false, grants: [] });
  expect(decision.issues?.map((issue) => issue.path)).toContain(path);
  expect(decision.reason).toBe(decision.issues!.map((issue) => issue.message).join("; "));
  expect(JSON.parse(JSON.stringify(decision))).toEqual(decision);
};

/** `request` asked through the positional method (`policy.canX(subject, …)`), or `undefined` for an unknown check. */
function askPositionally(policy: Policy, request: Record<string, unknown>): boolean | undefined {
  const r = (key: string): never => request[key] as never;
  switch (request.check) {
    case "can":
      return policy.can(r("subject"), r("permission"));
    case "canAll":
      return policy.canAll(r("subject"), r("permissions"));
    case "canOnOrganization":
      return policy.canOnOrganization(r("subject"), r("action"), r("organization"));
    case "canAddOrganization":
      return policy.canAddOrganization(r("subject"));
    case "canAdministerPlatform":
      return policy.canAdministerPlatform(r("subject"));
    case "canGrantPlatformRoles":
      return policy.canGrantPlatformRoles(r("subject"));
    case "canEditNote":
      return policy.canEditNote(r("subject"), r("note"));
    case "canDeleteNote":
      return policy.canDeleteNote(r("subject"), r("note"));
    case "canManageUser":
      return policy.canManageUser(r("subject"), r("targetUserId"), r("organizationId"));
    case "canAssignRole":
      return policy.canAssignRole(r("subject"), r("organizationId"), r("role"));
    case "canUseApp":
      return policy.canUseApp(r("subject"), r("organizationId"), r("app"));
    case "canAccessResource":
      return policy.canAccessResource(r("subject"), r("resource"));
    case "canViewTicket":
      return policy.canViewTicket(r("subject"), r("ticket"));
    default:
      return undefined;
  }
}

/** `request` asked on a subject handle (`subject.canX(…)`). */
function askHandle(subject: Subject, request: Record<string, unknown>): boolean | undefined {
  const r = (key: string): never => request[key] as never;
  switch (request.check) {
    case "can":
      return subject.can(r("permission"));
    case "canAll":
      return subject.canAll(r("permissions"));
    case "canOnOrganization":
      return subject.canOnOrganization(r("action"), r("organization"));
    case "canAddOrganization":
      return subject.canAddOrganization();
    case "canAdministerPlatform":
      return subject.canAdministerPlatform();
    case "canGrantPlatformRoles":
      return subject.canGrantPlatformRoles();
    case "canEditNote":
      return subject.canEditNote(r("note"));
    case "canDeleteNote":
      return subject.canDeleteNote(r("note"));
    case "canManageUser":
      return subject.canManageUser(r("targetUserId"), r("organizationId"));
    case "canAssignRole":
      return subject.canAssignRole(r("organizationId"), r("role"));
    case "canUseApp":
      return subject.canUseApp(r("organizationId"), r("app"));
    case "canAccessResource":
      return subject.canAccessResource(r("resource"));
    case "canViewTicket":
      return subject.canViewTicket(r("ticket"));
    default:
      return undefined;
  }
}

const ISSUE_CODES = ["invalid_type", "invalid_value", "too_small", "too_big", "unreadable"];

/**
 * The contract for one request-like input: parse, check and explain never throw; a
 * request the parser rejects is denied by every form, and explain reports the parser's
 * issues; a request it accepts answers the same as its parsed form.
 */
function assertRequestContract(policy: Policy, input: unknown, plain: boolean): void {
  inputsTried++;
  const parsed = attempt(() => parsePermissionRequest(input));
  const allowed = attempt(() => policy.check(hostile(input)));
  const decision = attempt(() => policy.explain(hostile(input)));
  expect(typeof allowed).toBe("boolean");
  expect(decision.allowed).toBe(allowed);
  expect(decision.reason.length).toBeLessThan(20_000);
  expect(JSON.parse(JSON.stringify(decision))).toEqual(decision);
  if (parsed.ok) {
    expect(decision.issues).toBeUndefined();
    expect(policy.check(parsed.request)).toBe(allowed);
    expect(policy.explain(parsed.request)).toEqual(decision);
  } else {
    expect(parsed.issues.length).toBeGreaterThan(0);
    for (const issue of parsed.issues) {
      expect(typeof issue.path).toBe("string");
      expect(ISSUE_CODES).toContain(issue.code);
      expect(issue.message.length).toBeLessThan(1_000);
    }
    expect(allowed).toBe(false);
    expect(decision).toMatchObject({ allowed: false, grants: [] });
    expect(decision.issues).toEqual(parsed.issues);
  }
  if (!plain) return;
  // The same request through the positional methods and a subject handle.
  const request = input as Record<string, unknown>;
  const positional = attempt(() => askPositionally(policy, request));
  if (positional !== undefined) expect(positional).toBe(allowed);
  if (typeof request.subject === "string") {
    const handle = attempt(() => askHandle(policy.subject(request.subject as string), request));
    if (handle !== undefined) expect(handle).toBe(allowed);
  }
}

// ---- (a) the examples of the issue ---------------------------------------------------------

describe("issue 10 examples: denied, not thrown", () => {
  it("policy.can(null, 'kb.read') is denied, not a TypeError", () => {
    expect(helpdesk.can(helpdesk.guest(), "kb.read")).toBe(true); // Everyone grants it: the denial below is about the null
    expect(helpdesk.can(hostile(null), "kb.read")).toBe(false);
    expect(helpdesk.can(hostile(undefined), "kb.read")).toBe(false);
    expect(helpdesk.canAll(hostile(null), ["kb.read"])).toBe(false);
    expect(helpdesk.permissionsOf(hostile(null))).toEqual([]);
  });

  it("policy.check({ check: 'can', subject: null, permission: 'kb.read' }) is denied, not a TypeError", () => {
    expect(helpdesk.check(hostile({ check: "can", subject: null, permission: "kb.read" }))).toBe(false);
    expectMalformed(helpdesk.explain(hostile({ check: "can", subject: null, permission: "kb.read" })), "subject");
  });

  it("policy.explain(undefined) is a denial naming what is malformed, not a TypeError", () => {
    const decision = helpdesk.explain(hostile(undefined));
    expectMalformed(decision, "(root)");
    expect(decision.subject).toEqual({ id: null, kind: "unknown" });
    expect(decision.issues).toEqual<PermissionRequestIssue[]>([{ path: "(root)", code: "invalid_type", message: "request must be an object, got undefined" }]);
    expect(helpdesk.check(hostile(undefined))).toBe(false);
    expect(helpdesk.check(hostile(null))).toBe(false);
  });

  it("a canViewTicket request without ticket is denied (for platform admins too), not a TypeError", () => {
    for (const subject of ["root", "east-member", "service-agent"]) {
      const request = hostile<PermissionRequest>({ check: "canViewTicket", subject });
      expect(acme.check(request)).toBe(false); // root was allowed before: the platform short-cut skipped the ticket
      expectMalformed(acme.explain(request), "ticket");
      expect(acme.canViewTicket(subject, hostile(undefined))).toBe(false);
    }
  });

  it("a canAccessResource request without resource is denied, not a TypeError", () => {
    for (const subject of ["root", "acme-member"]) {
      const request = hostile<PermissionRequest>({ check: "canAccessResource", subject });
      expect(acme.check(request)).toBe(false);
      expectMalformed(acme.explain(request), "resource");
      expect(acme.canAccessResource(subject, hostile(null))).toBe(false);
    }
  });

  it("a canEditNote / canDeleteNote request without note is denied, not a TypeError", () => {
    for (const check of ["canEditNote", "canDeleteNote"] as const) {
      for (const subject of ["root", "service-agent"]) {
        const request = hostile<PermissionRequest>({ check, subject });
        expect(acme.check(request)).toBe(false);
        expectMalformed(acme.explain(request), "note");
      }
    }
    expect(acme.canEditNote("root", hostile({ organizationId: "acme" }))).toBe(false); // no authorId
  });

  it("a canAll request without permissions is denied, not a TypeError", () => {
    const request = hostile<PermissionRequest>({ check: "canAll", subject: "user-a" });
    expect(helpdesk.check(request)).toBe(false);
    expectMalformed(helpdesk.explain(request), "permissions");
    expect(helpdesk.canAll("user-a", hostile("kb.read"))).toBe(false); // a string is not a list of permissions
  });

  it("an object whose getters throw is denied as a request, subject, organization or field, not the getter's error", () => {
    const bad = throwingGetters();
    expect(acme.check(hostile(bad))).toBe(false);
    expectMalformed(acme.explain(hostile(bad)), "check");
    expect(acme.can(hostile(bad), "portal.browse")).toBe(false);
    expect(acme.canOnOrganization("root", "read", hostile(bad))).toBe(false);
    expect(acme.canViewTicket("root", hostile(bad))).toBe(false);
    expect(acme.canAccessResource("root", hostile(bad))).toBe(false);
    expectMalformed(acme.explain(hostile({ check: "canViewTicket", subject: "root", ticket: bad })), "ticket.requesterId");
    // Only `kind` throws: the subject is malformed, not looked up by its readable `id`.
    const halfReadable = { id: "root", get kind(): string { throw new Error("kind"); } };
    expect(acme.canAddOrganization(hostile(halfReadable))).toBe(false);
    expectMalformed(acme.explain(hostile({ check: "canAddOrganization", subject: halfReadable })), "subject.kind");
  });

  it("a revoked Proxy is denied as a request, subject, organization or field, not a TypeError", () => {
    expect(acme.check(hostile(revoked()))).toBe(false);
    expectMalformed(acme.explain(hostile(revoked())), "(root)");
    expect(acme.can(hostile(revoked()), "portal.browse")).toBe(false);
    expect(acme.canOnOrganization("root", "read", hostile(revoked()))).toBe(false);
    expect(acme.canAll("root", hostile(revoked([])))).toBe(false);
    expect(acme.canEditNote("root", hostile(revoked()))).toBe(false);
    expectMalformed(acme.explain(hostile({ check: "canAll", subject: "root", permissions: revoked([]) })), "permissions");
  });

  it("a cyclic object is denied as a request or subject, without recursing", () => {
    expect(helpdesk.check(hostile(cyclic()))).toBe(false);
    expectMalformed(helpdesk.explain(hostile(cyclic())), "subject.id");
    expect(helpdesk.can(hostile(cyclic()), "kb.read")).toBe(false);
  });

  it("a huge string is denied, not cached, and not echoed in the reason", () => {
    const before = helpdesk.stats().cachedSubjects;
    expect(helpdesk.can(HUGE, "kb.read")).toBe(false);
    expect(helpdesk.subject(HUGE).known).toBe(false);
    expect(helpdesk.stats().cachedSubjects).toBe(before);
    const decision = helpdesk.explain({ check: "can", subject: HUGE, permission: HUGE });
    expectMalformed(decision, "subject");
    expect(decision.issues!.map((issue) => issue.code)).toEqual(["too_big", "too_big"]);
    expect(decision.reason.length).toBeLessThan(200);
  });

  it("strings with U+0000 or lone surrogates are denied unless they name something, and resource keys do not collide", () => {
    const policy = compilePolicy({
      schemaVersion: 1,
      version: 1,
      organizations: [{ id: "o\uD800" }],
      users: [{ id: "u\u0000" }, { id: "u\uDC00" }],
      memberships: [{ userId: "u\u0000", organizationId: "o\uD800" }],
      resources: [{ kind: "a", id: "b\u0000c", organizationId: "o\uD800" }],
    });
    expect(policy.canAccessResource("u\u0000", { kind: "a", id: "b\u0000c" })).toBe(true);
    // Before the fix the key was `${kind}\u0000${id}`, so this different resource matched.
    expect(policy.canAccessResource("u\u0000", { kind: "a\u0000b", id: "c" })).toBe(false);
    expect(policy.canAccessResource("u\uDC00", { kind: "a", id: "b\u0000c" })).toBe(false);
    expect(policy.canOnOrganization("u\u0000", "read", "o\uD800")).toBe(true);
    expect(policy.canOnOrganization("u\u0000", "read", "o\uDC00")).toBe(false);
    const decision = policy.explain({ check: "canAccessResource", subject: "u\u0000", resource: { kind: "a\u0000b", id: "c" } });
    expect(decision.allowed).toBe(false);
    expect(JSON.parse(JSON.stringify(decision))).toEqual(decision);
  });

  it("resource kind and id given as arrays are not coerced to strings", () => {
    expect(acme.canAccessResource("acme-member", { kind: "asset", id: "press-1" })).toBe(true);
    // `${["asset"]}` is "asset": before the fix this was allowed.
    expect(acme.canAccessResource("acme-member", hostile({ kind: ["asset"], id: ["press-1"] }))).toBe(false);
    expect(acme.canAssignRole("root", "acme", hostile(["member"]))).toBe(false);
  });
});

describe("issue 10 examples: compile and change errors are INVALID_SNAPSHOT, not TypeError", () => {
  const snapshotError = (value: unknown) => thrown(() => compilePolicy(hostile(value)));

  it.each<[string, string, () => unknown]>([
    ["a revoked proxy", "(root)", () => revoked()],
    ["a proxy whose traps throw", "schemaVersion", () => new Proxy({}, THROWING_TRAPS)],
    ["a getter that throws", "schemaVersion", () => ({ get schemaVersion() { throw new Error("x"); } })],
    ["a revoked users list", "users", () => ({ schemaVersion: 1, version: 1, users: revoked([]) })],
    ["a revoked user", "users.1", () => ({ schemaVersion: 1, version: 1, users: [{ id: "a" }, revoked()] })],
    ["a user whose id getter throws a revoked proxy", "users.0", () => ({ schemaVersion: 1, version: 1, users: [{ get id() { throw revoked(); } }] })],
    ["a membership list whose index getter throws", "memberships.0", () => ({ schemaVersion: 1, version: 1, memberships: Object.defineProperty([], 0, { get: fail("index") }) })],
    ["a profile table proxy whose ownKeys throws", "profiles.0", () => ({ schemaVersion: 1, version: 1, profiles: [{ id: "p", organizations: new Proxy({}, THROWING_TRAPS) }] })],
    ["a roles table proxy whose ownKeys throws", "roles", () => ({ schemaVersion: 1, version: 1, roles: new Proxy({}, THROWING_TRAPS) })],
    ["a role rule whose cascade getter throws", "roles", () => ({ schemaVersion: 1, version: 1, roles: { manager: { get cascade() { throw new Error("x"); } } } })],
    ["an admins rule that is a revoked proxy", "admins", () => ({ schemaVersion: 1, version: 1, admins: revoked() })],
    ["a cyclic object", "users.0.id", cyclic],
  ])("compilePolicy(%s) throws INVALID_SNAPSHOT at %s", (_, path, make) => {
    const error = snapshotError(make());
    expect(isOrgKitError(error, "INVALID_SNAPSHOT")).toBe(true);
    expect((error as OrgKitError<"INVALID_SNAPSHOT">).details.path).toBe(path);
    expect(thrown(() => parsePolicySnapshot(make()))).toMatchObject({ code: "INVALID_SNAPSHOT", details: { path } });
  });

  it.each<[string, string, () => unknown, unknown]>([
    ["a revoked change", "changes.0", () => [revoked()], undefined],
    ["a revoked list", "changes", () => revoked([]), undefined],
    ["a change whose getters throw", "changes.1", () => [{ type: "user.remove", userId: "east-member" }, throwingGetters()], undefined],
    ["a change whose nested getter throws", "changes.0", () => [{ type: "user.set", user: { get id() { throw new Error("x"); } } }], undefined],
    ["null options", "options", () => [], null],
    ["options whose version getter throws", "version", () => [], { get version() { throw new Error("x"); } }],
  ])("withChanges with %s throws INVALID_SNAPSHOT at %s, and applies nothing", (_, path, make, options) => {
    const error = thrown(() => acme.withChanges(hostile(make()), hostile(options)));
    expect(isOrgKitError(error, "INVALID_SNAPSHOT")).toBe(true);
    expect((error as OrgKitError<"INVALID_SNAPSHOT">).details.path).toBe(path);
    expect(acme.canOnOrganization("east-member", "read", "east")).toBe(true);
  });

  it("the helpers that build combination keys throw INVALID_SNAPSHOT, not TypeError", () => {
    expect(thrown(() => allStateCombinations(hostile(null)))).toMatchObject({ code: "INVALID_SNAPSHOT", details: { path: "stateFlags" } });
    expect(thrown(() => allStateCombinations(hostile(revoked([]))))).toMatchObject({ code: "INVALID_SNAPSHOT", details: { path: "stateFlags" } });
    expect(thrown(() => stateCombinationKey(hostile(null)))).toMatchObject({ code: "INVALID_SNAPSHOT", details: { path: "states" } });
    expect(thrown(() => stateCombinationKey(hostile("service")))).toMatchObject({ code: "INVALID_SNAPSHOT", details: { path: "states" } });
    expect(describeGrant(hostile(null))).toBe("(not a grant)");
    expect(describeGrant(hostile({ type: "unheard-of" }))).toBe("(not a grant)");
  });
});

// ---- parsePermissionRequest -------------------------------------------------------------------

describe("parsePermissionRequest", () => {
  it("returns a well-formed request as plain data, dropping unknown fields", () => {
    expect(parsePermissionRequest({ check: "canViewTicket", subject: "u1", ticket: { requesterId: "u2", extra: 1 }, extra: true })).toEqual({
      ok: true,
      request: { check: "canViewTicket", subject: "u1", ticket: { requesterId: "u2" } },
    });
    expect(parsePermissionRequest({ check: "can", subject: { kind: "guest" }, permission: "kb.read" })).toEqual({
      ok: true,
      request: { check: "can", subject: { id: null, kind: "guest" }, permission: "kb.read" },
    });
    // A decision's subject, or a handle that went through JSON, is looked up by id.
    expect(parsePermissionRequest({ check: "canAddOrganization", subject: { id: "u1", kind: "user", known: true } })).toEqual({
      ok: true,
      request: { check: "canAddOrganization", subject: "u1" },
    });
  });

  it("keeps real handles", () => {
    const me = acme.subject("east-admin");
    const east = acme.organization("east");
    const parsed = parsePermissionRequest({ check: "canOnOrganization", subject: me, action: "read", organization: east });
    expect(parsed.ok && parsed.request).toMatchObject({ subject: me, organization: east });
  });

  it("reports every malformed field with its path, code and a message naming it", () => {
    expect(parsePermissionRequest({ check: "canManageUser", subject: 7, organizationId: "" })).toEqual({
      ok: false,
      issues: [
        { path: "subject", code: "invalid_type", message: "subject must be a user id (a string) or a subject handle, got number 7" },
        { path: "targetUserId", code: "invalid_type", message: "targetUserId must be a user id or null (a new user), got undefined" },
        { path: "organizationId", code: "too_small", message: "organizationId must not be empty" },
      ],
    });
    expect(parsePermissionRequest({ check: "canOnOrganization", subject: "u1", action: "write", organization: { id: 5 } })).toEqual({
      ok: false,
      issues: [
        { path: "action", code: "invalid_value", message: 'action must be one of "read", "edit", "delete", got "write"' },
        { path: "organization.id", code: "invalid_type", message: "organization.id must be a string, got number 5" },
      ],
    });
    expect(parsePermissionRequest({ check: "canFly", subject: "u1" })).toEqual({
      ok: false,
      issues: [{ path: "check", code: "invalid_value", message: '"canFly" is not a check' }],
    });
    const unreadable = parsePermissionRequest({ check: "can", subject: revoked(), permission: "p" });
    expect(unreadable).toMatchObject({ ok: false, issues: [{ path: "subject", code: "invalid_type" }] });
    const getter = parsePermissionRequest({ check: "can", subject: { get id() { throw new Error("nope"); } }, permission: "p" });
    expect(getter).toMatchObject({ ok: false, issues: [{ path: "subject.id", code: "unreadable", message: "subject.id could not be read (Error: nope)" }] });
  });

  it("reports at most twenty issues", () => {
    const parsed = parsePermissionRequest({ check: "canAll", subject: "u1", permissions: Array.from({ length: 1_000 }, () => 0) });
    expect(parsed.ok || parsed.issues.length).toBe(20);
  });
});

// ---- (b) fuzz: arbitrary values at every export and every Policy method --------------------------------

/** Every function exported by orgkit/permissions, by what it must do with hostile input. */
const EXPORTED_FUNCTIONS = {
  compilePolicy: "throws only INVALID_SNAPSHOT (VALIDATION_FAILED for its options)",
  parsePolicySnapshot: "throws only INVALID_SNAPSHOT",
  applyChangeEntries: "throws only INVALID_SNAPSHOT (VALIDATION_FAILED for a policy that is not one; test/permissions/feed.test.ts)",
  allStateCombinations: "throws only INVALID_SNAPSHOT",
  stateCombinationKey: "throws only INVALID_SNAPSHOT",
  parsePermissionRequest: "never throws",
  describeGrant: "never throws",
  Policy: "a class: its methods are covered below",
} as const;

/** Every method of a compiled Policy, by what it must do with hostile input. */
const POLICY_METHODS = {
  subject: "decision",
  guest: "decision",
  organization: "decision",
  can: "decision",
  canAll: "decision",
  permissionsOf: "decision",
  canOnOrganization: "decision",
  canAddOrganization: "decision",
  canAdministerPlatform: "decision",
  canGrantPlatformRoles: "decision",
  canEditNote: "decision",
  canDeleteNote: "decision",
  canManageUser: "decision",
  canAssignRole: "decision",
  canUseApp: "decision",
  canAccessResource: "decision",
  canViewTicket: "decision",
  visibleOrganizations: "decision",
  check: "decision",
  explain: "decision",
  withChanges: "throws only INVALID_SNAPSHOT",
  stats: "no arguments",
} as const;

const SUBJECT_METHODS = [
  "can",
  "canAll",
  "permissions",
  "canOnOrganization",
  "canAddOrganization",
  "canAdministerPlatform",
  "canGrantPlatformRoles",
  "canEditNote",
  "canDeleteNote",
  "canManageUser",
  "canAssignRole",
  "canUseApp",
  "canAccessResource",
  "canViewTicket",
  "visibleOrganizations",
  "organizationReadScope",
  "ticketReadFilter",
] as const;

/** Public methods of a class instance (private TypeScript methods are on the prototype too: the test names them). */
const methodsOf = (instance: object): string[] =>
  Object.getOwnPropertyNames(Object.getPrototypeOf(instance)).filter((name) => name !== "constructor" && typeof (instance as Record<string, unknown>)[name] === "function");

describe("fuzz: hostile values at every export and every Policy method", () => {
  it("covers every exported function and every public method", () => {
    const functions = Object.entries(entry).filter(([, value]) => typeof value === "function").map(([name]) => name);
    expect(functions.sort()).toEqual(Object.keys(EXPORTED_FUNCTIONS).sort());
    const internal = ["checkRecord", "nextVersion", "changed", "resolve", "resolveOther", "malformed", "resolveId", "resolveUncached"];
    expect(methodsOf(acme).filter((name) => !internal.includes(name)).sort()).toEqual(Object.keys(POLICY_METHODS).sort());
    const subjectInternal = ["rebind", "organization", "organizationById", "packedOrganization", "canOnPacked", "membershipAt", "canRead", "isAdminOf", "noteCheck", "toJSON"];
    expect(methodsOf(acme.subject("root")).filter((name) => !subjectInternal.includes(name)).sort()).toEqual([...SUBJECT_METHODS].sort());
  });

  it("check, explain, parsePermissionRequest and every can* form deny what the parser rejects, and never throw", () => {
    fc.assert(
      fc.property(snapshotArb, fc.array(fc.oneof(brokenRequestArb, brokenRequestArb, requestArb, hostileArb), { minLength: 1, maxLength: 25 }), (snapshot, inputs) => {
        const policy = compilePolicy(snapshot);
        for (const boxed of inputs) {
          const input = open(boxed);
          assertRequestContract(policy, input, isPlainRequest(input));
        }
      }),
      { numRuns: 200 },
    );
    // The fixtures too: platform admins, profiles, resources and tickets with real short-cuts.
    fc.assert(
      fc.property(fc.oneof(brokenRequestArb, hostileArb), fc.constantFrom("root", "platform-admin", "service-agent", "east-admin", "east-manager", "acme-member"), (boxed, who) => {
        const input = open(boxed);
        const aimed = isPlainRequest(input) ? { ...(input as object), subject: who } : input;
        assertRequestContract(acme, aimed, isPlainRequest(aimed));
      }),
      { numRuns: 1_500 },
    );
  });

  it("every Policy and subject method answers any argument without throwing (a denial for malformed ones)", () => {
    fc.assert(
      fc.property(fc.array(hostileArb, { minLength: 4, maxLength: 4 }), fc.constantFrom("root", "service-agent", "east-admin", "acme-member"), (boxes, who) => {
        const [a, b, c, d] = boxes.map(open);
        inputsTried += 4;
        for (const policy of [acme, helpdesk]) {
          // Positional forms with every argument hostile: equal to the request form, which the contract above pins down.
          const subjectValid = parsePermissionRequest({ check: "canAddOrganization", subject: a }).ok;
          const handle = attempt(() => policy.subject(hostile(a)));
          expect(typeof handle.known).toBe("boolean");
          if (typeof a !== "string" || a.length === 0 || a.length > MAX_ID_LENGTH) expect(handle.known).toBe(false);
          const org = attempt(() => policy.organization(hostile(b)));
          expect(typeof org.known).toBe("boolean");
          if (typeof b !== "string") expect(org.known).toBe(false);
          const permissions = attempt(() => policy.permissionsOf(hostile(a)));
          expect(Array.isArray(permissions)).toBe(true);
          if (!subjectValid) expect(permissions).toEqual([]);
          const visible = attempt(() => policy.visibleOrganizations(hostile(a), hostile(b)));
          expect(Array.isArray(visible)).toBe(true);
          if (!subjectValid) expect(visible).toEqual([]);
          const requests: Record<string, unknown>[] = [
            { check: "can", subject: a, permission: b },
            { check: "canAll", subject: a, permissions: b },
            { check: "canOnOrganization", subject: a, action: b, organization: c },
            { check: "canAddOrganization", subject: a },
            { check: "canEditNote", subject: a, note: b },
            { check: "canDeleteNote", subject: a, note: b },
            { check: "canManageUser", subject: a, targetUserId: b, organizationId: c },
            { check: "canAssignRole", subject: a, organizationId: b, role: c },
            { check: "canUseApp", subject: a, organizationId: b, app: c },
            { check: "canAccessResource", subject: a, resource: b },
            { check: "canViewTicket", subject: a, ticket: b },
            { check: d, subject: a },
          ];
          for (const request of requests) {
            assertRequestContract(policy, request, true);
            // On a valid subject's handle, with hostile arguments.
            const me = policy.subject(who);
            const onHandle = attempt(() => askHandle(me, request));
            if (onHandle !== undefined) expect(onHandle).toBe(policy.check(hostile({ ...request, subject: who })));
          }
          const me = policy.subject(who);
          expect(Array.isArray(attempt(() => me.visibleOrganizations(hostile(b))))).toBe(true);
          expect(Array.isArray(attempt(() => me.permissions()))).toBe(true);
          expect(typeof attempt(() => describeGrant(hostile(a)))).toBe("string");
          expect(attempt(() => policy.stats()).version).toBe(policy.version);
          expect(attempt(() => policy.guest()).kind).toBe("guest");
        }
      }),
      { numRuns: 300 },
    );
  });

  it("compilePolicy, parsePolicySnapshot and the combination-key helpers throw only INVALID_SNAPSHOT, whatever they are given", () => {
    const brokenSnapshotArb = fc.tuple(fc.oneof(snapshotArb, cascadeSnapshotArb), replacementArb, fc.nat()).map(([snapshot, replacement, pick]) => breakOne(snapshot, replacement, pick).value);
    fc.assert(
      fc.property(fc.oneof(brokenSnapshotArb, brokenSnapshotArb, hostileArb), hostileArb, (boxedSnapshot, boxedOther) => {
        const snapshot = open(boxedSnapshot);
        const other = open(boxedOther);
        inputsTried += 2;
        throwsOnlyInvalidSnapshot(() => compilePolicy(hostile(snapshot)));
        throwsOnlyInvalidSnapshot(() => parsePolicySnapshot(snapshot));
        throwsOnlyInvalidSnapshot(() => allStateCombinations(hostile(other)));
        throwsOnlyInvalidSnapshot(() => stateCombinationKey(hostile(other)));
        throwsOnlyInvalidSnapshot(() => stateCombinationKey(["service"], hostile(other)));
        throwsOnlyInvalidSnapshot(() => stateCombinationKey(hostile(other), ["a", "b"]));
      }),
      { numRuns: 1_500 },
    );
  });

  it("withChanges throws only INVALID_SNAPSHOT for malformed changes or options, and leaves the policy as it was", () => {
    const brokenChangeArb = fc.tuple(changeArb, replacementArb, fc.nat()).map(([change, replacement, pick]) => breakOne(change, replacement, pick).value);
    fc.assert(
      fc.property(
        snapshotArb,
        fc.array(fc.oneof(changeArb, brokenChangeArb, brokenChangeArb, hostileArb), { maxLength: 6 }),
        hostileArb,
        fc.oneof(fc.constant(undefined), hostileArb),
        (snapshot, boxedChanges, boxedList, boxedOptions) => {
          const changes = boxedChanges.map(open);
          const list = open(boxedList);
          const options = open(boxedOptions);
          inputsTried += changes.length + 2;
          const policy = compilePolicy(snapshot);
          const before = policy.permissionsOf("u0");
          throwsOnlyInvalidSnapshot(() => policy.withChanges(changes as PolicyChange[]));
          throwsOnlyInvalidSnapshot(() => policy.withChanges(hostile(list)));
          throwsOnlyInvalidSnapshot(() => policy.withChanges([], hostile(options)));
          expect(policy.permissionsOf("u0")).toEqual(before);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("isOrgKitError answers any value but a proxy without throwing", () => {
    // Proxies are left to test/organization/hostile-input.test.ts: isOrgKitError lives in
    // src/errors.ts, which reads its brand with a property access that a revoked or
    // trapping proxy turns into an exception.
    fc.assert(
      fc.property(hostileArb, (boxed) => {
        const value = open(boxed);
        if (isProxyLike(value)) return;
        inputsTried++;
        expect(typeof attempt(() => isOrgKitError(value))).toBe("boolean");
      }),
      { numRuns: 500 },
    );
  });

  it("compilePolicy with hostile options throws only VALIDATION_FAILED", () => {
    fc.assert(
      fc.property(hostileArb, (boxed) => {
        inputsTried++;
        try {
          attempt(() => compilePolicy({ schemaVersion: 1, version: 1 }, hostile(open(boxed))));
        } catch (error) {
          expect(isOrgKitError(error, "VALIDATION_FAILED")).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});

/** True for the plain request objects built by the arbitraries (top level is a plain data object we made). */
function isPlainRequest(value: unknown): boolean {
  if (typeof value !== "object" || value === null || isProxyLike(value)) return false;
  return Object.getPrototypeOf(value) === Object.prototype && typeof Object.getOwnPropertyDescriptor(value, "check")?.value === "string";
}


// ---- (c) the parser accepts exactly what the evaluator treats as well-formed ---------------------------

describe("parsePermissionRequest agrees with the evaluator", () => {
  /** `request` with its subject (and organization) swapped for real handles of `policy`. */
  function withHandles(policy: Policy, request: PermissionRequest): PermissionRequest {
    const subject = typeof request.subject === "string" ? policy.subject(request.subject) : (request.subject as { kind?: string }).kind === "guest" ? policy.guest() : request.subject;
    const out = { ...request, subject } as PermissionRequest;
    if (out.check === "canOnOrganization" && typeof out.organization === "string") return { ...out, organization: policy.organization(out.organization) };
    return out;
  }

  it("accepts every well-formed generated request, and check(request) equals check(parsed.request)", () => {
    fc.assert(
      fc.property(snapshotArb, fc.array(requestArb, { minLength: 1, maxLength: 30 }), fc.boolean(), (snapshot, requests, handles) => {
        const policy = compilePolicy(snapshot);
        for (const generated of requests) {
          const request = handles ? withHandles(policy, generated) : generated;
          const parsed = parsePermissionRequest(request);
          if (!parsed.ok) throw new Error(`rejected ${JSON.stringify(request)}: ${JSON.stringify(parsed.issues)}`);
          expect(policy.check(parsed.request)).toBe(policy.check(request));
          expect(policy.explain(parsed.request)).toEqual(policy.explain(request));
          expect(policy.explain(request).issues).toBeUndefined();
          expect(parsePermissionRequest(parsed.request)).toEqual(parsed);
          // The request survives JSON (handles serialize as { id, kind, known } / { id, known }).
          const json = parsePermissionRequest(JSON.parse(JSON.stringify(request)));
          expect(json.ok).toBe(true);
          expect(policy.check(JSON.parse(JSON.stringify(request)) as PermissionRequest)).toBe(policy.check(request));
        }
      }),
      { numRuns: 200 },
    );
  });

  it("rejects a well-formed request with one field broken exactly when check and explain treat it as malformed", () => {
    fc.assert(
      fc.property(snapshotArb, fc.array(brokenRequestArb, { minLength: 1, maxLength: 20 }), (snapshot, inputs) => {
        const policy = compilePolicy(snapshot);
        for (const input of inputs) {
          inputsTried++;
          const parsed = parsePermissionRequest(input);
          const decision = policy.explain(hostile(input));
          expect(decision.issues === undefined).toBe(parsed.ok);
          if (!parsed.ok) expect(policy.check(hostile(input))).toBe(false);
        }
      }),
      { numRuns: 200 },
    );
  });
});
