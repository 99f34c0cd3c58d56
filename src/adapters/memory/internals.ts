import type { RawTable } from "../../storage/raw-inspector.js";

/**
 * The memory storage's internal hook, for `memoryInspector` (`raw-inspector.ts`,
 * exported by `orgkit/memory`) and for the adapter's own tests. Not part of the
 * public API: it reads the stores' maps directly, bypassing the repositories (and their
 * queue).
 *
 * @internal
 */
export const MEMORY_INTERNALS: unique symbol = Symbol.for("orgkit.memory.internals") as never;

/** The tables the memory storage keeps: the same set the raw inspector counts. @internal */
export type MemoryTable = RawTable;

/** What the internal hook returns. @internal */
export interface MemoryInternals {
  /** The stored row of `table` under `key` (`userId ␀ organizationId` for memberships, `kind ␀ id` for resources, the sequence for events), or null. */
  row(table: MemoryTable, key: string): Readonly<Record<string, unknown>> | null;
  /** The stored setting under `key`, or null. */
  setting(key: string): Readonly<Record<string, unknown>> | null;
  /** Number of rows in `table`. */
  count(table: MemoryTable): number;
  /** The stored challenge of rule `ruleId`, or null. */
  challenge(ruleId: string): Readonly<Record<string, unknown>> | null;
  /** Every stored row of every table (the change feed and the audit trail too), as JSON text, one table per line. */
  dump(): string;
  /** Writes recorded in the journal of the unit of work in progress (0 between units). */
  pendingWrites(): number;
  /** Whether a transaction (or a direct call queued behind one) is pending. */
  busy(): boolean;
}

/** A storage object that carries the internal hook. @internal */
export interface WithMemoryInternals {
  readonly [MEMORY_INTERNALS]: () => MemoryInternals;
}
