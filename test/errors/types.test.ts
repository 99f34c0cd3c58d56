/**
 * Type-level tests of the error types. They run in CI through `npm run typecheck`
 * (`tsc --noEmit` covers test/): a wrong `expectTypeOf` or an `@ts-expect-error` that no
 * longer finds its error fails the type check. The `it` blocks also run (as no-ops at
 * run time) so that the file is part of the test suite.
 */
import { describe, expectTypeOf, it } from "vitest";
import {
  isOrgKitError,
  OrgKitError,
  toProblemDetails,
  httpStatusOf,
  type AnyOrgKitError,
  type ConflictReason,
  type ImportResult,
  type OrgKitErrorCode,
  type OrgKitErrorDetails,
  type OrgKitErrorOf,
  type OrgKitPublicDetails,
  type ProblemDetails,
  type RetryAdvice,
  type ValidationIssue,
  retryAdviceOf,
} from "../../src/index.js";
import { uniqueConflict, validationError } from "../../src/storage/index.js";

/** What a `catch` clause holds (at run time not an orgkit error: the narrowed branches are for the type checker). */
const thrown: unknown = new Error("not an orgkit error");

describe("details are typed by code", () => {
  it("isOrgKitError(e, code) narrows details to that code's", () => {
    if (isOrgKitError(thrown, "VALIDATION_FAILED")) {
      expectTypeOf(thrown).toEqualTypeOf<OrgKitError<"VALIDATION_FAILED">>();
      expectTypeOf(thrown.details.issues).toEqualTypeOf<readonly ValidationIssue[]>();
      // @ts-expect-error VALIDATION_FAILED has no `entity`
      void thrown.details.entity;
    }
    if (isOrgKitError(thrown, "NOT_FOUND")) {
      expectTypeOf(thrown.details.entity).toEqualTypeOf<string>();
      expectTypeOf(thrown.details.id).toEqualTypeOf<string | undefined>();
    }
    if (isOrgKitError(thrown, "STORAGE_TIMEOUT")) {
      expectTypeOf(thrown.details.commitUnknown).toEqualTypeOf<boolean>();
    }
  });

  it("testing error.code narrows details (a discriminated union over the codes)", () => {
    if (isOrgKitError(thrown)) {
      expectTypeOf(thrown).toEqualTypeOf<AnyOrgKitError>();
      // @ts-expect-error not every code's details have `issues` required… nor `reason`
      void thrown.details.reason;
      if (thrown.code === "HIERARCHY_CYCLE") expectTypeOf(thrown.details.path).toEqualTypeOf<readonly string[]>();
      if (thrown.code === "CONFLICT") {
        expectTypeOf(thrown.details.reason).toEqualTypeOf<ConflictReason>();
        if (thrown.details.reason === "version") expectTypeOf(thrown.details.actualVersion).toEqualTypeOf<number | null>();
        if (thrown.details.reason === "serialization") expectTypeOf(thrown.details.attempts).toEqualTypeOf<number>();
      }
    }
  });

  it("a union of codes gives a union of errors", () => {
    expectTypeOf<OrgKitErrorOf<"NOT_FOUND" | "FORBIDDEN">>().toEqualTypeOf<OrgKitError<"NOT_FOUND"> | OrgKitError<"FORBIDDEN">>();
    if (isOrgKitError(thrown, "NOT_FOUND" as "NOT_FOUND" | "FORBIDDEN")) {
      expectTypeOf(thrown).toEqualTypeOf<OrgKitError<"NOT_FOUND"> | OrgKitError<"FORBIDDEN">>();
    }
  });

  it("any code's details may carry an all-or-nothing import's result", () => {
    if (isOrgKitError(thrown, "FORBIDDEN")) expectTypeOf(thrown.details.result).toEqualTypeOf<ImportResult | undefined>();
  });
});

