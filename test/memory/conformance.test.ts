import { beforeEach, describe, expect, it } from "vitest";
import { memoryStorage } from "../../src/adapters/memory/index.js";
import { memoryInspector, runStorageConformance } from "../../src/testing/index.js";

runStorageConformance("memory", { storage: () => memoryStorage(), inspect: memoryInspector, test: { describe, it, beforeEach, expect } });
