export { runStorageConformance, STORAGE_CONFORMANCE_SUITES, type StorageConformanceOptions } from "./run-storage-conformance.js";
export type { ConformanceTestApi } from "./test-api.js";
export type { ConformanceContext, ConformanceSuite } from "./context.js";
export type { RawInspector, RawTable } from "../../storage/raw-inspector.js";
