/**
 * Fixed-size bitsets over `Uint32Array` words. Permission sets are bitsets indexed by
 * dense permission ids, so "does this subject have permission p" is one array read
 * and one mask, and "union of these groups" is a few word-wise ORs.
 *
 * @module
 */

/** Words needed for `bits` bits (at least one, so every set has a word to read). */
export function wordsFor(bits: number): number {
  return Math.max(1, (bits + 31) >>> 5);
}

/** True when bit `index` is set in `set`. */
export function hasBit(set: Uint32Array, index: number): boolean {
  return ((set[index >>> 5] ?? 0) & (1 << (index & 31))) !== 0;
}

/** Sets bit `index` in `set`. */
export function setBit(set: Uint32Array, index: number): void {
  set[index >>> 5] = (set[index >>> 5] ?? 0) | (1 << (index & 31));
}

/** ORs `words` words of `source`, starting at `offset`, into `target`. */
export function orInto(target: Uint32Array, source: Uint32Array, offset: number, words: number): void {
  for (let w = 0; w < words; w++) target[w] = (target[w] ?? 0) | (source[offset + w] ?? 0);
}

/** The indices of the set bits, ascending. */
export function setBits(set: Uint32Array): number[] {
  const out: number[] = [];
  for (let w = 0; w < set.length; w++) {
    let word = set[w] ?? 0;
    while (word !== 0) {
      const low = word & -word;
      out.push((w << 5) + (31 - Math.clz32(low)));
      word ^= low;
    }
  }
  return out;
}
