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
  readonly row: number;
  readonly externalId: string | null;
  readonly status: "created" | "updated" | "unchanged" | "failed";
  /** The organization's id (for `failed`: `null`). */
  readonly id: string | null;
  /**
   * For `failed`: the error code, its public message (what `error.toJSON().message`
   * says: nothing the actor may not see) and the issues, with paths like
   * `rows.3.address.country`.
   */
  readonly error: { readonly code: string; readonly message: string; readonly issues: readonly ValidationIssue[] } | null;
}

/** The outcome of an import (or, with `dryRun`, what it would be). */
export interface ImportResult {
  readonly dryRun: boolean;
  readonly created: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly failed: number;
  readonly rows: readonly ImportRowResult[];
}
