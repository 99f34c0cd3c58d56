/**
 * A sorted set of strings ordered by UTF-16 code unit (JavaScript's `<`, the same order
 * as PostgreSQL's `COLLATE "C"` for the ids orgkit stores).
 *
 * Kept as a list of sorted chunks (each at most {@link MAX_CHUNK} keys) so that adding
 * or removing a key moves at most one chunk's worth of elements: a single sorted array
 * would move half of 100 k keys on every insert of a random id.
 *
 * @internal
 */
const LOAD = 512;
/** A chunk is split in two when it grows past this size. */
const MAX_CHUNK = 2 * LOAD;

/** First index in `keys` whose key is `>= key` (or `> key` when `strict`). */
function bound(keys: readonly string[], key: string, strict: boolean): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const k = keys[mid]!;
    if (k < key || (strict && k === key)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** @internal */
export class SortedKeys {
  private readonly chunks: string[][] = [];
  private count = 0;

  /** Number of keys. */
  get size(): number {
    return this.count;
  }

  /** Index of the first chunk whose last key is `>= key` (`> key` when `strict`); `chunks.length` when none. */
  private chunkIndex(key: string, strict: boolean): number {
    let lo = 0;
    let hi = this.chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const chunk = this.chunks[mid]!;
      const last = chunk[chunk.length - 1]!;
      if (last < key || (strict && last === key)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  has(key: string): boolean {
    const c = this.chunkIndex(key, false);
    const chunk = this.chunks[c];
    if (chunk === undefined) return false;
    return chunk[bound(chunk, key, false)] === key;
  }

  /** Adds `key`; false when it was already there. */
  add(key: string): boolean {
    if (this.chunks.length === 0) {
      this.chunks.push([key]);
      this.count = 1;
      return true;
    }
    const c = Math.min(this.chunkIndex(key, false), this.chunks.length - 1);
    const chunk = this.chunks[c]!;
    const i = bound(chunk, key, false);
    if (chunk[i] === key) return false;
    chunk.splice(i, 0, key);
    this.count++;
    if (chunk.length > MAX_CHUNK) this.chunks.splice(c + 1, 0, chunk.splice(LOAD));
    return true;
  }

  /** Removes `key`; false when it was not there. */
  delete(key: string): boolean {
    const c = this.chunkIndex(key, false);
    const chunk = this.chunks[c];
    if (chunk === undefined) return false;
    const i = bound(chunk, key, false);
    if (chunk[i] !== key) return false;
    chunk.splice(i, 1);
    this.count--;
    if (chunk.length === 0) this.chunks.splice(c, 1);
    return true;
  }

  /**
   * Calls `visit` with each key after `from` in ascending order (keys `>= from` when
   * `inclusive`; every key when `from` is null) until it returns false.
   */
  forEachFrom(from: string | null, inclusive: boolean, visit: (key: string) => boolean): void {
    let c = from === null ? 0 : this.chunkIndex(from, !inclusive);
    let i = from === null || c >= this.chunks.length ? 0 : bound(this.chunks[c]!, from, !inclusive);
    for (; c < this.chunks.length; c++, i = 0) {
      const chunk = this.chunks[c]!;
      for (; i < chunk.length; i++) if (!visit(chunk[i]!)) return;
    }
  }

  /** Up to `limit` keys strictly after `after` (from the start when null), ascending. */
  take(after: string | null, limit: number): string[] {
    const out: string[] = [];
    if (limit <= 0) return out;
    this.forEachFrom(after, false, (key) => {
      out.push(key);
      return out.length < limit;
    });
    return out;
  }

  /** Every key, ascending. */
  toArray(): string[] {
    return this.chunks.length === 1 ? [...this.chunks[0]!] : this.chunks.flat();
  }
}
