/**
 * The one error type orgkit throws. Every public entry point that can fail throws an
 * {@link OrgKitError} whose {@link OrgKitError.code | code} is one of
 * {@link OrgKitErrorCode}; pure evaluators (`orgkit/permissions`) never throw from a
 * check, they return a decision.
 *
 * This module has no runtime imports so that `orgkit/permissions` stays dependency-free.
 *
 * @module
 */

/**
 * Every error code orgkit uses, with when it is thrown. The union is closed: a
 * `switch` or `match(...).exhaustive()` over it is checked by TypeScript.
 */
export const ORGKIT_ERROR_CODES = [
  /** Input failed validation; `details.issues` lists each bad field with its `path`. */
  "VALIDATION_FAILED",
  /** The addressed entity does not exist; `details.entity` and `details.id` say which. */
  "NOT_FOUND",
  /** A stale `expectedVersion`, a unique value already taken, or a serialization failure; `details.reason` says which. */
  "CONFLICT",
  /** The acting user is not allowed to do this; `details` carries the denied decision. */
  "FORBIDDEN",
  /** The organization is discontinued and accepts no new assignments. */
  "ORGANIZATION_DISCONTINUED",
  /** `setParent` named a parent organization that does not exist. */
  "PARENT_NOT_FOUND",
  /** A move would make an organization its own ancestor; `details.path` is the loop. */
  "HIERARCHY_CYCLE",
  /** A move would nest deeper than the configured maximum depth. */
  "MAX_DEPTH_EXCEEDED",
  /** An email address could not be normalized. */
  "INVALID_EMAIL",
  /** A domain name could not be normalized (bad labels, length, an IP address…). */
  "INVALID_DOMAIN",
  /** A username could not be normalized. */
  "INVALID_USERNAME",
  /** A phone number could not be parsed to E.164. */
  "INVALID_PHONE",
  /** A domain rule names a public suffix (`com`, `co.uk`), which would match unrelated people. */
  "DOMAIN_PUBLIC_SUFFIX",
  /** A domain rule names a free-mail provider (`gmail.com`) and free-mail was not allowed. */
  "DOMAIN_FREE_MAIL",
  /** Another organization already claims the same normalized rule value under the `"reject"` policy. */
  "RULE_CONFLICT",
  /** A policy snapshot is structurally malformed; `details.path` names the bad part. */
  "INVALID_SNAPSHOT",
  /** `kit.changes.since(revision)` asked for entries the change feed no longer keeps (`details.horizon`): take a fresh snapshot (`kit.exportSnapshot()`) and follow the feed from its revision. */
  "CHANGES_EXPIRED",
  /**
   * The kit's configuration differs from the one recorded in its storage (another kit
   * recorded it first, or it was adopted since): every use case, `policy`, `can`,
   * `explain`, `exportSnapshot` and `ready()` refuse. `details.differences` lists each
   * differing setting (`{ key, stored, kit }`, e.g. `membershipPolicy`); use the recorded
   * configuration, or adopt this one on purpose (`kit.configuration.adopt`).
   */
  "CONFIGURATION_MISMATCH",
  /**
   * `kit.configuration.adopt` was refused: data in the storage does not fit the kit's
   * configuration (users in several organizations under `"single"`, a removed state or
   * type still in use…). `details.problems` lists each kind of misfit with a count and a
   * few examples; nothing was changed.
   */
  "CONFIGURATION_INCOMPATIBLE",
  /** The storage backend failed; `cause` is the driver's error. */
  "STORAGE_FAILURE",
  /** The storage backend gave up waiting (a statement, lock or idle-transaction timeout…); `details.reason` says which, `details.commitUnknown` whether the write may have happened. */
  "STORAGE_TIMEOUT",
] as const;

/** A stable, UPPER_SNAKE error code. See {@link ORGKIT_ERROR_CODES} for when each is thrown. */
export type OrgKitErrorCode = (typeof ORGKIT_ERROR_CODES)[number];

/** One problem with an input value, as reported in `details.issues` of `VALIDATION_FAILED`. */
export interface ValidationIssue {
  /** Dotted path of the offending field, e.g. `address.country` or `tags.2`. */
  readonly path: string;
  /** Human-readable explanation. */
  readonly message: string;
  /** Machine-readable issue code (zod's issue code, or an orgkit one). */
  readonly code: string;
}

/** Options accepted by the {@link OrgKitError} constructor. */
export interface OrgKitErrorOptions {
  /** Structured data describing the failure (validation issues, the entity, the loop…). */
  readonly details?: Record<string, unknown>;
  /** The underlying error, if any (a driver error, a zod error). */
  readonly cause?: unknown;
}

const BRAND = Symbol.for("orgkit.error");

/**
 * The error orgkit throws. Catch it and switch on `code`:
 *
 * @example
 * ```ts
 * try {
 *   await kit.organizations.create(actor, { name: "" });
 * } catch (error) {
 *   if (isOrgKitError(error) && error.code === "VALIDATION_FAILED") {
 *     console.log(error.details.issues); // [{ path: "name", message: "...", code: "too_small" }]
 *   }
 * }
 * ```
 */
export class OrgKitError extends Error {
  /** Stable code; safe to switch on and to show in API responses. */
  readonly code: OrgKitErrorCode;
  /** Structured data about the failure; always an object (possibly empty). */
  readonly details: Record<string, unknown>;

