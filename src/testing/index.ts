/**
 * Test helpers: the storage conformance suite every adapter runs, a raw inspector for
 * the memory storage, builders of valid model objects, and a deterministic clock and id
 * generator for host test suites. The conformance suite needs `vitest` (an optional
 * peer dependency); the other helpers do not use it.
 *
 * @example
 * ```ts
 * import { memoryStorage } from "orgkit/memory";
 * import { memoryInspector, runStorageConformance } from "orgkit/testing";
 *
 * runStorageConformance("memory", { storage: () => memoryStorage(), inspect: memoryInspector });
 * ```
 *
 * @module orgkit/testing
 */
export * from "./conformance/index.js";
export { memoryInspector } from "./memory-inspector.js";
export {
  buildAuditEvent,
  buildMemberRule,
  buildMembership,
  buildOrganization,
  buildResource,
  buildStaffProfile,
  buildUser,
  buildUsergroup,
  type BuildOrganizationOptions,
  type BuildOverrides,
} from "./builders.js";
export { createTestClock, DEFAULT_TEST_START, type TestClock, type TestClockOptions } from "./test-clock.js";
export { createTestIds, type TestIds } from "./test-ids.js";
