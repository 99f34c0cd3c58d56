import type { ExpectStatic } from "vitest";

/**
 * The test functions the conformance suite registers its tests with. Pass vitest's
 * (`import { describe, it, beforeEach, expect } from "vitest"`); when none are passed the
 * suite uses the global ones (vitest with `globals: true`, or jest). The suite never
 * imports a test runner itself, so `orgkit/storage` loads under `require` and without vitest.
 */
export interface ConformanceTestApi {
  /** The runner's `describe`, with `describe.skip` for suites an adapter's capabilities rule out. */
  readonly describe: ((name: string, fn: () => void) => void) & {
    /** The runner's `describe.skip`. */
    readonly skip: (name: string, fn: () => void) => void;
  };
  /** The runner's `it` (or `test`), with `it.skip`. */
  readonly it: ((name: string, fn: () => Promise<void>, timeout?: number) => void) & {
    /** The runner's `it.skip`. */
    readonly skip: (name: string, fn: () => Promise<void>) => void;
  };
  /** The runner's `beforeEach`. */
  readonly beforeEach: (fn: () => Promise<void>) => void;
  /** vitest's or jest's `expect`. */
  readonly expect: (value: unknown, message?: string) => unknown;
}

let current: ConformanceTestApi | null = null;

function fromGlobals(): ConformanceTestApi | null {
  const g = globalThis as Record<string, unknown>;
  if (typeof g.describe === "function" && typeof g.it === "function" && typeof g.beforeEach === "function" && typeof g.expect === "function") {
    return { describe: g.describe, it: g.it, beforeEach: g.beforeEach, expect: g.expect } as unknown as ConformanceTestApi;
  }
  return null;
}

/** Chooses the test functions for the suites registered next. */
export function useTestApi(api: ConformanceTestApi | undefined): ConformanceTestApi {
  const chosen = api ?? fromGlobals();
  if (!chosen) {
    throw new Error(
      "runStorageConformance needs test functions: pass { test: { describe, it, beforeEach, expect } } from vitest, or enable vitest's `globals: true`",
    );
  }
  current = chosen;
  return chosen;
}

/** The current test functions. @internal */
export function testApi(): ConformanceTestApi {
  if (!current) throw new Error("The conformance suite's test functions are not set (call runStorageConformance)");
  return current;
}

/** `expect`, delegated to the chosen runner's at call time. @internal */
export const expect: ExpectStatic = new Proxy(function expectProxy() {}, {
  apply: (_target, _this, args: unknown[]) => (testApi().expect as (...a: unknown[]) => unknown)(...args),
  get: (_target, property) => (testApi().expect as unknown as Record<PropertyKey, unknown>)[property],
}) as unknown as ExpectStatic;
