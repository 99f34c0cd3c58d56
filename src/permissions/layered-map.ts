/**
 * An immutable map that can be "changed" cheaply: a large shared base plus a small
 * overlay of changed entries. `Policy.withChanges` uses it so that changing one
 * membership of one user among a million does not copy the user table: the new
 * policy shares the base with the old one and copies only the overlay.
 *
 * The overlay is merged into a fresh base once it grows past about 4·√(base size)
 * entries, so a change costs O(√n) amortized and a lookup at most two `Map.get`s.
 *
 * A map may also keep, beside its base, a number packed from each value (`of(base,
 * pack)`), for a hot path that needs only a few small fields of the value (an
 * organization's index and state mask). `packed(key)` answers from a `Map` of numbers
 * without touching the value, and usually without probing the overlay: on a large
 * table asked in random order, reading the value is a cache miss that costs as much as
 * the lookup itself, and a `Map.get` that misses even a small overlay costs about half
 * as much again.
 *
 * @module
 */

const REMOVED: unique symbol = Symbol("removed");
type Slot<V> = V | typeof REMOVED;

/** How a {@link LayeredMap} packs its values into numbers, and its packed base. */
interface Packing<K, V> {
  readonly pack: (value: V) => number;
  /** `pack(value)` of every base entry. */
  readonly base: ReadonlyMap<K, number>;
}

/** A read-only map made of a shared base and a small overlay. */
export class LayeredMap<K, V> {
  /**
   * With packing and an overlay: the packed base values of the keys the overlay
   * shadows (set or removed), so that `packed` probes the overlay only for those (and a
   * few false positives). `null` otherwise.
   */
  private readonly shadowed: NumberFilter | null;

  private constructor(
    private readonly base: ReadonlyMap<K, V>,
    /** `null` when empty, so the common lookup is a single `Map.get`. */
    private readonly overlay: ReadonlyMap<K, Slot<V>> | null,
    /** `null` when the map packs nothing (see {@link LayeredMap.packed}). */
    private readonly packing: Packing<K, V> | null,
  ) {
    this.shadowed = packing === null || overlay === null ? null : shadowFilter(packing.base, overlay);
  }

  /**
   * Wraps `base` (which must not be mutated afterwards). With `pack`, the map also
   * keeps `pack(value)` of every entry for {@link LayeredMap.packed}: one more `Map` of
   * numbers, built in O(n) here (or given as `packedBase`, by a caller that built it
   * alongside `base`) and again at each merge.
   */
  static of<K, V>(base: ReadonlyMap<K, V>, pack?: (value: V) => number, packedBase?: ReadonlyMap<K, number>): LayeredMap<K, V> {
    return new LayeredMap(base, null, pack === undefined ? null : { pack, base: packedBase ?? packAll(base, pack) });
  }

  /** The value for `key`, or `undefined`. */
  get(key: K): V | undefined {
    if (this.overlay === null) return this.base.get(key);
    const slot = this.overlay.get(key);
    if (slot === undefined) return this.base.get(key);
    return slot === REMOVED ? undefined : slot;
  }

  /**
   * `pack(value)` of the value for `key` (`pack` as given to {@link LayeredMap.of}), or
   * `undefined` when there is none or the map packs nothing. Equal to
   * `pack(get(key))`, but reads no value of the base.
   */
  packed(key: K): number | undefined {
    const packing = this.packing;
    if (packing === null) return undefined;
    const packed = packing.base.get(key);
    // The base value stands unless the overlay may shadow it (or the key is not in the base).
    if (this.shadowed === null || (packed !== undefined && !this.shadowed.mayHold(packed))) return packed;
    const slot = this.overlay!.get(key);
    if (slot === undefined) return packed;
    return slot === REMOVED ? undefined : packing.pack(slot);
  }

  /** True when `key` has a value. */
  has(key: K): boolean {
    return this.get(key) !== undefined;
  }

