import { OrgKitError } from "../errors.js";

/** A deterministic clock for tests: see {@link createTestClock}. */
export interface TestClock {
  /** Returns the current time, then moves the clock forward by the step. Safe to pass unbound (`clock: testClock.now`). */
  readonly now: () => Date;
  /** Returns the current time without moving the clock. */
  readonly peek: () => Date;
  /** Moves the clock forward (or back, with a negative value) by `ms` milliseconds. */
  readonly advance: (ms: number) => void;
  /** Sets the clock to a time. */
  readonly set: (time: string | Date) => void;
}

/** Options of {@link createTestClock}. */
export interface TestClockOptions {
  /** Milliseconds added after every `now()` call. Default 1000 (one second); 0 freezes time until `advance`/`set`. */
  readonly stepMs?: number;
}

/** The default start of a test clock. */
export const DEFAULT_TEST_START = "2024-01-01T00:00:00.000Z";

function toMs(time: string | Date, path: string): number {
  const ms = time instanceof Date ? time.getTime() : Date.parse(time);
  if (Number.isNaN(ms)) {
    throw new OrgKitError("VALIDATION_FAILED", `Invalid ${path}: not a date`, { details: { issues: [{ path, message: "not a date", code: "invalid_date" }] } });
  }
  return ms;
}

/**
 * A deterministic clock: `now()` returns `start`, then `start + step`, `start + 2·step`…
 * (each call returns a fresh `Date`). Pass it where orgkit takes a clock.
 *
 * @example
 * ```ts
 * const clock = createTestClock("2026-01-01T00:00:00.000Z");
 * const kit = createOrgKit({ storage: memoryStorage(), clock: clock.now });
 * clock.now().toISOString(); // "2026-01-01T00:00:00.000Z"
 * clock.now().toISOString(); // "2026-01-01T00:00:01.000Z"
 * clock.advance(60_000);
 * ```
 */
export function createTestClock(start: string = DEFAULT_TEST_START, options: TestClockOptions = {}): TestClock {
  const step = options.stepMs ?? 1000;
  if (!Number.isFinite(step)) {
    throw new OrgKitError("VALIDATION_FAILED", "Invalid stepMs: must be a finite number", {
      details: { issues: [{ path: "stepMs", message: "must be a finite number", code: "invalid_type" }] },
    });
  }
  let current = toMs(start, "start");
  return Object.freeze({
    now: () => {
      const time = new Date(current);
      current += step;
      return time;
    },
    peek: () => new Date(current),
    advance: (ms: number) => {
      if (!Number.isFinite(ms)) {
        throw new OrgKitError("VALIDATION_FAILED", "Invalid ms: must be a finite number", {
          details: { issues: [{ path: "ms", message: "must be a finite number", code: "invalid_type" }] },
        });
      }
      current += ms;
    },
    set: (time: string | Date) => {
      current = toMs(time, "time");
    },
  });
}
