/**
 * Migration 5, materialized ancestry: filled in by the hierarchy work (issue 13).
 *
 * @module
 */
import type { TableNames } from "./sql.js";

/** The statements of migration 5. */
export function ancestryStatements(_t: TableNames): string[] {
  return ["SELECT 1"];
}
