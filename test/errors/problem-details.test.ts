/**
 * The HTTP rendering of orgkit's errors: `httpStatusOf`, `retryAdviceOf` and
 * `toProblemDetails` (RFC 9457), checked against the table in docs/errors.md.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  httpStatusOf,
  isOrgKitError,
  ORGKIT_ERROR_CODES,
  OrgKitError,
  PROBLEM_JSON_CONTENT_TYPE,
  retryAdviceOf,
  toProblemDetails,
  type OrgKitErrorCode,
} from "../../src/index.js";
import { toOrgKitError } from "../../src/adapters/postgres/errors.js";
import { configurationIncompatible, configurationMismatch, invitationExpired, invitationInvalid, invitationRevoked, invitationUsed, organizationMerged, userErased } from "../../src/errors.js";
import { driverError } from "../postgres/fault-injection.js";
import { admin, rejects, setup, system } from "../facade/setup.js";
import { notFound, uniqueConflict, validationError, versionConflict } from "../../src/storage/index.js";

/** One error for each row of the HTTP table in docs/errors.md, keyed by the row's first cell. */
const SAMPLES: Readonly<Record<string, OrgKitError>> = {
  "`VALIDATION_FAILED`": validationError("Invalid organization at name: too short", [{ path: "name", message: "too short", code: "too_small" }]),
  "`INVALID_EMAIL`": new OrgKitError("INVALID_EMAIL", "missing @: x", { details: { value: "x", reason: "missing_at" } }),
  "`INVALID_DOMAIN`": new OrgKitError("INVALID_DOMAIN", "bad: x", { details: { value: "x", reason: "invalid_character" } }),
  "`INVALID_USERNAME`": new OrgKitError("INVALID_USERNAME", "empty", { details: { value: "", reason: "empty" } }),
  "`INVALID_PHONE`": new OrgKitError("INVALID_PHONE", "bad: 12", { details: { value: "12", reason: "invalid_number" } }),
  "`FORBIDDEN`": new OrgKitError("FORBIDDEN", "no", { details: { actor: { type: "user", id: "u" }, action: "edit organization o", reason: "not a platform admin" } }),
  "`NOT_FOUND`": notFound("organization", "o"),
  "`CONFLICT` `version`": versionConflict("organization", "o", 1, 2),
  "`CONFLICT` `unique`": uniqueConflict("taken", { entity: "organization", field: "name", existingId: "o2" }),
  "`CONFLICT` `serialization`": toOrgKitError(driverError("40001", "could not serialize access"), "transaction (commit)"),
  "`CONFLICT` `status`": new OrgKitError("CONFLICT", "already active", { details: { reason: "status", id: "o" } }),
  "`CONFLICT` `in_use`": new OrgKitError("CONFLICT", "in use", { details: { reason: "in_use", entity: "staff profile", id: "p", userId: "u" } }),
  "`CONFLICT` `erased`": userErased("u"),
  "`CONFLICT` `has_history`": new OrgKitError("CONFLICT", "history", { details: { reason: "has_history", entity: "user", id: "u", memberships: 2 } }),
  "`CONFLICT` `merged`": organizationMerged("dup", "sur"),
  "`CONFLICT` `configuration_changed`": new OrgKitError("CONFLICT", "changed", { details: { reason: "configuration_changed", expectedFingerprint: "a", actualFingerprint: "b" } }),
  "`INVITATION_INVALID`": invitationInvalid(),
  "`CONFIGURATION_MISMATCH`": configurationMismatch([{ key: "membershipPolicy", stored: "multiple", kit: "single" }], "a", "b"),
  "`CONFIGURATION_INCOMPATIBLE`": configurationIncompatible([{ key: "membershipPolicy", code: "users_in_several_organizations", message: "users in several organizations", count: 1, examples: ["u1"] }], "b"),
  "`INVITATION_EXPIRED`": invitationExpired("inv_1", "2026-01-01T00:00:00.000Z"),
  "`INVITATION_REVOKED`": invitationRevoked("inv_1", "revoked"),
  "`INVITATION_USED`": invitationUsed("inv_1"),
  "`ORGANIZATION_DISCONTINUED`": new OrgKitError("ORGANIZATION_DISCONTINUED", "discontinued", { details: { id: "o" } }),
  "`HIERARCHY_CYCLE`": new OrgKitError("HIERARCHY_CYCLE", "loop", { details: { childId: "a", parentId: "b", path: ["a", "hidden", "b", "a"] } }),
  "`MAX_DEPTH_EXCEEDED`": new OrgKitError("MAX_DEPTH_EXCEEDED", "deep", { details: { maxDepth: 2, depth: 3 } }),
  "`RULE_CONFLICT`": new OrgKitError("RULE_CONFLICT", "claimed", { details: { kind: "domain", value: "acme.example", existingRule: null } }),
  "`CHANGES_EXPIRED`": new OrgKitError("CHANGES_EXPIRED", "expired", { details: { revision: 3, horizon: 10 } }),
  "`PARENT_NOT_FOUND`": new OrgKitError("PARENT_NOT_FOUND", "no parent", { details: { childId: "a", parentId: "b" } }),
  "`DOMAIN_PUBLIC_SUFFIX`": new OrgKitError("DOMAIN_PUBLIC_SUFFIX", "suffix", { details: { domain: "co.uk", publicSuffix: "co.uk" } }),
  "`DOMAIN_FREE_MAIL`": new OrgKitError("DOMAIN_FREE_MAIL", "free mail", { details: { domain: "gmail.com", provider: "gmail.com" } }),
  "`STORAGE_FAILURE` `connection_lost`": toOrgKitError(new Error("Connection terminated unexpectedly"), "organizations.get"),
  "`STORAGE_FAILURE` `connection_lost`, `commitUnknown`": toOrgKitError(new Error("Connection terminated unexpectedly"), "transaction (commit)", { inDoubt: true }),
  "`STORAGE_FAILURE` other": toOrgKitError(driverError("22P02", "invalid input syntax for type uuid: \"secret\""), "organizations.get"),
  "`STORAGE_TIMEOUT`": toOrgKitError(driverError("55P03", "canceling statement due to lock timeout"), "organizations.update"),
  "`STORAGE_TIMEOUT` `commitUnknown`": toOrgKitError(new Error("Query read timeout"), "transaction (commit)", { inDoubt: true }),
  "`INVALID_SNAPSHOT`": new OrgKitError("INVALID_SNAPSHOT", "Invalid policy snapshot at users.0: bad", { details: { path: "users.0", message: "bad" } }),
};

