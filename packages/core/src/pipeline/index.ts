export {
  classifyError,
  type ErrorClass,
  retryAfterOf,
  toJobError,
} from "./classify-error.js";
export type {
  ImportChunkerPool,
  ImportCursor,
  ImportPipelineOptions,
  PooledChunker,
} from "./import-pipeline-options.js";
export { createImportPipeline } from "./import-pipeline.js";
export type { Pipeline, Stage, StageContext, StageRun, UnitContext, UnitResult } from "./pipeline.js";
export type { JobRun, RunOutcome } from "./job-run.js";
export type { RunJobOptions } from "./run-job.js";
export { createRunner, type Runner } from "./runner.js";
export type { RunnerOptions, RunnerRetryOptions, RunnerSink } from "./runner-options.js";
export { defineSourceResolver, type SourceResolver } from "./source-resolver.js";
export type { WorkOptions, WorkResult } from "./work-slice.js";
// The types of the runner's `logger` and of `StageContext.recordUsage`.
export type { ModelUsage, RunnerLogger } from "../telemetry/index.js";
