import { expect } from "vitest";
import { createOrgKit, isOrgKitError, SYSTEM_ACTOR, type OrgKitConfigInput, type OrgKitErrorCode, type OrgKitErrorOf, type TxtResolver } from "../../src/index.js";
import { memoryStorage } from "../../src/adapters/memory/index.js";
import { createTestClock } from "../../src/testing/test-clock.js";
import { createTestIds } from "../../src/testing/test-ids.js";
import type { Storage } from "../../src/storage/index.js";

export const system = SYSTEM_ACTOR;
export const admin = { type: "user", id: "admin" } as const;
export const as = (id: string) => ({ type: "user", id }) as const;

/** A kit on fresh memory storage with a deterministic clock and ids, and a platform admin `admin`. */
export async function setup(config: OrgKitConfigInput = {}, storage: Storage = memoryStorage(), dns?: TxtResolver) {
  const kit = createOrgKit({ storage, clock: createTestClock().now, ids: createTestIds(), config, ...(dns ? { dns } : {}) });
  await kit.users.upsert(system, { id: "admin", kind: "agent", platformRole: "admin", registered: true });
  return { kit, storage };
}

/** Awaits `promise`, expecting an OrgKitError with `code`; returns it. */
export async function rejects<C extends OrgKitErrorCode>(promise: Promise<unknown>, code: C): Promise<OrgKitErrorOf<C>> {
  try {
    await promise;
  } catch (error) {
    if (!isOrgKitError(error)) throw error;
    expect(error.code, error.message).toBe(code);
    return error as OrgKitErrorOf<C>;
  }
  throw new Error(`expected ${code}, but it resolved`);
}
