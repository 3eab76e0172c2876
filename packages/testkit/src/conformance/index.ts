export { runCheckpointStoreConformance } from "./checkpoint-store-conformance.js";
export type { AdapterConformanceOptions } from "./conformance-context.js";
export { runEventLogConformance } from "./event-log-conformance.js";
export { runJobStoreConformance } from "./job-store-conformance.js";
export { runPurgeConformance } from "./purge-conformance.js";
export { runQueueConformance } from "./queue-conformance.js";
export { runRecordStoreConformance } from "./record-store-conformance.js";
export { runAdapterConformance } from "./run-adapter-conformance.js";
export { runTenantIsolationConformance } from "./tenant-isolation-conformance.js";
