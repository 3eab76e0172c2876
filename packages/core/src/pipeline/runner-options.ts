import type { ChunkSink, ChunkStore } from "../ports/chunk-store.js";
import type { ConversationStore } from "../ports/conversation-store.js";
import type { Adapter } from "../ports/adapter.js";
import type { FactStore } from "../ports/fact-store.js";
import type { LibraryStore } from "../ports/library-store.js";
import { createRunnerLog, type RunnerLog, type RunnerLogger } from "../telemetry/runner-logger.js";
import { createRunnerTelemetry, type RunnerTelemetry } from "../telemetry/runner-telemetry.js";
import { createJobId } from "../util/job-id.js";
import { classifyError, type ErrorClass } from "./classify-error.js";
import type { Pipeline } from "./pipeline.js";
import type { SourceResolver } from "./source-resolver.js";
import { createStageTimers, type StageTimers } from "./stage-timers.js";

/**
 * Where the runner writes conversations, chunks and facts when not to the coordination `store`:
 * another adapter (Postgres for chunks while Redis coordinates, say) or a user's own `ChunkSink`.
 */
export interface RunnerSink {
  readonly conversations?: ConversationStore;
  readonly chunks?: ChunkStore | ChunkSink;
  readonly facts?: FactStore;
  /** Where the library's versions live. @default the store's `library` */
  readonly library?: LibraryStore;
}

/** In-process retries of a failing unit (p-retry: exponential backoff with jitter). */
export interface RunnerRetryOptions {
  /** Retries of a unit inside one claim before the job is released for a later attempt. @default 2 */
  readonly retries?: number;
  /** First retry delay (ms). @default 1000 */
  readonly minTimeoutMs?: number;
  /**
   * Longest delay between two tries, also between two claims of a failing job (ms). A failing job is
   * released with `runAt` = this worker's `Date.now()` plus the delay, so a worker clock ahead of (or
   * behind) the store's shifts that wait by the skew; releases due at once pass no `runAt` (store clock).
   * @default 60000
   */
  readonly maxTimeoutMs?: number;
  /** @default 2 */
  readonly factor?: number;
}

/** Options of `createRunner`. */
export interface RunnerOptions {
  /** Coordination (jobs, queue, checkpoints, events) and, unless `sink` says otherwise, the sinks. */
  readonly store: Adapter;
  /** Sinks in another store, or the user's own chunk sink. @default the store's */
  readonly sink?: RunnerSink;
  /** Pipelines by the name jobs give in `JobSpec.pipeline`, for example `{ import: createImportPipeline() }`. */
  readonly pipelines: Readonly<Record<string, Pipeline>>;
  /** Source resolvers by `SourceRef.kind`. `@threadmill/core/node`'s `createRunner` adds `file` and `url`. @default {} */
  readonly sources?: Readonly<Record<string, SourceResolver>>;
  /** This worker's id in leases. @default a random id */
  readonly workerId?: string;
  /** Lease length (ms). @default 15000 */
  readonly leaseMs?: number;
  /** Lease renewal period (ms). @default 5000 */
  readonly renewEveryMs?: number;
  /** How often an idle worker polls for a claim (ms; jittered down by up to half). @default 1000 */
  readonly pollMs?: number;
  /**
   * Longest stretch of work between two yields to the event loop (ms): lease renewal, and the store
   * writes of the unit before, which a unit chunking on the main thread would otherwise hold up.
   * @default 5
   */
  readonly yieldEveryMs?: number;
  /** At most one `progress` event (and job progress update) per job per this period (ms). @default 1000 */
  readonly progressEveryMs?: number;
  /**
   * Time kept free before a `work({ deadline })` deadline to checkpoint and release (ms); capped at a
   * fifth of the slice so short slices still work. @default 3000
   */
  readonly deadlineMarginMs?: number;
  /** In-process unit retries. */
  readonly retry?: RunnerRetryOptions;
  /** Classifies errors as retriable or fatal. @default classifyError */
  readonly classifyError?: (error: unknown) => ErrorClass;
  /** Told about errors the runner recovers from (a failed renewal, an unreachable store while idle). */
  readonly onError?: (context: { readonly error: unknown; readonly jobId?: string }) => void;
  /**
   * A structured logger (pino's, or any `{ debug, info, warn, error }` called as `(fields, message)`),
   * told what the runner recovers from: failed renewals and store writes, unit retries, lost leases,
   * jobs released for a later attempt or dead-lettered. Messages and errors are redacted; errors are
   * passed as `err: { name, code, message }`, never as the error object. @default none (no logging)
   */
  readonly logger?: RunnerLogger;
  /**
   * `false` turns OpenTelemetry off. Otherwise, when `@opentelemetry/api` is installed, the runner
   * traces claims, stages and units and records metrics through the global tracer and meter
   * providers (those an OpenTelemetry SDK registers); without it nothing happens. @default on
   */
  readonly telemetry?: false;
}