  /** @internal Entries in the overlay (0 when merged): for tests and benchmarks. */
  get overlaySize(): number {
    return this.overlay === null ? 0 : this.overlay.size;
  }

  /** Every entry (base entries shadowed by the overlay are skipped). */
  *entries(): IterableIterator<[K, V]> {
    const overlay = this.overlay;
    for (const entry of this.base) if (overlay === null || !overlay.has(entry[0])) yield entry;
    if (overlay !== null) for (const [key, slot] of overlay) if (slot !== REMOVED) yield [key, slot];
  }

  /** Starts a batch of changes; `commit()` returns the new map and leaves this one untouched. */
  edit(): LayeredMapDraft<K, V> {
    return new LayeredMapDraft(this.base, this.overlay, (overlay) => {
      if (overlay === null) return this; // nothing was written
      const { base, packing } = this;
      const limit = Math.max(64, 4 * Math.sqrt(base.size));
      if (overlay.size <= limit) return new LayeredMap<K, V>(base, overlay, packing);
      // Merge: O(n) now, but only once every ~4·√n changes.
      const merged = merge(base, overlay, (value) => value);
      return new LayeredMap<K, V>(merged, null, packing === null ? null : { pack: packing.pack, base: merge(packing.base, overlay, packing.pack) });
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
    /** The map with overlay `written` (the overlay with this batch's writes), or the unchanged map for `null`. */
    private readonly finish: (written: ReadonlyMap<K, Slot<V>> | null) => LayeredMap<K, V>,
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
    return this.finish(this.written);
  }

  private layer(): Map<K, Slot<V>> {
    this.written ??= new Map(this.overlay ?? []);
    return this.written;
  }
}

/**
 * A set of numbers that may hold a number it was not given, never the reverse (a
 * Bloom filter with one hash): one multiply and one bit test per question. Sized at
 * 16 bits per number, so about 1 in 16 numbers it was not given is a false positive.
 */
export class NumberFilter {
  private readonly words: Uint32Array;
  private readonly shift: number;

  constructor(values: Iterable<number>, count: number) {
    const bits = Math.min(24, Math.max(6, Math.ceil(Math.log2(count * 16))));
    this.words = new Uint32Array(1 << (bits - 5));
    this.shift = 32 - bits;
    for (const value of values) {
      const h = this.hash(value);
      this.words[h >>> 5]! |= 1 << (h & 31);
    }
  }

  /** False only when `value` is certainly not in the set. */
  mayHold(value: number): boolean {
    const h = this.hash(value);
    return (this.words[h >>> 5]! & (1 << (h & 31))) !== 0;
  }

  private hash(value: number): number {
    // Fibonacci hashing of the low 32 bits (`Math.imul` truncates any number the same way).
    return Math.imul(value, 0x9e3779b1) >>> this.shift;
  }
}

/** The filter of the packed base values `overlay` shadows (keys it sets or removes that the base holds). */
function shadowFilter<K, V>(packedBase: ReadonlyMap<K, number>, overlay: ReadonlyMap<K, Slot<V>>): NumberFilter {
  const shadowed: number[] = [];
  for (const key of overlay.keys()) {
    const packed = packedBase.get(key);
    if (packed !== undefined) shadowed.push(packed);
  }
  return new NumberFilter(shadowed, shadowed.length);
}

/** A copy of `base` with `overlay` applied, its values mapped by `map`. */
function merge<K, V, T>(base: ReadonlyMap<K, T>, overlay: ReadonlyMap<K, Slot<V>>, map: (value: V) => T): Map<K, T> {
  const merged = new Map(base);
  for (const [key, slot] of overlay) {
    if (slot === REMOVED) merged.delete(key);
    else merged.set(key, map(slot));
  }
  return merged;
}

/** `pack(value)` of every entry of `map`. */
function packAll<K, V>(map: ReadonlyMap<K, V>, pack: (value: V) => number): Map<K, number> {
  const packed = new Map<K, number>();
  for (const [key, value] of map) packed.set(key, pack(value));
  return packed;
}
