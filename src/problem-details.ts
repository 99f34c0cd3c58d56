/**
 * orgkit's errors over HTTP: the status of each code ({@link httpStatusOf}), whether a
 * retry can help ({@link retryAdviceOf}), and the RFC 9457 problem details
 * ({@link toProblemDetails}, served as `application/problem+json`). One table decides
 * all three for every code; a code without a row does not compile.
 *
 * Statuses follow RFC 9110: input that does not fit the schema is 400 (as RFC 9457's own
 * validation example); well-formed input orgkit refuses by policy, or that names a
 * parent that does not exist, is 422; a change that contradicts the current state of the
 * data (a stale version, a taken value, a loop, a discontinued organization) is 409;
 * `CHANGES_EXPIRED` is 410 (the entries are gone for good); a storage that is down or
 * too slow is 503 (temporary; orgkit is the origin server, not a gateway, so not 504);
 * anything else that fails on the server, and every error that is not orgkit's, is 500
 * and says nothing more.
 *
 * @module
 */
import { isOrgKitError, publicRenderingOf, type AnyOrgKitError, type OrgKitError, type OrgKitErrorCode, type OrgKitErrorDetails, type OrgKitPublicDetails, type ValidationIssue } from "./errors.js";
import type { ImportResult } from "./import-result.js";

/** The media type of a problem details body (RFC 9457). */
export const PROBLEM_JSON_CONTENT_TYPE = "application/problem+json";

/**
 * Whether sending the same request again can succeed:
 * - `"retry"`: nothing was written and the cause is passing (a serialization conflict,
 *   a timeout, a lost connection): retry, after a pause;
 * - `"if-idempotent"`: the connection failed while the commit was in flight, so the
 *   change may or may not have been saved (`commitUnknown: true`): retry only a request
 *   that is idempotent (an upsert, an import by external id, a write with
 *   `expectedVersion`), otherwise read back first;
 * - `"no"`: the same request gets the same answer (fix the input, reload, or ask
 *   someone with the rights).
 */
export type RetryAdvice = "retry" | "if-idempotent" | "no";

/** One code's row of the HTTP table. */
interface HttpRow<C extends OrgKitErrorCode> {
  /** RFC 9457 `title`: the same for every occurrence of the code. */
  readonly title: string;
  readonly status: number | ((details: OrgKitErrorDetails[C]) => number);
  readonly retry: RetryAdvice | ((details: OrgKitErrorDetails[C]) => RetryAdvice);
}

/** A storage fault's retry: "retry" unless the commit's outcome is unknown. */
const afterStorageFault = (details: { readonly commitUnknown?: boolean }): RetryAdvice => (details.commitUnknown === true ? "if-idempotent" : "retry");

/**
 * code → title, status, retry. The annotation makes a new code a compile error until
 * it has a row here (and a public rendering in `errors.ts`). Documented in docs/errors.md.
 */
