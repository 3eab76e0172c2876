import type { Attributes, Context, Span, Tracer } from "@opentelemetry/api";
import { failureOf } from "../pipeline/claim-interrupts.js";
import type { JobRun } from "../pipeline/job-run.js";
import type { Job } from "../ports/job.js";
import type { OpenedSource, Source } from "../ports/source.js";
import type { ModelUsage } from "./model-usage.js";
import { loadOtel, type Otel } from "./otel-api.js";
import { type Instruments, instrumentsOf, SCOPE, VERSION } from "./runner-instruments.js";
import { serializeError } from "./serialize-error.js";

const TERMINAL = new Set<JobRun["outcome"]>(["succeeded", "failed", "cancelled"]);

/** One unit's span, which records the in-process retries it took. */
export interface UnitTelemetry {
  retried(error: unknown, attempt: number): void;
}

/** One stage's span, parent of its units'. */
export interface StageTelemetry {
  /** Runs one unit under a `threadmill.unit` span and records its duration. */
  unit<T>(fn: (unit: UnitTelemetry) => Promise<T>): Promise<T>;
}

/** What one claim reports: its span, its stages' and units' spans, and its metrics. */
export interface ClaimTelemetry {
  /** The claim's source, its bytes counted into `threadmill.import.bytes` as they are read. */
  countBytes(source: Source): Source;
  /** Records a model call's tokens and cost; `undefined` when nothing would record them. */
  readonly recordUsage: ((usage: ModelUsage) => void) | undefined;
  /** Runs one stage under a `threadmill.stage` span, child of the claim's. */
  stage<T>(name: string, fn: (stage: StageTelemetry) => Promise<T>): Promise<T>;
  /** Ends the claim's span with how the claim ended (`thrown`: what ended it, if anything did). */
  end(run: JobRun, thrown: unknown): void;
}

/** The runner's telemetry: OpenTelemetry through the global providers when `@opentelemetry/api` is installed. */
export interface RunnerTelemetry {
  /** Looks for `@opentelemetry/api` the first time (at once when disabled); a claim waits for it before starting. */
  ready(): Promise<void>;
  /** Starts one claim's telemetry; the no-op one until `ready()` found the API, or when it is absent or disabled. */
  claim(job: Job, epoch: number, signal: AbortSignal): ClaimTelemetry;
}

const NOOP_UNIT: UnitTelemetry = { retried() {} };
const NOOP_STAGE: StageTelemetry = { unit: (fn) => fn(NOOP_UNIT) };
const NOOP_CLAIM: ClaimTelemetry = {
  countBytes: (source) => source,
  recordUsage: undefined,
  stage: (_name, fn) => fn(NOOP_STAGE),
  end() {},
};

/** Marks a span failed: status ERROR with the error's name and code, the message redacted, no stack. */
function fail(api: Otel, span: Span, error: unknown): void {
  const e = serializeError(error);
  span.setAttributes({
    "error.type": e.code ?? e.name,
    "threadmill.error.name": e.name,
    ...(e.code ? { "threadmill.error.code": e.code } : {}),
  });
  span.addEvent("exception", { "exception.type": e.name, "exception.message": e.message });
  span.setStatus({
    code: api.SpanStatusCode.ERROR,
    message: `${e.name}${e.code ? ` [${e.code}]` : ""}: ${e.message}`,
  });
}

/** Counts bytes as they pass, without copying them. */
function counted(opened: OpenedSource, add: (bytes: number) => void): OpenedSource {
  const stream = opened.stream.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        add(chunk.byteLength);
        controller.enqueue(chunk);
      },
    }),
  );
  return { ...opened, stream };
}

/** What the spans and metrics of one claim share. */
interface ClaimScope {
  readonly api: Otel;
  readonly tracer: Tracer;
  readonly m: Instruments;
  readonly signal: AbortSignal;
  /** The attributes of every span of the claim. */
  readonly attributes: Attributes;
  /** The attributes of every metric point of the claim (never the tenant or job: too many series). */
  readonly pipeline: Attributes;
}

/** Runs `fn` as one unit of stage `stage` under a `threadmill.unit` span, child of `parent`. */
async function traceUnit<T>(
  scope: ClaimScope,
  stage: string,
  parent: Context,
  fn: (unit: UnitTelemetry) => Promise<T>,
): Promise<T> {
  const { api, m, signal } = scope;
  const attributes = { ...scope.attributes, "threadmill.stage": stage };
  const span = scope.tracer.startSpan("threadmill.unit", { attributes }, parent);
  const handle: UnitTelemetry = {
    retried(error, attempt) {
      const e = serializeError(error);
      span.addEvent("threadmill.unit.retry", {
        "threadmill.attempt": attempt,
        "error.type": e.code ?? e.name,
      });
    },
  };
  const startedAt = performance.now();
  let outcome = "ok";
  try {
    return await api.context.with(api.trace.setSpan(parent, span), fn, undefined, handle);
  } catch (error) {
    const failure = failureOf(signal, error);
    outcome = failure === undefined ? "interrupted" : "error";
    if (failure !== undefined) fail(api, span, failure);
    throw error;
  } finally {
    m.unitDuration.record(performance.now() - startedAt, {
      ...scope.pipeline,
      "threadmill.stage": stage,
      outcome,
    });
    span.setAttribute("threadmill.outcome", outcome);
    span.end();
  }
}

