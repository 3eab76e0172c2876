export { type CleanupJobsOptions, type CleanupJobsResult, cleanupJobs } from "./cleanup-jobs.js";
export { iterateJobs } from "./iterate-jobs.js";
export { checkReadiness, type Readiness, type ReadinessOptions } from "./check-readiness.js";
export { type RedriveOptions, type RedriveResult, type RedriveSkip, redriveJobs } from "./redrive-jobs.js";
