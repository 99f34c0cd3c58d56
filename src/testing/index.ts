/**
 * Test helpers for host test suites: builders of valid model objects, and a
 * deterministic clock and id generator to make a kit's output repeatable. Nothing here
 * imports a test runner. (The storage conformance suite for adapter authors is in
 * `orgkit/storage`; the memory storage's raw inspector in `orgkit/memory`.)
 *
 * @example
 * ```ts
 * import { createOrgKit, SYSTEM_ACTOR } from "orgkit";
 * import { memoryStorage } from "orgkit/memory";
 * import { createTestClock, createTestIds } from "orgkit/testing";
 *
 * const kit = createOrgKit({ storage: memoryStorage(), clock: createTestClock().now, ids: createTestIds() });
 * const acme = await kit.organizations.create(SYSTEM_ACTOR, { name: "Acme" }); // same id and timestamps on every run
 * ```
 *
 * @module orgkit/testing
 */
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
