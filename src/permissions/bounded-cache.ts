/**
 * A bounded cache with approximately least-recently-used eviction, in two
 * generations: entries live in `hot`; when `hot` is full it becomes `cold` (dropping
 * the previous `cold`), and a hit in `cold` moves the entry back to `hot`. A hit in
 * `hot`, the usual case, is a single `Map.get` — a classic LRU would also delete and
 * re-insert on every hit, which costs more than the permission check it serves.
 *
 * @module
 */

/** A bounded key-value cache (at most `capacity` entries). */
export class BoundedCache<K, V> {
  private hot = new Map<K, V>();
  private cold = new Map<K, V>();
  private readonly generation: number;

  /** `capacity` 0 disables caching (every `get` misses). */
  constructor(readonly capacity: number) {
    this.generation = Math.max(1, Math.ceil(capacity / 2));
  }

  /** The cached value, or `undefined`. */
  get(key: K): V | undefined {
    const value = this.hot.get(key);
    return value !== undefined ? value : this.getCold(key);
  }

  /** A miss in `hot`: the entry from `cold`, moved back to `hot`. */
  private getCold(key: K): V | undefined {
    if (this.cold.size === 0) return undefined;
    const old = this.cold.get(key);
    if (old !== undefined) {
      this.cold.delete(key);
      this.promote(key, old);
    }
    return old;
  }

  /** Stores `value` (no-op when the capacity is 0). */
  set(key: K, value: V): void {
    if (this.capacity === 0) return;
    this.cold.delete(key);
    this.promote(key, value);
  }

  /** Number of cached entries. */
  get size(): number {
    return this.hot.size + this.cold.size;
  }

  /** Every cached entry. */
  *entries(): IterableIterator<[K, V]> {
    yield* this.cold;
    yield* this.hot;
  }

  /**
   * A new cache of the same capacity holding `map(value, key)` for every entry where it
   * is not `undefined` (cost: one pass over this cache; this cache is left unchanged).
   */
  map(map: (value: V, key: K) => V | undefined): BoundedCache<K, V> {
    const next = new BoundedCache<K, V>(this.capacity);
    for (const [key, value] of this.entries()) {
      const mapped = map(value, key);
      if (mapped !== undefined) next.set(key, mapped);
    }
    return next;
  }

  private promote(key: K, value: V): void {
    this.hot.set(key, value);
    if (this.hot.size >= this.generation) {
      this.cold = this.hot;
      this.hot = new Map();
    }
  }
}
