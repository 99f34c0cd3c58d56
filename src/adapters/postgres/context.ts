/**
 * What every repository of the PostgreSQL adapter is built from.
 *
 * @module
 */
import type { SqlExecutor } from "./executor.js";
import type { TableNames } from "./sql.js";

/** Adapter-wide settings the repositories follow. */
export interface AdapterSettings {
  /** Active organizations' names are unique case-insensitively (enforced by a unique index). */
  readonly uniqueNames: boolean;
  /** Event appends take a table lock so that sequence order is commit order. */
  readonly orderedEvents: boolean;
  /** The NOTIFY channel of the change feed (see `changeChannel`). */
  readonly changeChannel: string;
}

/** A repository's view of the adapter: where to run statements, which tables, which settings. */
export interface RepositoryContext {
  readonly executor: SqlExecutor;
  readonly tables: TableNames;
  readonly settings: AdapterSettings;
}