const HTTP_TABLE: { readonly [C in OrgKitErrorCode]: HttpRow<C> } = {
  VALIDATION_FAILED: { title: "Invalid input", status: 400, retry: "no" },
  NOT_FOUND: { title: "Not found", status: 404, retry: "no" },
  CONFLICT: { title: "Conflict", status: 409, retry: (d) => (d.reason === "serialization" ? "retry" : "no") },
  FORBIDDEN: { title: "Forbidden", status: 403, retry: "no" },
  ORGANIZATION_DISCONTINUED: { title: "Organization discontinued", status: 409, retry: "no" },
  PARENT_NOT_FOUND: { title: "Parent organization not found", status: 422, retry: "no" },
  HIERARCHY_CYCLE: { title: "Hierarchy cycle", status: 409, retry: "no" },
  MAX_DEPTH_EXCEEDED: { title: "Hierarchy too deep", status: 409, retry: "no" },
  INVALID_EMAIL: { title: "Invalid email address", status: 400, retry: "no" },
  INVALID_DOMAIN: { title: "Invalid domain name", status: 400, retry: "no" },
  INVALID_USERNAME: { title: "Invalid username", status: 400, retry: "no" },
  INVALID_PHONE: { title: "Invalid phone number", status: 400, retry: "no" },
  DOMAIN_PUBLIC_SUFFIX: { title: "Domain is a public suffix", status: 422, retry: "no" },
  DOMAIN_FREE_MAIL: { title: "Domain is a free-mail provider", status: 422, retry: "no" },
  RULE_CONFLICT: { title: "Member rule conflict", status: 409, retry: "no" },
  INVALID_SNAPSHOT: { title: "Internal Server Error", status: 500, retry: "no" },
  CHANGES_EXPIRED: { title: "Changes expired", status: 410, retry: "no" },
  STORAGE_FAILURE: {
    title: "Storage unavailable",
    status: (d) => (d.reason === "connection_lost" ? 503 : 500),
    retry: (d) => (d.reason === "connection_lost" ? afterStorageFault(d) : "no"),
  },
  STORAGE_TIMEOUT: { title: "Storage timeout", status: 503, retry: afterStorageFault },
  // The token is the request's own data: malformed, unknown or another tenant's is a bad request.
  INVITATION_INVALID: { title: "Invalid invitation", status: 400, retry: "no" },
  // The invitation existed and is no more: 410 Gone (RFC 9110 §15.5.11), as for an expired feed.
  INVITATION_EXPIRED: { title: "Invitation expired", status: 410, retry: "no" },
  INVITATION_REVOKED: { title: "Invitation revoked", status: 410, retry: "no" },
  // Already accepted: the state conflicts with a second acceptance.
  INVITATION_USED: { title: "Invitation already used", status: 409, retry: "no" },
  // The service runs with a configuration its storage does not record: its own fault.
  CONFIGURATION_MISMATCH: { title: "Configuration mismatch", status: 500, retry: "no" },
  // An adoption the stored data does not fit: the state conflicts with the request.
  CONFIGURATION_INCOMPATIBLE: { title: "Configuration incompatible with the stored data", status: 409, retry: "no" },
};

/** The row of an orgkit error, or `null` for anything else. Never throws. */
function rowOf(error: unknown): { readonly error: AnyOrgKitError; readonly row: HttpRow<OrgKitErrorCode> } | null {
  if (!isOrgKitError(error)) return null;
  try {
    const row = (HTTP_TABLE as Record<string, HttpRow<OrgKitErrorCode> | undefined>)[error.code];
    return row === undefined ? null : { error, row };
  } catch {
    return null;
  }
}

/** A row's status or retry for an error (a function of its details, or a constant). */
function resolve<T>(value: T | ((details: never) => T), error: AnyOrgKitError, fallback: T): T {
  if (typeof value !== "function") return value;
  try {
    const details: unknown = error.details;
    return typeof details === "object" && details !== null ? (value as (details: unknown) => T)(details) : fallback;
  } catch {
    return fallback;
  }
}

/**
 * The HTTP status for `error` (RFC 9110): see the table in docs/errors.md. Anything that
 * is not an orgkit error is 500. Never throws.
 *
 * @example
 * ```ts
 * httpStatusOf(validationError("Invalid organization", [])); // 400
 * httpStatusOf(new Error("boom"));                         // 500
 * ```
 */
export function httpStatusOf(error: unknown): number {
  const found = rowOf(error);
  return found === null ? 500 : resolve(found.row.status, found.error, 500);
}

/**
 * Whether sending the same request again can succeed ({@link RetryAdvice}). Anything
 * that is not an orgkit error is `"no"`. Never throws.
 *
 * @example
 * ```ts
 * if (retryAdviceOf(error) === "retry") await sleep(100); // then run the use case again
 * ```
 */
export function retryAdviceOf(error: unknown): RetryAdvice {
  const found = rowOf(error);
  return found === null ? "no" : resolve(found.row.retry, found.error, "no");
}

