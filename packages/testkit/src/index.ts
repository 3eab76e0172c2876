export {
  type AdapterConformanceOptions,
  runAdapterConformance,
  runJobStoreConformance,
} from "./conformance/index.js";