/** Runs `fn` as stage `name` under a `threadmill.stage` span, child of `parent` (the claim's). */
async function traceStage<T>(
  scope: ClaimScope,
  name: string,
  parent: Context,
  fn: (stage: StageTelemetry) => Promise<T>,
): Promise<T> {
  const { api, signal } = scope;
  const span = scope.tracer.startSpan(
    "threadmill.stage",
    { attributes: { ...scope.attributes, "threadmill.stage": name } },
    parent,
  );
  const context = api.trace.setSpan(parent, span);
  const stage: StageTelemetry = { unit: (run) => traceUnit(scope, name, context, run) };
  try {
    return await api.context.with(context, fn, undefined, stage);
  } catch (error) {
    const failure = failureOf(signal, error);
    if (failure !== undefined) fail(api, span, failure);
    throw error;
  } finally {
    span.end();
  }
}

/** Ends a claim's span: its outcome, and ERROR for a failure or a lost lease; counts the claim and the job. */
function endClaim(scope: ClaimScope, span: Span, run: JobRun, thrown: unknown): void {
  const { api, m, pipeline } = scope;
  m.running.add(-1, pipeline);
  m.claims.add(1, { ...pipeline, outcome: run.outcome, ...(run.reason ? { reason: run.reason } : {}) });
  if (TERMINAL.has(run.outcome)) m.jobs.add(1, { ...pipeline, status: run.outcome });
  span.setAttributes({
    "threadmill.outcome": run.outcome,
    "threadmill.units": run.units,
    ...(run.reason ? { "threadmill.reason": run.reason } : {}),
  });
  const failure = failureOf(scope.signal, thrown);
  if (run.outcome === "lease-lost") {
    m.leaseLosses.add(1, pipeline);
    span.addEvent("threadmill.lease.lost");
    fail(api, span, failure ?? { name: "LeaseLostError", code: "LEASE_LOST", message: "lease lost" });
  } else if (failure !== undefined && (run.outcome === "failed" || run.reason === "retry")) {
    fail(api, span, failure);
  }
  span.end();
}

/** Counts a source's bytes into `threadmill.import.bytes` as they are read. */
function countingSource(source: Source, add: (bytes: number) => void): Source {
  return {
    name: source.name,
    open: async (options) => counted(await source.open(options), add),
    ...(source.entries ? { entries: () => source.entries!() } : {}),
    ...(source.openEntry
      ? { openEntry: async (entry, options) => counted(await source.openEntry!(entry, options), add) }
      : {}),
  };
}

/** Records one model call: its tokens by kind, and its cost in dollars. */
function recordModelUsage(m: Instruments, usage: ModelUsage): void {
  const model = { model: usage.model };
  const kinds = [
    ["input", usage.inputTokens],
    ["output", usage.outputTokens],
    ["cache_read", usage.cacheReadTokens ?? 0],
    ["cache_write", usage.cacheWriteTokens ?? 0],
  ] as const;
  for (const [kind, tokens] of kinds) if (tokens > 0) m.tokens.add(tokens, { ...model, kind });
  if (usage.costMicroUsd > 0) m.cost.add(usage.costMicroUsd / 1e6, model);
}

/** Starts a claim's `threadmill.claim` span and counts it running. */
function startClaim(
  api: Otel,
  job: Job,
  epoch: number,
  signal: AbortSignal,
  workerId: string,
  pipeline: string,
): ClaimTelemetry {
  const scope: ClaimScope = {
    api,
    tracer: api.trace.getTracer(SCOPE, VERSION),
    m: instrumentsOf(api),
    signal,
    attributes: {
      "threadmill.job.id": job.id,
      "threadmill.tenant": job.tenant,
      "threadmill.job.epoch": epoch,
      "threadmill.pipeline": job.pipeline,
      "threadmill.worker.id": workerId,
    },
    pipeline: { "threadmill.pipeline": pipeline },
  };
  const span = scope.tracer.startSpan("threadmill.claim", {
    attributes: { ...scope.attributes, "threadmill.job.attempt": job.attempts },
  });
  const context = api.trace.setSpan(api.context.active(), span);
  scope.m.running.add(1, scope.pipeline);
  return {
    countBytes: (source) => countingSource(source, (bytes) => scope.m.bytes.add(bytes, scope.pipeline)),
    recordUsage: (usage) => recordModelUsage(scope.m, usage),
    stage: (name, fn) => traceStage(scope, name, context, fn),
    end: (run, thrown) => endClaim(scope, span, run, thrown),
  };
}

/** The runner's telemetry: spans and metrics when `enabled` and `@opentelemetry/api` is installed, else no-ops. */
export function createRunnerTelemetry(options: {
  readonly enabled: boolean;
  readonly workerId: string;
  /** The pipelines this runner has: any other name a job carries counts as `unknown` in metrics. */
  readonly pipelines: readonly string[];
}): RunnerTelemetry {
  const known = new Set(options.pipelines);
  let api: Otel | null = null;
  let loading: Promise<void> | undefined;
  return {
    ready() {
      if (!options.enabled) return Promise.resolve();
      loading ??= loadOtel().then((loaded) => {
        api = loaded;
      });
      return loading;
    },
    claim(job, epoch, signal) {
      if (!api) return NOOP_CLAIM;
      // A metric attribute takes bounded values: a job may carry any pipeline name.
      return startClaim(
        api,
        job,
        epoch,
        signal,
        options.workerId,
        known.has(job.pipeline) ? job.pipeline : "unknown",
      );
    },
  };
}
