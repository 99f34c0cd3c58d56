/**
 * Migration 4, indexed search: filled in by the indexed-search work (issue 13).
 *
 * @module
 */
import type { TableNames } from "./sql.js";

/** The statements of migration 4. */
export function searchIndexStatements(_t: TableNames): string[] {
  return ["SELECT 1"];
}
