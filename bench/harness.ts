/**
 * A tiny benchmark harness shared by every bench file. Each case runs in rounds; a
 * round calls `fn` in a loop for about `roundMs`; the reported figure is the median
 * of the rounds' ops/s (the machine is noisy: medians, not means).
 */

/** Keeps results alive so the JIT cannot drop the measured work. */
export let blackhole: unknown = 0;
/** Stores a value where the JIT cannot prove it unused. */
export function consume(value: unknown): void {
  blackhole = value;
}

export interface MeasureOptions {
  /** Rounds to run (median taken). Default 7. */
  readonly rounds?: number;
  /** Target duration of one round in ms. Default 200. */
  readonly roundMs?: number;
  /** Warm-up duration in ms. Default 200. */
  readonly warmupMs?: number;
}

/**
 * Measures `fn(i)` where `i` counts calls (use it to pick inputs). `fn` should do one
 * operation; batch inside it and pass `opsPerCall` when one call is far below 1 µs.
 * Returns the median ops/s.
 */
export function measure(fn: (i: number) => unknown, opsPerCall = 1, options: MeasureOptions = {}): number {
  const rounds = options.rounds ?? 7;
  const roundMs = options.roundMs ?? 200;
  const warmupMs = options.warmupMs ?? 200;
  let i = 0;
  const warmEnd = performance.now() + warmupMs;
  while (performance.now() < warmEnd) {
    for (let k = 0; k < 100; k++) consume(fn(i++));
  }
  // Calibrate a batch size so the clock is read rarely.
  let batch = 1;
  for (;;) {
    const t0 = performance.now();
    for (let k = 0; k < batch; k++) consume(fn(i++));
    const dt = performance.now() - t0;
    if (dt > 5 || batch > 1 << 26) break;
    batch *= 2;
  }
  const results: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let calls = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < roundMs) {
      for (let k = 0; k < batch; k++) consume(fn(i++));
      calls += batch;
      t = performance.now();
    }
    results.push((calls * opsPerCall) / ((t - t0) / 1000));
  }
  return median(results);
}

/** Median of a list of numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Times `fn` `runs` times and returns the median in milliseconds. */
export function timeMs(fn: () => unknown, runs = 5): number {
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    consume(fn());
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** Async variant of {@link timeMs}. */
export async function timeMsAsync(fn: () => Promise<unknown>, runs = 5): Promise<number> {
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    consume(await fn());
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** A seeded PRNG (mulberry32) so every bench run uses the same data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Formats ops/s for the human-readable table. */
export function formatOps(opsPerSec: number): string {
  if (opsPerSec >= 1e6) return `${(opsPerSec / 1e6).toFixed(2)} M/s`;
  if (opsPerSec >= 1e3) return `${(opsPerSec / 1e3).toFixed(1)} k/s`;
  return `${opsPerSec.toFixed(1)} /s`;
}

/** Prints a table of cases, then the one JSON line every bench ends with. */
export function report(bench: string, opsPerSec: Record<string, number>, ratios: Record<string, number>, extra: Record<string, unknown> = {}): void {
  for (const [name, value] of Object.entries(opsPerSec)) console.log(`${name.padEnd(28)} ${formatOps(value)}`);
  for (const [name, value] of Object.entries(ratios)) console.log(`${name.padEnd(28)} x${value.toFixed(2)}`);
  for (const [name, value] of Object.entries(extra)) console.log(`${name.padEnd(28)} ${String(value)}`);
  const round = (o: Record<string, number>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Number(v.toPrecision(4))]));
  console.log(JSON.stringify({ bench, opsPerSec: round(opsPerSec), ratios: round(ratios), ...extra }));
}
