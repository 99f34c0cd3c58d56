import { OrgKitError, isOrgKitError } from "../../errors.js";

/**
 * The undo log of the unit of work in progress (a transaction, or one direct call).
 *
 * Every write to the store records a closure that puts back what it replaced, so a
 * rollback costs as much as the writes it undoes, never the size of the store (no
 * snapshot copies). Units of work are serialized by the storage, so one journal per
 * storage is enough.
 *
 * @internal
 */
export class Journal {
  private entries: (() => void)[] = [];

  /** Records how to undo a write that has just been applied. */
  record(undo: () => void): void {
    this.entries.push(undo);
  }

  /** Number of recorded writes in the current unit of work (for tests). */
  get size(): number {
    return this.entries.length;
  }

  /**
   * Runs one repository operation so that it applies completely or not at all: when it
   * throws, the writes it made are undone (earlier writes of the transaction stay). An
   * error that is not an `OrgKitError` is a bug or a data-clone failure: it is reported
   * as `STORAGE_FAILURE` with the error as `cause`, as the ports require.
   */
  atomically<T>(op: () => T): T {
    const mark = this.entries.length;
    try {
      return op();
    } catch (error) {
      this.undoTo(mark);
      if (isOrgKitError(error)) throw error;
      throw new OrgKitError("STORAGE_FAILURE", `Memory storage operation failed: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
  }

  /** A position in the current unit's writes, for {@link Journal.undoTo} (a savepoint). */
  mark(): number {
    return this.entries.length;
  }

  /** Undoes the writes recorded after `mark`, newest first (rolls back to a savepoint); earlier writes stay. */
  undoTo(mark: number): void {
    while (this.entries.length > mark) this.entries.pop()!();
  }

  /** Makes the current unit's writes permanent. */
  commit(): void {
    this.entries = [];
  }

  /** Undoes every write of the current unit, newest first. */
  rollback(): void {
    this.undoTo(0);
  }

}
