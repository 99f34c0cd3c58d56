/**
 * Test helpers: the storage conformance suite every adapter runs, a raw inspector for
 * the memory storage, builders of valid model objects, and a deterministic clock and id
 * generator for host test suites. The conformance suite takes the test runner's functions
 * (`vitest`, an optional peer dependency, or jest); nothing here imports a runner, so the
 * entry loads with `import` and `require`, and the other helpers need no runner at all.
 *
 * @example
 * ```ts
 * import { beforeEach, describe, expect, it } from "vitest";
 * import { memoryStorage } from "orgkit/memory";
 * import { memoryInspector, runStorageConformance } from "orgkit/testing";
 *
 * runStorageConformance("memory", { storage: () => memoryStorage(), inspect: memoryInspector, test: { describe, it, beforeEach, expect } });
 * ```
 *
 * @module orgkit/testing
 */
export * from "./conformance/index.js";
// The inspector lives with its adapter (like `postgresInspector`); exported here as before.
export { memoryInspector } from "../adapters/memory/raw-inspector.js";
export {
  buildAuditEvent,
  buildInvitation,
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
