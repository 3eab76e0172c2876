import { ThreadmillError } from "./threadmill-error.js";

const marker = "threadmill.error.JOB_CONFIGURATION";
const symbol = Symbol.for(marker);

/** What is wrong with a job's configuration. */
export type JobConfigurationReason =
  | "UNKNOWN_PIPELINE"
  | "UNKNOWN_SOURCE_KIND"
  | "INVALID_OPTIONS"
  /** The job's `SourceRef` does not match the schema of its kind's resolver. */
  | "INVALID_INPUT"
  /** A stage needs a store the runner was not given (the facts stage's FactStore, its LLM client). */
  | "MISSING_STORE"
  /** A re-import would leave stale chunks in the runner's own `ChunkSink`, which has no `delete`. */
  | "SINK_CANNOT_DELETE";

/**
 * A job names a pipeline or source kind this worker does not have, or carries options its pipeline
 * or an input its source resolver rejects. Never retried: running the job again on the same worker fails the same way. The message
 * starts with `[threadmill] [<reason>]`, so the reason survives on a stored `job.error`.
 */
export class JobConfigurationError extends ThreadmillError {
  override readonly name = "JobConfigurationError";
  readonly code = "JOB_CONFIGURATION";
  /** Which part of the configuration is wrong. */
  readonly reason: JobConfigurationReason;

  protected get [symbol]() {
    return true;
  }

  /** Whether `error` is a JobConfigurationError, from any copy of the package. */
  static override isInstance(error: unknown): error is JobConfigurationError {
    return ThreadmillError.hasMarker(error, marker);
  }

  constructor(reason: JobConfigurationReason, message: string, options?: { cause?: unknown }) {
    super(`[threadmill] [${reason}] ${message}`, options);
    this.reason = reason;
  }
}