/** Options of {@link toProblemDetails}. */
export interface ProblemDetailsOptions {
  /**
   * Where the problem types are documented: `type` is this base followed by the code in
   * kebab case (`https://orgkit.dev/errors/validation-failed`). Point it at your own
   * API documentation if you publish one.
   */
  readonly typeBase?: string;
  /** RFC 9457 `instance`: a URI for this occurrence (the request path, a trace id). */
  readonly instance?: string;
  /**
   * Put in front of every path orgkit reports (issues, a bad value's `path`): orgkit's
   * paths name the input it was given (`address.country`); if your handler passed it
   * `body.organization`, `pathPrefix: "organization"` gives `organization.address.country`.
   */
  readonly pathPrefix?: string;
  /**
   * Maps each path orgkit reports to the request's (after `pathPrefix`), e.g. to a JSON
   * Pointer: `(path) => "/" + path.split(".").join("/")`.
   */
  readonly mapPath?: (path: string) => string;
}

/** An RFC 9457 problem details object, with orgkit's extension members. */
export interface ProblemDetails {
  /** A URI naming the problem type; `about:blank` for an error that is not orgkit's. */
  readonly type: string;
  /** A short summary of the problem type, the same for every occurrence. */
  readonly title: string;
  /** The HTTP status ({@link httpStatusOf}). */
  readonly status: number;
  /** A sentence about this occurrence, naming nothing the actor may not see. */
  readonly detail?: string;
  /** A URI for this occurrence (`options.instance`: the request path, a trace id); absent when none was given. */
  readonly instance?: string;
  /** Extension members: `code`, `retryable`, and the error's public details. */
  readonly [extension: string]: unknown;
}

/** The problem details of an orgkit error of code `C`: the standard members, `code`, `retryable`, and the code's public details. */
export type OrgKitProblemDetails<C extends OrgKitErrorCode = OrgKitErrorCode> = {
  /** The problem type's URI: `typeBase` followed by the code in kebab case (`https://orgkit.dev/errors/validation-failed`). */
  readonly type: string;
  /** A short summary of the problem type, the same for every occurrence (`Validation failed`). */
  readonly title: string;
  /** The HTTP status ({@link httpStatusOf}). */
  readonly status: number;
  /** The error's public message: a sentence naming nothing the actor may not see. */
  readonly detail: string;
  /** A URI for this occurrence (`options.instance`); absent when none was given. */
  readonly instance?: string;
  /** The orgkit error code. */
  readonly code: C;
  /** True when sending the same request again, after a pause, can succeed ({@link RetryAdvice} `"retry"`). */
  readonly retryable: boolean;
} & OrgKitPublicDetails[C];

/** Members a public detail may not be named, because RFC 9457 or this module uses them. */
const RESERVED_MEMBERS = ["type", "title", "status", "detail", "instance", "code", "retryable"] as const;
type ReservedMember = (typeof RESERVED_MEMBERS)[number];
/** Every member name of every public details type. */
type PublicMember = { [C in OrgKitErrorCode]: OrgKitPublicDetails[C] extends infer D ? (D extends unknown ? keyof D : never) : never }[OrgKitErrorCode];
/** A compile error when a public detail takes a reserved name (it would overwrite the standard member). */
const NO_RESERVED_DETAIL: [Extract<PublicMember, ReservedMember>] extends [never] ? true : never = true;
void NO_RESERVED_DETAIL;

const DEFAULT_TYPE_BASE = "https://orgkit.dev/errors/";

/**
 * The RFC 9457 problem details for `error`, to send as `application/problem+json`
 * ({@link PROBLEM_JSON_CONTENT_TYPE}) with `status` as the response status. It carries
 * the public rendering only: `detail` and the extension members name nothing the acting
 * user may not see (no ids of records it did not name, no roles of other users, no
 * driver errors, SQL or causes); log the error itself for the rest. Members: `type`,
 * `title`, `status`, `detail`, `instance` (if given), `code`, `retryable`, and the code's
 * public details (`issues` with paths mapped to the request's, `reason`, …). An error
 * that is not orgkit's gives `{ type: "about:blank", title: "Internal Server Error",
 * status: 500 }` and nothing else. Never throws.
 *
 * @example
 * ```ts
 * app.onError((error, c) => {
 *   const problem = toProblemDetails(error, { instance: c.req.path, pathPrefix: "organization" });
 *   if (problem.status >= 500) console.error(error); // the whole error, cause included, for your logs
 *   return c.body(JSON.stringify(problem), problem.status, { "content-type": PROBLEM_JSON_CONTENT_TYPE });
 * });
 * // 400 { type: "https://orgkit.dev/errors/validation-failed", title: "Invalid input", status: 400,
 * //       detail: "Invalid organization at address.country: …", code: "VALIDATION_FAILED", retryable: false,
 * //       issues: [{ path: "organization.address.country", message: "…", code: "invalid_format" }] }
 * ```
 */