  constructor(code: OrgKitErrorCode, message: string, options: OrgKitErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "OrgKitError";
    this.code = code;
    this.details = options.details ?? {};
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** A JSON-friendly form (for logs and API responses); omits the stack and cause. */
  toJSON(): { name: string; code: OrgKitErrorCode; message: string; details: Record<string, unknown> } {
    return { name: this.name, code: this.code, message: this.message, details: this.details };
  }
}

/**
 * True when `value` is an {@link OrgKitError}, optionally with the given code. Works
 * across duplicated copies of the package (it checks a global brand, not `instanceof`).
 * Never throws, whatever `value` is.
 */
export function isOrgKitError(value: unknown, code?: OrgKitErrorCode): value is OrgKitError {
  if (typeof value !== "object" || value === null) return false;
  try {
    if ((value as Record<symbol, unknown>)[BRAND] !== true) return false;
    return code === undefined || (value as OrgKitError).code === code;
  } catch {
    // A revoked proxy, or one whose traps throw: not an orgkit error, and never a throw.
    return false;
  }
}

/** Builds a `VALIDATION_FAILED` error from a list of issues. Never throws: a `message` that is not a string is replaced. */
export function validationError(message: string, issues: readonly ValidationIssue[], cause?: unknown): OrgKitError {
  // `Error` converts its message with ToString, which throws for a null-prototype object or a symbol.
  return new OrgKitError("VALIDATION_FAILED", typeof message === "string" ? message : "Validation failed", { details: { issues }, cause });
}

/**
 * `CONFLICT` with `details.reason: "version"`: the stored `entity` is at `actualVersion`
 * (`null` when it does not exist yet), not the `expectedVersion` the caller read.
 */
export function versionConflict(entity: string, id: string, expectedVersion: number, actualVersion: number | null): OrgKitError {
  const text = `The ${printable(entity)} ${printable(id)} is at version ${printable(actualVersion ?? "none")}, not the expected ${printable(expectedVersion)}`;
  return new OrgKitError("CONFLICT", text, { details: { reason: "version", entity, id, expectedVersion, actualVersion } });
}

/** `NOT_FOUND` for a missing `entity` (`details.entity`, `details.id`). */
export function notFound(entity: string, id: string): OrgKitError {
  return new OrgKitError("NOT_FOUND", `No ${printable(entity)} with id '${printable(id)}'`, { details: { entity, id } });
}

/** A value for a message: strings and numbers as they are, anything else (which could throw when converted) named by its type. */
function printable(value: unknown): string {
  return typeof value === "string" || typeof value === "number" ? String(value) : `(${value === null ? "null" : typeof value})`;
}

/** One setting on which a kit's configuration and the recorded one differ (`details.differences` of `CONFIGURATION_MISMATCH`). */
export interface ConfigurationDifference {
  /** The setting's dotted path in the configuration record, e.g. `membershipPolicy`, `customFields.tier.options`. */
  readonly key: string;
  /** The recorded value; absent when the recorded configuration has no such setting. */
  readonly stored?: unknown;
  /** This kit's value; absent when this kit's configuration has no such setting. */
  readonly kit?: unknown;
}

/**
 * `CONFIGURATION_MISMATCH`: the kit's configuration (fingerprint `kitFingerprint`)
 * differs from the one recorded in the storage (`storedFingerprint`) on `differences`.
 * Never throws, whatever it is given.
 */
export function configurationMismatch(differences: readonly ConfigurationDifference[], storedFingerprint: string, kitFingerprint: string): OrgKitError {
  let summary: string;
  try {
    const listed = differences.slice(0, 5).map((d) => `${printable(d.key)}: stored ${shortJson(d.stored)}, this kit ${shortJson(d.kit)}`);
    summary = `${listed.join("; ")}${differences.length > 5 ? `; and ${differences.length - 5} more` : ""}`;
  } catch {
    summary = "see details.differences";
  }
  return new OrgKitError(
    "CONFIGURATION_MISMATCH",
    `This kit's configuration differs from the one recorded in the storage (${summary}). Configure the kit as recorded, or adopt its configuration on purpose with kit.configuration.adopt(actor).`,
    { details: { differences, storedFingerprint, kitFingerprint } },
  );
}

/** One kind of stored data that does not fit a configuration (`details.problems` of `CONFIGURATION_INCOMPATIBLE`). */
export interface ConfigurationProblem {
  /** The setting the data does not fit, e.g. `membershipPolicy`. */
  readonly key: string;
  /** What does not fit, e.g. `users_in_several_organizations`, `state_in_use`. */
  readonly code: string;
  readonly message: string;
  /** How many records do not fit. */
  readonly count: number;
  /** Up to 20 of them (ids and what is wrong with each). */
  readonly examples: readonly unknown[];
}

/** `CONFIGURATION_INCOMPATIBLE`: adopting `fingerprint` was refused because of `problems`. Never throws, whatever it is given. */
export function configurationIncompatible(problems: readonly ConfigurationProblem[], fingerprint: string): OrgKitError {
  let summary: string;
  try {
    summary = problems.map((p) => `${printable(p.message)} (${printable(p.count)})`).join("; ");
  } catch {
    summary = "see details.problems";
  }
  return new OrgKitError("CONFIGURATION_INCOMPATIBLE", `The stored data does not fit this configuration: ${summary}. Nothing was changed.`, {
    details: { problems, fingerprint },
  });
}

/** A value for a message: JSON cut to 120 characters; `(absent)` for `undefined`. */
function shortJson(value: unknown): string {
  if (value === undefined) return "(absent)";
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = `(${typeof value})`;
  }
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