/** The rows of the "Over HTTP" table of docs/errors.md: first cell → [status, retry]. */
function documentedTable(): Map<string, [number, string]> {
  const text = readFileSync(new URL("../../docs/errors.md", import.meta.url), "utf8");
  const section = text.slice(text.indexOf("## Over HTTP"), text.indexOf("Why these statuses"));
  const rows = new Map<string, [number, string]>();
  for (const line of section.split("\n")) {
    const cells = line.split("|").map((cell) => cell.trim());
    if (cells.length !== 6 || !cells[1]!.startsWith("`")) continue;
    rows.set(cells[1]!, [Number(cells[3]), cells[4]!.replaceAll("`", "")]);
  }
  return rows;
}

describe("the code → status → retry table", () => {
  it("docs/errors.md says what httpStatusOf and retryAdviceOf answer, for every row", () => {
    const documented = documentedTable();
    expect([...documented.keys()].sort()).toEqual(Object.keys(SAMPLES).sort());
    for (const [row, error] of Object.entries(SAMPLES)) {
      expect([httpStatusOf(error), retryAdviceOf(error)], row).toEqual(documented.get(row));
    }
  });

  it("covers every code", () => {
    const sampled = new Set(Object.values(SAMPLES).map((error) => error.code));
    expect([...sampled].sort()).toEqual([...ORGKIT_ERROR_CODES].sort());
  });

  it("an error that is not orgkit's is a 500 that cannot be retried, whatever it is", () => {
    for (const value of [new Error("secret"), "text", null, undefined, 42, { code: "CONFLICT", details: { reason: "serialization" } }]) {
      expect(httpStatusOf(value)).toBe(500);
      expect(retryAdviceOf(value)).toBe("no");
    }
  });
});

