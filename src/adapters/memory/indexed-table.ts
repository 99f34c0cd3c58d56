import type { Journal } from "./journal.js";

/**
 * A primary map of rows plus the secondary indexes derived from them. Every write goes
 * through {@link IndexedTable.write}, which updates the indexes and records the inverse
 * write in the journal; a rollback replays the inverse writes, so the indexes can never
 * disagree with the rows.
 *
 * @internal
 */
export abstract class IndexedTable<Row> {
  protected readonly rows = new Map<string, Row>();

  constructor(protected readonly journal: Journal) {}

  /** Adds `row`'s entries to the secondary indexes. */
  protected abstract index(key: string, row: Row): void;
  /** Removes `row`'s entries from the secondary indexes. */
  protected abstract unindex(key: string, row: Row): void;

  /** Replaces (or with `undefined` removes) the row under `key`, journaled. */
  protected write(key: string, next: Row | undefined): void {
    const previous = this.rows.get(key);
    if (previous === undefined && next === undefined) return;
    try {
      this.apply(key, previous, next);
    } catch (error) {
      this.recover(key, previous, next);
      throw error;
    }
    this.journal.record(() => this.apply(key, next, previous));
  }

  /**
   * Undoes an `apply` that failed while indexing `next` (a malformed row: a field the
   * indexes iterate is not a list), so the failed write leaves nothing behind. `unindex`
   * walks the same (frozen) row's fields in the same order as `index` and fails at the same
   * field, so it takes back exactly what was indexed; then `previous`, a well-formed stored
   * row, is put back.
   */
  private recover(key: string, previous: Row | undefined, next: Row | undefined): void {
    if (next !== undefined) {
      try {
        this.unindex(key, next);
      } catch {
        // It stopped where `index` stopped.
      }
    }
    if (previous === undefined) {
      this.rows.delete(key);
    } else {
      this.rows.set(key, previous);
      this.index(key, previous);
    }
  }

  private apply(key: string, previous: Row | undefined, next: Row | undefined): void {
    if (previous !== undefined) this.unindex(key, previous);
    if (next === undefined) {
      this.rows.delete(key);
    } else {
      this.rows.set(key, next);
      this.index(key, next);
    }
  }

  /** The rows, for the raw inspector (never exposed to callers of the ports). */
  rawRows(): ReadonlyMap<string, Row> {
    return this.rows;
  }
}
