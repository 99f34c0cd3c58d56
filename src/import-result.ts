/**
 * What a bulk import reports (`kit.organizations.import`). The types live here, below
 * the service layer, because an all-or-nothing import's error carries them
 * (`details.result`, see `src/errors.ts`).
 *
 * @module
 */
import type { ValidationIssue } from "./errors.js";

/** What happened to one row. `row` is the row's index in the batch (0-based). */
export interface ImportRowResult {
  /** The row's index in the batch (0-based). */
  readonly row: number;
  /** The row's external id; `null` when the row was so malformed that it could not be read. */
  readonly externalId: string | null;
  /** What happened (or, with `dryRun`, would happen) to the row. */
  readonly status: "created" | "updated" | "unchanged" | "failed";
  /** The organization's id (for `failed`: `null`). */
  readonly id: string | null;
  /**
   * For `failed`: the error code, its public message (what `error.toJSON().message`
   * says: nothing the actor may not see) and the issues, with paths like
   * `rows.3.address.country`.
   */
  readonly error: {
    /** The error code, one of `OrgKitErrorCode`. */
    readonly code: string;
    /** The error's public message. */
    readonly message: string;
    /** The row's problems, with paths like `rows.3.address.country`. */
    readonly issues: readonly ValidationIssue[];
  } | null;
}

/** The outcome of an import (or, with `dryRun`, what it would be). */
export interface ImportResult {
  /** True for a dry run (`dryRun: true` was asked): nothing was written, the counts say what the import would do. */
  readonly dryRun: boolean;
  /** How many rows created an organization. */
  readonly created: number;
  /** How many rows changed an existing organization. */
  readonly updated: number;
  /** How many rows named an existing organization that already held the row's values. */
  readonly unchanged: number;
  /** How many rows failed. */
  readonly failed: number;
  /** Every row's outcome, in batch order. */
  readonly rows: readonly ImportRowResult[];
}