describe("toProblemDetails", () => {
  it("gives the RFC 9457 members, the code, retryable, and the public details", () => {
    const problem = toProblemDetails(versionConflict("organization", "o1", 1, 2), { instance: "/organizations/o1" });
    expect(problem).toEqual({
      type: "https://orgkit.dev/errors/conflict",
      title: "Conflict",
      status: 409,
      detail: "The organization o1 is at version 2, not the expected 1",
      instance: "/organizations/o1",
      code: "CONFLICT",
      retryable: false,
      reason: "version",
      entity: "organization",
      id: "o1",
      expectedVersion: 1,
      actualVersion: 2,
    });
    expect(PROBLEM_JSON_CONTENT_TYPE).toBe("application/problem+json");
    expect(toProblemDetails(SAMPLES["`CONFLICT` `serialization`"]!).retryable).toBe(true);
    expect(toProblemDetails(SAMPLES["`STORAGE_TIMEOUT` `commitUnknown`"]!)).toMatchObject({ status: 503, retryable: false, commitUnknown: true });
  });

  it("types are stable URIs under a configurable base, one per code", () => {
    expect(toProblemDetails(notFound("user", "u")).type).toBe("https://orgkit.dev/errors/not-found");
    expect(toProblemDetails(SAMPLES["`DOMAIN_FREE_MAIL`"]!, { typeBase: "https://api.example/problems/" }).type).toBe("https://api.example/problems/domain-free-mail");
    const titles = new Map<OrgKitErrorCode, string>();
    for (const error of Object.values(SAMPLES)) {
      const { title } = toProblemDetails(error);
      expect(titles.get(error.code) ?? title, error.code).toBe(title); // the same for every occurrence of a code
      titles.set(error.code, title);
    }
  });

  it("maps orgkit's paths to the request's: a prefix, then mapPath", () => {
    const error = validationError("bad", [
      { path: "address.country", message: "bad", code: "invalid_format" },
      { path: "", message: "bad", code: "invalid_type" },
    ]);
    expect(toProblemDetails(error, { pathPrefix: "organization" }).issues.map((i) => i.path)).toEqual(["organization.address.country", "organization"]);
    const pointer = (path: string) => `/${path.split(".").join("/")}`;
    expect(toProblemDetails(error, { pathPrefix: "body", mapPath: pointer }).issues.map((i) => i.path)).toEqual(["/body/address/country", "/body"]);
    // The error itself keeps orgkit's paths.
    expect(error.details.issues[0]!.path).toBe("address.country");
  });

  it("a bad email of a user's `emails.0` reports its path, and an issue, in the request's terms", async () => {
    const { kit } = await setup();
    const error = await rejects(kit.users.upsert(admin, { id: "u1", emails: ["ok@acme.example", "not-an-email"] }), "INVALID_EMAIL");
    expect(error.details.path).toBe("emails.1");
    const problem = toProblemDetails(error, { pathPrefix: "user" });
    expect(problem).toMatchObject({ status: 400, code: "INVALID_EMAIL", path: "user.emails.1", reason: "missing_at", value: "not-an-email" });
    expect(problem.issues).toEqual([{ path: "user.emails.1", message: problem.detail, code: "missing_at" }]);
  });

  it("an all-or-nothing import: the first row's code, every row's issues, and the rows' paths mapped", async () => {
    const { kit } = await setup();
    const rows = [
      { externalId: "A", name: "A" },
      { externalId: "B", name: "B", address: { country: "Atlantis" } },
    ];
    const error = await rejects(kit.organizations.import(admin, rows), "VALIDATION_FAILED");
    const problem = toProblemDetails(error, { pathPrefix: "body" });
    expect(problem.detail).toMatch(/^Import failed: 1 of \d+ rows failed \(first: row 1, /);
    expect(problem.issues.map((i) => i.path)).toEqual(["body.rows.1.address.country"]);
    expect(problem.result?.rows.find((r) => r.row === 1)?.error?.issues.map((i) => i.path)).toEqual(["body.rows.1.address.country"]);
  });

  it("a move into a loop fails the import with the row's own details (HIERARCHY_CYCLE: childId, parentId)", async () => {
    const { kit } = await setup();
    const a = await kit.organizations.create(admin, { name: "A", externalId: "A" });
    await kit.organizations.create(admin, { name: "B", externalId: "B", parentId: a.id });
    const error = await rejects(kit.organizations.import(admin, [{ externalId: "A", name: "A", parentExternalId: "B" }]), "HIERARCHY_CYCLE");
    expect(error.details).toMatchObject({ childId: a.id, path: expect.any(Array), issues: [expect.objectContaining({ path: "rows.0" })], result: expect.objectContaining({ failed: 1 }) });
    const problem = toProblemDetails(error);
    expect(problem).toMatchObject({ status: 409, code: "HIERARCHY_CYCLE", childId: a.id });
    expect(problem).not.toHaveProperty("path");
  });

  it("never throws, and renders an error whose details are not its code's shape without them", () => {
    const malformed = new OrgKitError("STORAGE_FAILURE", "x");
    Object.defineProperty(malformed, "details", { get: () => { throw new Error("getter"); } });
    expect(toProblemDetails(malformed)).toMatchObject({ status: 500, code: "STORAGE_FAILURE" });
    const foreign = new OrgKitError("CONFLICT", "x", { details: { reason: "unheard_of" } as never });
    expect(() => toProblemDetails(foreign)).not.toThrow();
    expect(toProblemDetails(foreign)).toMatchObject({ status: 409, code: "CONFLICT", detail: "The request conflicts with the current state of the data" });
    expect(JSON.stringify(toProblemDetails(foreign))).not.toContain("unheard_of");
    const unknownCode = new OrgKitError("VALIDATION_FAILED", "x", { details: { issues: [] } });
    Object.defineProperty(unknownCode, "code", { value: "FROM_A_NEWER_VERSION" });
    expect(toProblemDetails(unknownCode)).toEqual({ type: "about:blank", title: "Internal Server Error", status: 500 });
  });

  it("anything that is not an orgkit error is a bare 500: no message, no stack, no cause", () => {
    const secret = Object.assign(new Error("password=hunter2 at db.internal:5432"), { code: "ECONNREFUSED" });
    const problem = toProblemDetails(secret, { instance: "/x" });
    expect(problem).toEqual({ type: "about:blank", title: "Internal Server Error", status: 500, instance: "/x" });
    expect(isOrgKitError(secret)).toBe(false);
  });

  it("storage faults say nothing of the driver, the SQL or the operation", () => {
    for (const error of [SAMPLES["`STORAGE_FAILURE` other"]!, SAMPLES["`STORAGE_TIMEOUT`"]!, SAMPLES["`CONFLICT` `serialization`"]!]) {
      const text = JSON.stringify(toProblemDetails(error));
      for (const internal of ["secret", "uuid", "22P02", "55P03", "40001", "organizations.", "transaction (commit)", "lock timeout"]) expect(text, error.code).not.toContain(internal);
    }
    const unique = toOrgKitError(Object.assign(driverError("23505", "duplicate key value violates unique constraint"), { constraint: "organizations_external_id_key", table: "organizations", detail: "Key (tenant_id, external_id)=(t, CUST-9) already exists." }), "organizations.insert");
    expect(isOrgKitError(unique, "CONFLICT") && unique.details.reason === "unique" && unique.details.constraint).toBe("organizations_external_id_key");
    const text = JSON.stringify(toProblemDetails(unique));
    for (const internal of ["organizations_external_id_key", "CUST-9", "tenant_id", "organizations.insert"]) expect(text).not.toContain(internal);
    expect(toProblemDetails(unique)).toMatchObject({ status: 409, reason: "unique", detail: "A unique value is already taken" });
  });

  it("the system actor's errors render the same way (the rendering does not depend on who acted)", async () => {
    const { kit } = await setup();
    const error = await rejects(kit.organizations.create(system, { name: "" }), "VALIDATION_FAILED");
    expect(toProblemDetails(error).status).toBe(400);
  });
});
