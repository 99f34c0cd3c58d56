/**
 * In-memory storage: the full storage contract in one process, for host test suites,
 * demos and hosts without a database.
 *
 * @example
 * ```ts
 * import { memoryStorage } from "orgkit/memory";
 * const storage = memoryStorage();
 * ```
 *
 * @module orgkit/memory
 */
export { memoryStorage, type MemoryStorage, type MemoryStorageOptions } from "./memory-storage.js";
export { memoryInspector } from "./raw-inspector.js";
