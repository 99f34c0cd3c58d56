/**
 * The raw inspector of the memory storage, for the storage conformance suite (the
 * memory twin of `postgresInspector`). It lives beside the adapter because it reads the
 * adapter's internal hook; `orgkit/memory` exports it.
 *
 * @module
 */
import { OrgKitError } from "../../errors.js";
import type { Storage } from "../../storage/ports.js";
import type { RawInspector } from "../../storage/raw-inspector.js";
import { MEMORY_INTERNALS, type WithMemoryInternals } from "./internals.js";

/**
 * The {@link RawInspector} of a `memoryStorage()`: reads its internal maps directly
 * (through an internal hook), bypassing the repositories and their queue. Throws
 * `VALIDATION_FAILED` for any other storage.
 *
 * @example
 * ```ts
 * runStorageConformance("memory", { storage: () => memoryStorage(), inspect: memoryInspector, test: { describe, it, beforeEach, expect } });
 * ```
 */
export function memoryInspector(storage: Storage): RawInspector {
  const hook = (storage as Partial<WithMemoryInternals>)[MEMORY_INTERNALS];
  if (typeof hook !== "function") {
    throw new OrgKitError("VALIDATION_FAILED", "memoryInspector() needs a storage made by memoryStorage()", {
      details: { issues: [{ path: "storage", message: "not a memory storage", code: "invalid_storage" }] },
    });
  }
  const internals = hook();
  return {
    organization: async (id) => internals.row("organizations", id),
    user: async (id) => internals.row("users", id),
    membership: async (userId, organizationId) => internals.row("memberships", `${userId}\u0000${organizationId}`),
    invitation: async (id) => internals.row("invitations", id),
    count: async (table) => internals.count(table),
    rule: async (id) => {
      const row = internals.row("rules", id);
      if (row === null) return null;
      const proof = row["proof"] as { method?: unknown } | null | undefined;
      const challenge = internals.challenge(id);
      return {
        id: row["id"],
        organizationId: row["organizationId"],
        kind: row["kind"],
        value: row["value"],
        proven: proof !== null && proof !== undefined,
        proofMethod: proof?.method ?? null,
        challengeToken: challenge?.["token"] ?? null,
      };
    },
    dump: async () => internals.dump(),
    resource: async (kind, id) => internals.row("resources", `${kind}\u0000${id}`),
    setting: async (key) => internals.setting(key),
  };
}