export function toProblemDetails<C extends OrgKitErrorCode>(error: OrgKitError<C>, options?: ProblemDetailsOptions): OrgKitProblemDetails<C>;
export function toProblemDetails(error: unknown, options?: ProblemDetailsOptions): ProblemDetails;
export function toProblemDetails(error: unknown, options?: ProblemDetailsOptions): ProblemDetails {
  const { typeBase, instance, mapPath } = readOptions(options);
  const internal: ProblemDetails = { type: "about:blank", title: "Internal Server Error", status: 500, ...instance };
  const found = rowOf(error);
  if (found === null) return internal;
  try {
    const { error: known, row } = found;
    const status = resolve(row.status, known, 500);
    const retry = resolve(row.retry, known, "no");
    const { message, details } = publicRenderingOf(known);
    const members = mapPaths(known.code, details as Readonly<Record<string, unknown>>, message, mapPath);
    // No public detail takes a reserved name (checked by the compiler above); removed anyway, so the standard members stand.
    for (const name of RESERVED_MEMBERS) delete members[name];
    return {
      type: `${typeBase}${known.code.toLowerCase().replaceAll("_", "-")}`,
      title: row.title,
      status,
      detail: message,
      ...instance,
      code: known.code,
      retryable: retry === "retry",
      ...members,
    };
  } catch {
    return internal;
  }
}

/** The options, read once; anything unreadable or of the wrong type is left at its default (a renderer must not fail). */
function readOptions(options: ProblemDetailsOptions | undefined): { typeBase: string; instance: { instance?: string }; mapPath: (path: string) => string } {
  let typeBase = DEFAULT_TYPE_BASE;
  let instance: { instance?: string } = {};
  let prefix: string | null = null;
  let map: ((path: string) => string) | null = null;
  try {
    if (typeof options === "object" && options !== null) {
      const read = { ...options };
      if (typeof read.typeBase === "string") typeBase = read.typeBase;
      if (typeof read.instance === "string") instance = { instance: read.instance };
      if (typeof read.pathPrefix === "string" && read.pathPrefix !== "") prefix = read.pathPrefix;
      if (typeof read.mapPath === "function") map = read.mapPath;
    }
  } catch {
    // A hostile options object: the defaults.
  }
  const mapPath = (path: string) => {
    const prefixed = prefix === null ? path : path === "" ? prefix : `${prefix}.${path}`;
    return map === null ? prefixed : String(map(prefixed));
  };
  return { typeBase, instance, mapPath };
}

/** The public details with every path mapped; a bad value with a `path` also gets `issues`, so every input problem has one list. */
function mapPaths(code: OrgKitErrorCode, details: Readonly<Record<string, unknown>>, message: string, mapPath: (path: string) => string): Record<string, unknown> {
  const out: Record<string, unknown> = { ...details };
  const issues = details["issues"] as readonly ValidationIssue[] | undefined;
  if (issues !== undefined) out["issues"] = issues.map((issue) => ({ ...issue, path: mapPath(issue.path) }));
  const isBadValue = code === "INVALID_EMAIL" || code === "INVALID_DOMAIN" || code === "INVALID_USERNAME" || code === "INVALID_PHONE";
  if (isBadValue && typeof details["path"] === "string") {
    const path = mapPath(details["path"]);
    out["path"] = path;
    if (issues === undefined) out["issues"] = [{ path, message, code: String(details["reason"]) }];
  }
  const result = details["result"] as ImportResult | undefined;
  if (result !== undefined) {
    out["result"] = { ...result, rows: result.rows.map((row) => (row.error === null ? row : { ...row, error: { ...row.error, issues: row.error.issues.map((issue) => ({ ...issue, path: mapPath(issue.path) })) } })) };
  }
  return out;
}
