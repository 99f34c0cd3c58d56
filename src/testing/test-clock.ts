import { OrgKitError } from "../errors.js";
import { describeValue, invalidArgument, optionalOfType, readFields, unreadable } from "../domain/argument-guards.js";

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

function toMs(time: unknown, path: string): number {
  let ms: number;
  try {
    if (typeof time === "string") ms = Date.parse(time);
    else if (time instanceof Date) ms = time.getTime();
    else throw invalidArgument("time", path, `must be an ISO 8601 string or a Date, not ${describeValue(time)}`, "invalid_type");
  } catch (error) {
    // `instanceof` on a revoked proxy throws.
    throw unreadable(error, "time", path);
  }
  if (Number.isNaN(ms)) {
    throw new OrgKitError("VALIDATION_FAILED", `Invalid ${path}: not a date`, { details: { issues: [{ path, message: "not a date", code: "invalid_date" }] } });
  }
  return ms;
}

const OPTION_KEYS = ["stepMs"] as const;

/**
 * A deterministic clock: `now()` returns `start`, then `start + step`, `start + 2·step`…
 * (each call returns a fresh `Date`). Pass it where orgkit takes a clock.
 *
 * @throws `OrgKitError` `VALIDATION_FAILED` for a `start` that is not a date (an ISO
 *   8601 string or a `Date`), a `stepMs` that is not a finite number, or options that are
 *   not an object or cannot be read; `set` and `advance` check their argument the same way.
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
export function createTestClock(start: string = DEFAULT_TEST_START, options?: TestClockOptions): TestClock {
  const step = optionalOfType(readFields(options, OPTION_KEYS, "test clock options", "options").stepMs, "number", "test clock options", "stepMs") ?? 1000;
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
