export { runCheckpointStoreConformance } from "./checkpoint-store-conformance.js";
export type { AdapterConformanceOptions } from "./conformance-context.js";
export { runEventLogConformance } from "./event-log/run-event-log-conformance.js";
export { runJobStoreConformance } from "./job-store/run-job-store-conformance.js";
export type {
  LimitsConformanceOptions,
  OpenedLimitsStores,
} from "./limits/limits-conformance-options.js";
export { runRateLimitStoreConformance } from "./limits/run-rate-limit-store-conformance.js";
export { runSpendLedgerConformance } from "./limits/run-spend-ledger-conformance.js";
export { runPurgeConformance } from "./purge/run-purge-conformance.js";
export { runQueueConformance } from "./queue/run-queue-conformance.js";
export { runRaceConformance } from "./race/run-race-conformance.js";
export { runRecordStoreConformance } from "./record-store/run-record-store-conformance.js";
export { runAdapterConformance } from "./run-adapter-conformance.js";
export { runSourceConformance, type SourceConformanceOptions } from "./source-conformance.js";
export { runTenantIsolationConformance } from "./tenant-isolation/run-tenant-isolation-conformance.js";
