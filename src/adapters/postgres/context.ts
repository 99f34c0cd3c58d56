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
  /**
   * The tenant every statement is scoped to, as a SQL string literal (`'acme'`): checked by
   * `checkTenant`, whose alphabet has no quote or backslash. A literal rather than a bound
   * parameter, so the planner prunes partitions at plan time and a distributed engine
   * routes the statement by it.
   */
  readonly tenant: string;
  /**
   * The statement that serializes the tenant's writers from the point it runs to commit:
   * an advisory transaction lock on a key of (schema, tenant). Event and change-feed
   * appends take it before they draw a number, so within a tenant numbering order is
   * commit order, while other tenants write on undisturbed.
   */
  readonly writeLock: string;
  /** The tenant id itself (checked), e.g. for NOTIFY payloads. */
  readonly tenantId: string;
  readonly tables: TableNames;
  readonly settings: AdapterSettings;
  /**
   * In a transaction's session: the events this transaction appended, which the change
   * feed may then store by reference, by sequence, rather than as a second copy. `null`
   * outside a transaction.
   */
  readonly appendedEvents: AppendedEvents | null;
}

/**
 * The events a transaction appended, as stored (their JSON, by sequence), forgotten with
 * the savepoint they were appended under.
 */
export class AppendedEvents {
  private readonly order: number[] = [];
  private readonly stored = new Map<number, { readonly json: string; readonly event: object }>();

  /** Records event `sequence`: its stored JSON, and the object `events.append` returned for it. */
  add(sequence: number, json: string, event: object): void {
    this.order.push(sequence);
    this.stored.set(sequence, { json, event });
  }

  /**
   * Whether `event` is what this transaction stored as its sequence: the very object
   * `events.append` returned (the facade's case), or one with the same stored JSON (a copy).
   */
  holds(event: { readonly sequence: number }, json: (event: never) => string): boolean {
    const stored = this.stored.get(event.sequence);
    return stored !== undefined && (stored.event === event || stored.json === json(event as never));
  }

  /** A mark to roll back to (see {@link AppendedEvents.rollBackTo}). */
  mark(): number {
    return this.order.length;
  }

  /** Forgets the events appended after `mark`: their savepoint was rolled back, and so were their rows. */
  rollBackTo(mark: number): void {
    for (const sequence of this.order.splice(mark)) this.stored.delete(sequence);
  }
}
