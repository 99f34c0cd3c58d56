import type { Storage } from "../../storage/ports.js";
import { createContext, type ConformanceSuite, type ContextState } from "./context.js";
import { changeFeedSuite } from "./change-feed.js";
import { erasureSuite } from "./erasure.js";
import { eventsSuite } from "./events.js";
import { facadeSuite } from "./facade.js";
import { hierarchyQueriesSuite } from "./hierarchy-queries.js";
import { invitationsSuite } from "./invitations.js";
import { membershipsSuite } from "./memberships.js";
import { organizationsSuite, uniqueNamesSuite } from "./organizations.js";
import { profilesSuite } from "./profiles.js";
import type { RawInspector } from "../../storage/raw-inspector.js";
import { useTestApi, type ConformanceTestApi } from "./test-api.js";
import { resourcesSuite } from "./resources.js";
import { rulesSuite } from "./rules.js";
import { domainProofsSuite } from "./domain-proofs.js";
import { searchConcurrentSuite } from "./search-concurrent.js";
import { searchSuite } from "./search.js";
import { mergeOperationsSuite } from "./merge-operations.js";
import { setOperationsSuite } from "./set-operations.js";
import { settingsSuite } from "./settings.js";
import { transactionsSuite } from "./transactions.js";
import { usergroupsSuite } from "./usergroups.js";
import { usersSuite } from "./users.js";

/** Options of {@link runStorageConformance}. */
export interface StorageConformanceOptions {
  /**
   * Returns the storage to test; called before every test (after `reset`). Return a
   * fresh storage, or the same one emptied by `reset` — or the same one unreset: every
   * test works in its own namespace of ids, names and values and tolerates rows left by
   * other tests of the same run, but a storage must start the run empty.
   */
  readonly storage: () => Storage | Promise<Storage>;
  /** Empties the backend before every test (e.g. `TRUNCATE`). Optional. */
  readonly reset?: () => Promise<void>;
  /**
   * Raw readers of the backend (see {@link RawInspector}); with them the suite also
   * checks that writes persisted and that rollbacks left nothing. Either one inspector,
   * or a function that makes one for the storage of each test.
   */
  readonly inspect?: RawInspector | ((storage: Storage) => RawInspector);
  /**
   * Sub-suites (`"search"`) or single tests (`"search > default page size is 50"`) to
   * skip, for capabilities an adapter does not have — e.g. `"unique-names"` for a storage
   * that leaves name uniqueness to the service.
   */
  readonly skip?: readonly string[];
  /**
   * The test runner's functions: `{ describe, it, beforeEach, expect }` imported from
   * vitest. Default: the global ones (vitest with `globals: true`, or jest).
   */
  readonly test?: ConformanceTestApi;
}

/** Every sub-suite, in the order they run. Their names are what `skip` takes. */
export const STORAGE_CONFORMANCE_SUITES: readonly ConformanceSuite[] = [
  organizationsSuite,
  uniqueNamesSuite,
  hierarchyQueriesSuite,
  changeFeedSuite,
  searchSuite,
  searchConcurrentSuite,
  usersSuite,
  membershipsSuite,
  rulesSuite,
  domainProofsSuite,
  usergroupsSuite,
  profilesSuite,
  resourcesSuite,
  invitationsSuite,
  eventsSuite,
  erasureSuite,
  transactionsSuite,
  setOperationsSuite,
  mergeOperationsSuite,
  settingsSuite,
  facadeSuite,
];

/**
 * The storage conformance suite: registers, with vitest, one `describe` per port
 * (organizations, unique-names, hierarchy-queries, change-feed, search, search-concurrent, users, memberships, rules, domain-proofs,
 * usergroups, profiles, resources, invitations, events, erasure, transactions, set-operations, merge-operations, settings) checking every contract stated
 * in the storage ports — not-found results, detached objects, `CONFLICT` reasons,
 * orderings, pagination and keyset cursors, search filters, hierarchy traversals, rule
 * matching, exclusive rule claims, commit, rollback and concurrency — plus `facade`, which
 * runs the use cases end to end through `createOrgKit` on the storage. Call it at the top
 * level of a test file, passing the runner's functions as `test` (or enable vitest's globals).
 *
 * @example
 * ```ts
 * // test/my-adapter.test.ts
 * import { runStorageConformance } from "orgkit/storage";
 * import { myStorage, truncateAll, myInspector } from "../src/my-storage.js";
 *
 * import { beforeEach, describe, expect, it } from "vitest";
 * runStorageConformance("my adapter", {
 *   test: { describe, it, beforeEach, expect },
 *   storage: () => myStorage(db),
 *   reset: () => truncateAll(db),
 *   inspect: myInspector(db),
 * });
 * ```
 */
export function runStorageConformance(name: string, options: StorageConformanceOptions): void {
  const { describe, beforeEach } = useTestApi(options.test);
  const skip = new Set(options.skip ?? []);
  const state: ContextState = { storage: null, inspect: null, namespaces: 0 };
  describe(`storage conformance: ${name}`, () => {
    beforeEach(async () => {
      if (options.reset) await options.reset();
      const storage = await options.storage();
      state.storage = storage;
      state.inspect = options.inspect === undefined ? null : typeof options.inspect === "function" ? options.inspect(storage) : options.inspect;
    });
    for (const suite of STORAGE_CONFORMANCE_SUITES) {
      const register = skip.has(suite.name) ? describe.skip : describe;
      register(suite.name, () => suite.define(createContext(state, suite.name, skip)));
    }
  });
}
