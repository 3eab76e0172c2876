export {
  type AdapterConformanceOptions,
  runAdapterConformance,
  runCheckpointStoreConformance,
  runEventLogConformance,
  runJobStoreConformance,
  runPurgeConformance,
  runQueueConformance,
  runRaceConformance,
  runRecordStoreConformance,
  runTenantIsolationConformance,
} from "./conformance/index.js";
export * from "./faults/index.js";
export * from "./generator/index.js";
