/**
 * An immutable map that can be "changed" cheaply: a large shared base plus a small
 * overlay of changed entries. `Policy.withChanges` uses it so that changing one
 * membership of one user among a million does not copy the user table: the new
 * policy shares the base with the old one and copies only the overlay.
 *
 * The overlay is merged into a fresh base once it grows past about 4·√(base size)
 * entries, so a change costs O(√n) amortized and a lookup at most two `Map.get`s.
 *
 * @module
 */

const REMOVED: unique symbol = Symbol("removed");
type Slot<V> = V | typeof REMOVED;

/** A read-only map made of a shared base and a small overlay. */
export class LayeredMap<K, V> {
  private constructor(
    private readonly base: ReadonlyMap<K, V>,
    /** `null` when empty, so the common lookup is a single `Map.get`. */
    private readonly overlay: ReadonlyMap<K, Slot<V>> | null,
  ) {}

  /** Wraps `base` (which must not be mutated afterwards). */
  static of<K, V>(base: ReadonlyMap<K, V>): LayeredMap<K, V> {
    return new LayeredMap(base, null);
  }

  /** The value for `key`, or `undefined`. */
  get(key: K): V | undefined {
    if (this.overlay === null) return this.base.get(key);
    const slot = this.overlay.get(key);
    if (slot === undefined) return this.base.get(key);
    return slot === REMOVED ? undefined : slot;
  }

  /** True when `key` has a value. */
  has(key: K): boolean {
    return this.get(key) !== undefined;
  }

  /** Every entry (base entries shadowed by the overlay are skipped). */
  *entries(): IterableIterator<[K, V]> {
    const overlay = this.overlay;
    for (const entry of this.base) if (overlay === null || !overlay.has(entry[0])) yield entry;
    if (overlay !== null) for (const [key, slot] of overlay) if (slot !== REMOVED) yield [key, slot];
  }

  /** Starts a batch of changes; `commit()` returns the new map and leaves this one untouched. */
  edit(): LayeredMapDraft<K, V> {
    return new LayeredMapDraft(this.base, this.overlay, (base, overlay) => {
      const limit = Math.max(64, 4 * Math.sqrt(base.size));
      if (overlay.size <= limit) return new LayeredMap<K, V>(base, overlay);
      // Merge: O(n) now, but only once every ~4·√n changes.
      const merged = new Map(base);
      for (const [key, slot] of overlay) {
        if (slot === REMOVED) merged.delete(key);
        else merged.set(key, slot);
      }
      return new LayeredMap<K, V>(merged, null);
    });
  }
}

/** A batch of changes to a {@link LayeredMap}; the overlay is copied on the first write only. */
export class LayeredMapDraft<K, V> {
  private written: Map<K, Slot<V>> | null = null;

  /** @internal Use {@link LayeredMap.edit}. */
  constructor(
    private readonly base: ReadonlyMap<K, V>,
    private readonly overlay: ReadonlyMap<K, Slot<V>> | null,
    private readonly finish: (base: ReadonlyMap<K, V>, overlay: ReadonlyMap<K, Slot<V>>) => LayeredMap<K, V>,
  ) {}

  /** The value for `key` including this batch's writes. */
  get(key: K): V | undefined {
    const layer = this.written ?? this.overlay;
    if (layer !== null) {
      const slot = layer.get(key);
      if (slot !== undefined) return slot === REMOVED ? undefined : slot;
    }
    return this.base.get(key);
  }

  /** Sets `key` to `value`. */
  set(key: K, value: V): void {
    this.layer().set(key, value);
  }

  /** Removes `key`. */
  delete(key: K): void {
    this.layer().set(key, REMOVED);
  }

  /** The new map. */
  commit(): LayeredMap<K, V> {
    if (this.written === null) return this.overlay === null ? LayeredMap.of(this.base) : this.finish(this.base, this.overlay);
    return this.finish(this.base, this.written);
  }

  private layer(): Map<K, Slot<V>> {
    this.written ??= new Map(this.overlay ?? []);
    return this.written;
  }
}
