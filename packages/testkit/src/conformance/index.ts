export type { AdapterConformanceOptions } from "./conformance-context.js";
export { runJobStoreConformance } from "./job-store-conformance.js";
export { runAdapterConformance } from "./run-adapter-conformance.js";