/** The runner's options with every default applied, and what its parts share. */
export interface RunnerContext {
  readonly store: Adapter;
  readonly pipelines: Readonly<Record<string, Pipeline>>;
  readonly sources: Readonly<Record<string, SourceResolver>>;
  readonly workerId: string;
  readonly leaseMs: number;
  readonly renewEveryMs: number;
  readonly pollMs: number;
  readonly yieldEveryMs: number;
  readonly progressEveryMs: number;
  readonly deadlineMarginMs: number;
  readonly retry: Required<RunnerRetryOptions>;
  readonly classify: (error: unknown) => ErrorClass;
  readonly conversationSink: ConversationStore;
  readonly chunkSink: ChunkStore | ChunkSink;
  /** `sink.facts`, else the store's `facts`; `undefined` when neither has one. */
  readonly factSink: FactStore | undefined;
  /** `sink.library`, else the store's `library`; `undefined` when neither has one (no change detection). */
  readonly librarySink: LibraryStore | undefined;
  /**
   * Hands an error the runner recovers from to `onError` (which may not throw into the worker) and
   * logs it as a warning with `message`.
   */
  readonly report: (error: unknown, jobId: string | undefined, message: string) => void;
  /** The `logger`, redacting and never throwing; silent without one. */
  readonly log: RunnerLog;
  /** Spans and metrics (no-ops without `@opentelemetry/api` or with `telemetry: false`). */
  readonly telemetry: RunnerTelemetry;
  /** Unit durations per pipeline stage, shared by the claims of this runner. */
  readonly timers: StageTimers;
}

function positive(value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v < 0) throw new RangeError(`[threadmill] ${name} must be a number >= 0`);
  return v;
}

function assertPipelines(pipelines: Readonly<Record<string, Pipeline>>): void {
  for (const [name, pipeline] of Object.entries(pipelines)) {
    if (!pipeline || !Array.isArray(pipeline.stages) || pipeline.stages.length === 0) {
      throw new TypeError(`[threadmill] pipeline "${name}" needs at least one stage`);
    }
    const names = new Set(pipeline.stages.map((s) => s.name));
    if (names.size !== pipeline.stages.length) {
      throw new TypeError(`[threadmill] pipeline "${name}" has two stages with the same name`);
    }
  }
}

/** Checks `createRunner`'s options and applies their defaults. Throws `RangeError` or `TypeError` for bad ones. */
export function resolveRunnerOptions(options: RunnerOptions): RunnerContext {
  const { store } = options;
  const leaseMs = positive(options.leaseMs, 15_000, "leaseMs");
  const renewEveryMs = positive(options.renewEveryMs, Math.min(5_000, leaseMs / 3), "renewEveryMs");
  if (renewEveryMs >= leaseMs) throw new RangeError("[threadmill] renewEveryMs must be shorter than leaseMs");
  const workerId = options.workerId ?? `worker-${createJobId()}`;
  const log = createRunnerLog(options.logger);
  const context: RunnerContext = {
    store,
    pipelines: options.pipelines,
    sources: options.sources ?? {},
    workerId,
    leaseMs,
    renewEveryMs,
    pollMs: positive(options.pollMs, 1_000, "pollMs"),
    // 5, not 50: a store's replies wait for the next yield to be answered with the next write.
    yieldEveryMs: positive(options.yieldEveryMs, 5, "yieldEveryMs"),
    progressEveryMs: positive(options.progressEveryMs, 1_000, "progressEveryMs"),
    deadlineMarginMs: positive(options.deadlineMarginMs, 3_000, "deadlineMarginMs"),
    retry: {
      retries: positive(options.retry?.retries, 2, "retry.retries"),
      minTimeoutMs: positive(options.retry?.minTimeoutMs, 1_000, "retry.minTimeoutMs"),
      maxTimeoutMs: positive(options.retry?.maxTimeoutMs, 60_000, "retry.maxTimeoutMs"),
      factor: positive(options.retry?.factor, 2, "retry.factor"),
    },
    classify: options.classifyError ?? classifyError,
    conversationSink: options.sink?.conversations ?? store.conversations,
    chunkSink: options.sink?.chunks ?? store.chunks,
    factSink: options.sink?.facts ?? store.facts,
    librarySink: options.sink?.library ?? store.library,
    report: (error, jobId, message) => {
      log.warn(jobId === undefined ? { err: error } : { jobId, err: error }, message);
      try {
        options.onError?.(jobId === undefined ? { error } : { error, jobId });
      } catch {
        // A throwing logger must not break the worker.
      }
    },
    timers: createStageTimers(),
    log,
    telemetry: createRunnerTelemetry({
      enabled: options.telemetry !== false,
      workerId,
      pipelines: Object.keys(options.pipelines),
    }),
  };
  assertPipelines(options.pipelines);
  return context;
}
