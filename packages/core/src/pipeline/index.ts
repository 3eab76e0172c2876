export {
  classifyError,
  type ErrorClass,
  retryAfterOf,
  toJobError,
} from "./classify-error.js";
export {
  createImportPipeline,
  type ImportChunkerPool,
  type ImportCursor,
  type ImportPipelineOptions,
  type PooledChunker,
} from "./import-pipeline.js";
export type { Pipeline, Stage, StageContext, StageRun, UnitContext, UnitResult } from "./pipeline.js";
export {
  createRunner,
  type JobRun,
  type Runner,
  type RunnerOptions,
  type RunnerRetryOptions,
  type RunnerSink,
  type RunJobOptions,
  type RunOutcome,
  type SourceResolver,
  type WorkOptions,
  type WorkResult,
} from "./runner.js";
