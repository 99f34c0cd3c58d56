import { beforeEach, describe, expect, it } from "vitest";
import { memoryStorage, memoryInspector } from "../../src/adapters/memory/index.js";
import { runStorageConformance } from "../../src/storage/index.js";

runStorageConformance("memory", { storage: () => memoryStorage(), inspect: memoryInspector, test: { describe, it, beforeEach, expect } });
