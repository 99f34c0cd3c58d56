import { beforeEach, describe, expect, it } from "vitest";
import { memoryStorage, memoryInspector } from "../../src/adapters/memory/index.js";
import { runStorageConformance } from "../../src/storage/index.js";

// One storage for the whole run, never reset: what an adapter on a persistent database
// without `reset` does. Every conformance test must still pass (namespaced, relative checks).
const shared = memoryStorage();
runStorageConformance("memory (shared, never reset)", {
  test: { describe, it, beforeEach, expect }, storage: () => shared, inspect: memoryInspector });