describe("building an error checks its details against its code", () => {
  it("accepts the code's details, and requires them when they have required members", () => {
    new OrgKitError("NOT_FOUND", "No organization", { details: { entity: "organization", id: "o1" } });
    new OrgKitError("STORAGE_FAILURE", "down"); // every member optional: no options needed
    expectTypeOf(validationError("bad", [])).toEqualTypeOf<OrgKitError<"VALIDATION_FAILED">>();
    // @ts-expect-error VALIDATION_FAILED needs `details.issues`
    new OrgKitError("VALIDATION_FAILED", "bad");
    // @ts-expect-error NOT_FOUND's details need `entity`
    new OrgKitError("NOT_FOUND", "gone", { details: { id: "o1" } });
    // @ts-expect-error a detail the code does not declare
    new OrgKitError("NOT_FOUND", "gone", { details: { entity: "organization", sql: "SELECT 1" } });
    // @ts-expect-error CONFLICT's reason is a closed union
    new OrgKitError("CONFLICT", "taken", { details: { reason: "taken" } });
  });

  it("refuses details when the code is only known as a union of codes with different details", () => {
    const code = "NOT_FOUND" as OrgKitErrorCode;
    // @ts-expect-error the details could not be checked against the code
    new OrgKitError(code, "x", { details: { entity: "organization" } });
    // Codes that share one details type are fine.
    const invalid = "INVALID_EMAIL" as "INVALID_EMAIL" | "INVALID_PHONE";
    new OrgKitError(invalid, "x", { details: { value: "x", reason: "missing_at" } });
  });
});

describe("every code has its details, its public details and its HTTP row", () => {
  it("the maps are keyed by exactly the codes (a new code does not compile until it has both)", () => {
    expectTypeOf<keyof OrgKitErrorDetails>().toEqualTypeOf<OrgKitErrorCode>();
    expectTypeOf<keyof OrgKitPublicDetails>().toEqualTypeOf<OrgKitErrorCode>();
  });
});

describe("public renderings carry only public details", () => {
  it("toJSON leaves server-side members out of the type", () => {
    const forbidden = new OrgKitError("FORBIDDEN", "no", { details: { actor: { type: "user", id: "u" }, action: "x", reason: "y", explanation: "z" } });
    const json = forbidden.toJSON();
    expectTypeOf(json.code).toEqualTypeOf<"FORBIDDEN">();
    expectTypeOf(json.details.reason).toEqualTypeOf<string | undefined>();
    // @ts-expect-error the evaluator's full explanation is for the logs
    void json.details.explanation;
    // @ts-expect-error the actor's own id is not repeated
    void json.details.actor;
    const conflict = uniqueConflict("taken", { field: "name", existingId: "o2" }).toJSON();
    if (conflict.details.reason === "unique") {
      expectTypeOf(conflict.details.field).toEqualTypeOf<string | undefined>();
      // @ts-expect-error the holder of the value may be a record the actor may not see
      void conflict.details.existingId;
      // @ts-expect-error no constraint names
      void conflict.details.constraint;
    }
    const cycle = new OrgKitError("HIERARCHY_CYCLE", "loop", { details: { path: ["a", "b", "a"] } }).toJSON();
    // @ts-expect-error the loop may pass through organizations the actor may not read
    void cycle.details.path;
  });

  it("toProblemDetails is typed by the error's code, and plain for anything else", () => {
    const problem = toProblemDetails(validationError("bad", []), { pathPrefix: "body" });
    expectTypeOf(problem.code).toEqualTypeOf<"VALIDATION_FAILED">();
    expectTypeOf(problem.status).toEqualTypeOf<number>();
    expectTypeOf(problem.retryable).toEqualTypeOf<boolean>();
    expectTypeOf(problem.issues).toEqualTypeOf<readonly ValidationIssue[]>();
    expectTypeOf(toProblemDetails(thrown)).toEqualTypeOf<ProblemDetails>();
    expectTypeOf(httpStatusOf(thrown)).toEqualTypeOf<number>();
    expectTypeOf(retryAdviceOf(thrown)).toEqualTypeOf<RetryAdvice>();
    // @ts-expect-error options are checked
    toProblemDetails(thrown, { pathPrefx: "body" });
  });
});
