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
  runSourceConformance,
  runTenantIsolationConformance,
  type SourceConformanceOptions,
} from "./conformance/index.js";
export * from "./faults/index.js";
export * from "./generator/index.js";
