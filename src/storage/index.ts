/**
 * For storage adapter authors: the ports a storage implements, the errors it throws, and
 * the conformance suite that proves an adapter keeps the contract. `orgkit/memory` and
 * `orgkit/postgres` are built on exactly these, and run the same suite.
 *
 * The suite takes the test runner's functions (vitest, jest) and an inspector that reads
 * the adapter's stored rows directly, so an adapter cannot pass by agreeing with itself.
 * Nothing here imports a runner.
 *
 * @example
 * ```ts
 * import { beforeEach, describe, expect, it } from "vitest";
 * import { runStorageConformance } from "orgkit/storage";
 * import { myStorage, myInspector } from "./my-storage.js";
 *
 * runStorageConformance("my storage", { storage: () => myStorage(), inspect: myInspector, test: { describe, it, beforeEach, expect } });
 * ```
 *
 * @module orgkit/storage
 */

// ── The ports.
export type {
  ChangeFeedRepository,
  EventRepository,
  InvitationListOptions,
  InvitationRepository,
  MemberRuleRepository,
  MembershipReassignment,
  MembershipReassignOptions,
  MembershipRepository,
  NewAuditEvent,
  NewChangeEntry,
  NewSetting,
  OrganizationRepository,
  OrganizationVisibility,
  ResourceReassignOptions,
  ResourceRepository,
  RuleLookupKey,
  SettingInsertion,
  SettingRecord,
  SettingsRepository,
  StaffProfileRepository,
  Storage,
  StorageListener,
  StorageListenHandlers,
  StorageSession,
  UsergroupRepository,
  UserRepository,
} from "./ports.js";

// ── Errors an adapter throws (the kit maps nothing else to these codes).
export { notFound, uniqueConflict, validationError, versionConflict } from "../errors.js";

// ── Erasure: what `events.scrub` and `changes.scrub` do to stored JSON.
export { scrubPersonalData } from "./scrub.js";

// ── The conformance suite.
export * from "../testing/conformance/index.js";
