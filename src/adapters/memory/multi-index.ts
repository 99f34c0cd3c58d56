import { SortedKeys } from "./sorted-keys.js";

/**
 * A secondary index: for each key, the sorted set of members (row ids or compound row
 * keys) that have it. Empty sets are dropped so the map never grows with dead keys.
 *
 * @internal
 */
export class MultiIndex {
  private readonly sets = new Map<string, SortedKeys>();

  /** Adds `member` under `key`; true when `key` had no member before. */
  add(key: string, member: string): boolean {
    let set = this.sets.get(key);
    const created = set === undefined;
    if (set === undefined) {
      set = new SortedKeys();
      this.sets.set(key, set);
    }
    set.add(member);
    return created;
  }

  /** Removes `member` from `key`; true when `key` has no member left. */
  remove(key: string, member: string): boolean {
    const set = this.sets.get(key);
    if (set === undefined) return false;
    set.delete(member);
    if (set.size > 0) return false;
    this.sets.delete(key);
    return true;
  }

  /** The members under `key`, or undefined when none. */
  get(key: string): SortedKeys | undefined {
    return this.sets.get(key);
  }

  /** Number of members under `key`. */
  count(key: string): number {
    return this.sets.get(key)?.size ?? 0;
  }
}
