import type { Storage } from "../../storage/ports.js";
import type { RawInspector } from "../../storage/raw-inspector.js";
import { testApi } from "./test-api.js";

/** What every sub-suite gets: the storage under test, the inspector, and helpers to register tests. */
export interface ConformanceContext {
  /** The storage of the current test (made in `beforeEach`). */
  readonly storage: Storage;
  /** The raw inspector for the current storage, or null when none was given. */
  readonly inspect: RawInspector | null;
  /**
   * A fresh namespace for the current test (`c0001x`, `c0002x`…): tests put it in every
   * id, name and rule value they create, so they never collide with each other's rows
   * even when the storage is not reset between tests.
   */
  namespace(): string;
  /** Registers a test of the current sub-suite (skipped when listed in `skip`). */
  test(title: string, fn: () => Promise<void>): void;
}

/** A named group of conformance tests, one per repository or concern. */
export interface ConformanceSuite {
  /** The sub-suite's name, as used in `skip` (`"organizations"`, `"search"`…). */
  readonly name: string;
  /** Registers the tests (called inside the sub-suite's `describe`). */
  define(context: ConformanceContext): void;
}

/** The mutable state behind a {@link ConformanceContext}. @internal */
export interface ContextState {
  storage: Storage | null;
  inspect: RawInspector | null;
  namespaces: number;
}

/** Builds the context a sub-suite sees. @internal */
export function createContext(state: ContextState, suite: string, skip: ReadonlySet<string>): ConformanceContext {
  return {
    get storage(): Storage {
      if (state.storage === null) throw new Error("The conformance suite has no storage yet (it is created in beforeEach)");
      return state.storage;
    },
    get inspect(): RawInspector | null {
      return state.inspect;
    },
    namespace(): string {
      state.namespaces += 1;
      return `c${String(state.namespaces).padStart(4, "0")}x`;
    },
    test(title: string, fn: () => Promise<void>): void {
      const { it } = testApi();
      if (skip.has(`${suite} > ${title}`)) it.skip(title, fn);
      else it(title, fn);
    },
  };
}
