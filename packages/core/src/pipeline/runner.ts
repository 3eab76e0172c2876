import pRetry from "p-retry";
import type { Chunk } from "../chunk/chunk.js";
import { CancelledError } from "../errors/cancelled-error.js";
import { JobConfigurationError } from "../errors/job-configuration-error.js";
import { LeaseLostError } from "../errors/lease-lost-error.js";
import type { Adapter } from "../ports/adapter.js";
import type { Checkpoint } from "../ports/checkpoint-store.js";
import type { ChunkSink, ChunkStore } from "../ports/chunk-store.js";
import type { ConversationStore } from "../ports/conversation-store.js";
import { type NewProgressEvent, type ProgressEvent, TERMINAL_EVENT_TYPES } from "../ports/event.js";
import { type Job, type JobProgress, type JobSpec, type SourceRef, TERMINAL_STATUSES } from "../ports/job.js";
import type { CreateJobResult } from "../ports/job-store.js";
import type { Lease } from "../ports/lease.js";
import type { Claim } from "../ports/queue.js";
import type { Source } from "../ports/source.js";
import { createJobId } from "../util/job-id.js";
import type { JsonValue } from "../util/json.js";
import { classifyError, type ErrorClass, retryAfterOf, toJobError } from "./classify-error.js";
import { createHeartbeat, type Heartbeat } from "./heartbeat.js";
import type { Pipeline, Stage, StageContext, StageRun, UnitContext, UnitResult } from "./pipeline.js";
import { sleep, unrefTimer } from "./sleep.js";
import { createUnitTimer, type UnitTimer } from "./unit-timer.js";
import { createYielder } from "./yielder.js";

/** Turns a job's `SourceRef` into a `Source`, on the worker that runs the job. */
export type SourceResolver = (
  ref: SourceRef,
  context: { readonly tenant: string; readonly jobId: string },
) => Source | Promise<Source>;

/**
 * Where the runner writes conversations and chunks when not to the coordination `store`: another
 * adapter (Postgres for chunks while Redis coordinates, say) or a user's own `ChunkSink`.
 */
export interface RunnerSink {
  readonly conversations?: ConversationStore;
  readonly chunks?: ChunkStore | ChunkSink;
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
  /** Longest stretch of work between two yields to the event loop (ms). @default 50 */
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
}

/** How one claim of a job ended. */
export type RunOutcome = "succeeded" | "failed" | "cancelled" | "released" | "lease-lost";

/** One claim of a job worked by this runner. */
export interface JobRun {
  readonly tenant: string;
  readonly jobId: string;
  readonly epoch: number;
  readonly outcome: RunOutcome;
  /** Units finished (and checkpointed) during this claim. */
  readonly units: number;
  /** Why the job was released or failed, when it was. */
  readonly reason?: "deadline" | "stop" | "signal" | "retry" | "error";
}

/** What `runner.work()` did. */
export interface WorkResult {
  readonly runs: readonly JobRun[];
  /** Why it returned: nothing was claimable, the deadline came, or `signal` aborted. */
  readonly reason: "idle" | "deadline" | "aborted";
}

/** Options of `runner.work`. */
export interface WorkOptions {
  /** When this invocation must be over: epoch ms or a `Date` (this worker's clock). @default none */
  readonly deadline?: number | Date;
  readonly signal?: AbortSignal;
}

/** Options of `runner.run`. */
export interface RunJobOptions {
  /** Aborting checkpoints (the last unit's checkpoint stands), releases the job and returns. */
  readonly signal?: AbortSignal;
  /** Every event of the job's log from the start (or after `afterEventId`), in order, each once. */
  readonly onEvent?: (event: ProgressEvent) => void;
  /** Follow events after this id. @default null (from the oldest retained) */
  readonly afterEventId?: string | null;
}

/** A worker that runs jobs from the store: serverless slices, long-lived loops, or one named job. */
export interface Runner {
  readonly workerId: string;
  /**
   * Creates and enqueues a job (idempotent by `idempotencyKey`), and logs its `queued` event when
   * it was created. Throws `TypeError` for a pipeline this runner does not know.
   */
  submit(spec: JobSpec): Promise<CreateJobResult>;
  /**
   * Serves one serverless invocation: claims and works jobs until nothing is claimable or the
   * deadline (minus the margin) comes; never starts a unit it cannot finish by then; checkpoints
   * and releases an unfinished job due at once (no `runAt`: the store's clock decides "now").
   */
  work(options?: WorkOptions): Promise<WorkResult>;
  /** Starts a long-lived worker with `concurrency` claim loops (default 1). Returns at once. */
  start(options?: { readonly concurrency?: number }): void;
  /**
   * Stops claiming, lets each running unit finish within `graceMs` (default 10000; then aborts it),
   * and releases every job due at once (by the store's clock) so another worker resumes it at once.
   */
  stop(options?: { readonly graceMs?: number }): Promise<void>;
  /**
   * Runs one job in this process until it ends (the CLI's `import`): claims it by name, waiting
   * while another worker's lease on it is live, retries after delays, and returns the final job
   * record; `null` when the job does not exist. When `signal` aborts, it releases the job (checkpoint
   * kept) and returns the job as it then is.
   */
  run(tenant: string, jobId: string, options?: RunJobOptions): Promise<Job | null>;
  /** `jobs.requestCancel`: a running job stops at its worker's next heartbeat or checkpoint. */
  cancel(tenant: string, jobId: string): Promise<Job | null>;
  /**
   * `jobs.retry`: a failed or cancelled job goes back to the queue, checkpoint kept, and a `queued`
   * event (unfenced) is appended after its old terminal event, so SSE clients and `run({ onEvent })`
   * follow it again. A job in another status is returned unchanged and logs nothing; two concurrent
   * retries of one job may both log `queued`.
   */
  retry(tenant: string, jobId: string): Promise<Job | null>;
  /** `jobs.purge`, plus the job's records in sinks held by another store. */
  purge(tenant: string, jobId: string): Promise<boolean>;
}

type InterruptReason = "deadline" | "stop" | "signal";

/** Why a claim was interrupted without error: it releases the job. */
class Interrupt extends Error {
  override readonly name = "Interrupt";
  constructor(readonly reason: InterruptReason) {
    super(`[threadmill] interrupted: ${reason}`);
  }
}

/** A retriable failure that must wait longer than this claim may: release with this delay. */
class RetryLater extends Error {
  override readonly name = "RetryLater";
  constructor(
    readonly delayMs: number,
    readonly error: unknown,
  ) {
    super("[threadmill] retry later");
  }
}

const isChunkStore = (sink: ChunkStore | ChunkSink): sink is ChunkStore =>
  typeof (sink as ChunkStore).list === "function" && typeof (sink as ChunkStore).fenced === "boolean";

function positive(value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v < 0) throw new RangeError(`[threadmill] ${name} must be a number >= 0`);
  return v;
}

/**
 * Creates a job runner over a store's ports: durable, resumable, fenced. Leases are renewed on a
 * timer, units yield to the event loop, outputs are written idempotently before the checkpoint
 * advances, errors are retried with backoff or end the job, and every job reaches a terminal status.
 * @example
 * const runner = createRunner({ store: createMemoryAdapter(), pipelines: { import: createImportPipeline() } });
 * const { job } = await runner.submit({ tenant: "u1", pipeline: "import", input: { kind: "file", path: "conversations.json" } });
 * await runner.work({ deadline: Date.now() + 55_000 }); // one serverless invocation
 */
export function createRunner(options: RunnerOptions): Runner {
  const { store } = options;
  const workerId = options.workerId ?? `worker-${createJobId()}`;
  const leaseMs = positive(options.leaseMs, 15_000, "leaseMs");
  const renewEveryMs = positive(options.renewEveryMs, Math.min(5_000, leaseMs / 3), "renewEveryMs");
  if (renewEveryMs >= leaseMs) throw new RangeError("[threadmill] renewEveryMs must be shorter than leaseMs");
  const pollMs = positive(options.pollMs, 1_000, "pollMs");
  const yieldEveryMs = positive(options.yieldEveryMs, 50, "yieldEveryMs");
  const progressEveryMs = positive(options.progressEveryMs, 1_000, "progressEveryMs");
  const deadlineMarginMs = positive(options.deadlineMarginMs, 3_000, "deadlineMarginMs");
  const retries = positive(options.retry?.retries, 2, "retry.retries");
  const minTimeoutMs = positive(options.retry?.minTimeoutMs, 1_000, "retry.minTimeoutMs");
  const maxTimeoutMs = positive(options.retry?.maxTimeoutMs, 60_000, "retry.maxTimeoutMs");
  const factor = positive(options.retry?.factor, 2, "retry.factor");
  const classify = options.classifyError ?? classifyError;
  const sources = options.sources ?? {};
  const conversationSink = options.sink?.conversations ?? store.conversations;
  const chunkSink = options.sink?.chunks ?? store.chunks;
  const report = (error: unknown, jobId?: string) => {
    try {
      options.onError?.(jobId === undefined ? { error } : { error, jobId });
    } catch {
      // A throwing logger must not break the worker.
    }
  };

  for (const [name, pipeline] of Object.entries(options.pipelines)) {
    if (!pipeline || !Array.isArray(pipeline.stages) || pipeline.stages.length === 0) {
      throw new TypeError(`[threadmill] pipeline "${name}" needs at least one stage`);
    }
    const names = new Set(pipeline.stages.map((s) => s.name));
    if (names.size !== pipeline.stages.length) {
      throw new TypeError(`[threadmill] pipeline "${name}" has two stages with the same name`);
    }
  }

  /** Store writes that must happen (release, terminal status): retried, except when the lease is gone. */
  const mustWrite = <T>(fn: () => Promise<T>): Promise<T> =>
    pRetry(fn, {
      retries: 5,
      minTimeout: 100,
      maxTimeout: 2_000,
      randomize: true,
      shouldRetry: ({ error }) => !LeaseLostError.isInstance(error),
    });

  /** Writes inside a claim (checkpoint, events): a store blip is retried briefly before the claim gives up. */
  const briefly = <T>(fn: () => Promise<T>): Promise<T> =>
    pRetry(fn, {
      retries: 3,
      minTimeout: 50,
      maxTimeout: 500,
      randomize: true,
      shouldRetry: ({ error }) => !LeaseLostError.isInstance(error),
    });

  /** Unit durations per pipeline stage, shared by the claims of this runner. */
  const timers = new Map<string, UnitTimer>();
  const timerFor = (key: string) => {
    let timer = timers.get(key);
    if (!timer) {
      timer = createUnitTimer();
      timers.set(key, timer);
    }
    return timer;
  };
  /** The shortest time any unit is expected to take: a claim with less time left is pointless. */
  const minEstimate = () => {
    let min = Number.POSITIVE_INFINITY;
    for (const timer of timers.values()) min = Math.min(min, timer.estimate());
    return Number.isFinite(min) ? min : 0;
  };

  const backoff = (attempt: number) =>
    Math.min(maxTimeoutMs, minTimeoutMs * factor ** Math.max(0, attempt - 1)) * (1 + Math.random());

  // ---- one claim -------------------------------------------------------------------------------

  interface ClaimLimits {
    /** Epoch ms: no unit starts that would end after it; a running one is aborted at it. */
    readonly softDeadline: number;
    /** Hard interrupt: aborts the running unit (SIGINT, stop's grace ran out). */
    readonly signal?: AbortSignal;
    /** Soft stop: no new unit starts. */
    readonly stopping?: () => boolean;
  }

  async function runClaim(claim: Claim, claimedAt: number, limits: ClaimLimits): Promise<JobRun> {
    const { job } = claim;
    const ref = { tenant: job.tenant, jobId: job.id, epoch: claim.lease.epoch };
    const controller = new AbortController();
    const abort = (reason: Error) => {
      if (!controller.signal.aborted) controller.abort(reason);
    };
    const heartbeat: Heartbeat = createHeartbeat({
      queue: store.queue,
      lease: claim.lease,
      leaseMs,
      renewEveryMs,
      claimedAt,
      onLost: abort,
      onCancel: abort,
      onError: (error) => report(error, job.id),
    });
    const onOuterAbort = () =>
      abort(limits.signal?.reason instanceof Interrupt ? limits.signal.reason : new Interrupt("signal"));
    if (limits.signal?.aborted) onOuterAbort();
    limits.signal?.addEventListener("abort", onOuterAbort, { once: true });
    let deadlineTimer: ReturnType<typeof setTimeout> | undefined;
    if (Number.isFinite(limits.softDeadline)) {
      deadlineTimer = setTimeout(() => abort(new Interrupt("deadline")), limits.softDeadline - Date.now());
      unrefTimer(deadlineTimer);
    }

    let units = 0;
    let progressed = false;
    let lastProgressAt = Number.NEGATIVE_INFINITY;
    const lease = () => heartbeat.lease;
    const attemptNow = () => (progressed ? 0 : job.attempts);
    const emit = async (event: Omit<NewProgressEvent, "attempt" | "epoch" | "at">) => {
      await briefly(async () => {
        heartbeat.assertValid();
        return await store.events.append(lease(), {
          ...event,
          attempt: attemptNow(),
          epoch: ref.epoch,
          at: Date.now(),
        });
      });
    };
    /** Progress is cumulative, so a progress write that keeps failing is skipped: the next one supersedes it. */
    const reportProgress = async (stage: string, progress: JobProgress | undefined, force: boolean) => {
      const now = performance.now();
      if (!force && now - lastProgressAt < progressEveryMs) return;
      lastProgressAt = now;
      try {
        const updated = await pRetry(
          () => store.jobs.transition(lease(), { stage, ...(progress ? { progress } : {}) }),
          { retries: 2, minTimeout: 50, shouldRetry: ({ error }) => !LeaseLostError.isInstance(error) },
        );
        if (updated.cancelRequested) abort(new CancelledError({ jobId: job.id }));
        if (progress) {
          await emit({
            type: "progress",
            status: "running",
            stage,
            done: progress.done,
            total: progress.total,
            ...(progress.unit === null ? {} : { unit: progress.unit }),
          });
        }
      } catch (error) {
        if (LeaseLostError.isInstance(error)) throw error;
        report(error, job.id);
      }
    };
    const finish = (outcome: RunOutcome, reason?: JobRun["reason"]): JobRun => ({
      ...ref,
      outcome,
      units,
      ...(reason ? { reason } : {}),
    });

    const settle = async (thrown: unknown): Promise<JobRun> => {
      const cause = controller.signal.aborted ? controller.signal.reason : thrown;
      try {
        if (LeaseLostError.isInstance(cause)) return finish("lease-lost");
        heartbeat.assertValid();
        if (CancelledError.isInstance(cause)) {
          await mustWrite(() => store.queue.complete(lease(), { status: "cancelled" }));
          return finish("cancelled");
        }
        if (cause instanceof Interrupt) {
          await emit({ type: "yielded", status: "queued", message: `released (${cause.reason})` }).catch(
            (error: unknown) => {
              if (LeaseLostError.isInstance(error)) throw error;
              report(error, job.id);
            },
          );
          // Due now by the store's clock, not this worker's (which may be ahead of it).
          await mustWrite(() => store.queue.release(lease()));
          return finish("released", cause.reason);
        }
        const error = cause instanceof RetryLater ? cause.error : cause;
        const errorClass = cause instanceof RetryLater ? "retriable" : classify(error);
        const jobError = toJobError(error, errorClass);
        if (errorClass === "fatal" || (!progressed && job.attempts >= job.maxAttempts)) {
          await mustWrite(() => store.queue.deadLetter(lease(), jobError));
          return finish("failed", "error");
        }
        const delayMs =
          cause instanceof RetryLater
            ? cause.delayMs
            : Math.max(retryAfterOf(error), backoff(progressed ? 1 : job.attempts));
        await emit({
          type: "retrying",
          status: "queued",
          message: `attempt ${job.attempts} failed, retrying in ${Math.round(delayMs)} ms: ${jobError.message}`,
        }).catch((e: unknown) => {
          if (LeaseLostError.isInstance(e)) throw e;
          report(e, job.id);
        });
        await mustWrite(() => store.queue.release(lease(), { runAt: Date.now() + delayMs, error: jobError }));
        return finish("released", "retry");
      } catch (error) {
        if (LeaseLostError.isInstance(error)) return finish("lease-lost");
        // The final write kept failing: the lease expires and the next worker finishes the bookkeeping.
        report(error, job.id);
        return finish("lease-lost");
      }
    };

    try {
      if (job.attempts > job.maxAttempts) {
        const message = `[threadmill] job ${job.id} made no progress in ${job.maxAttempts} attempts (crashes, lost leases or errors); giving up.${job.error ? ` Last error: ${job.error.message}` : ""}`;
        await mustWrite(() =>
          store.queue.deadLetter(lease(), {
            code: job.error?.code ?? "ATTEMPTS_EXHAUSTED",
            name: job.error?.name ?? "Error",
            message,
            retriable: false,
          }),
        );
        return finish("failed", "error");
      }
      if (job.cancelRequested) throw new CancelledError({ jobId: job.id });
      const pipeline = options.pipelines[job.pipeline];
      if (!pipeline) {
        throw new JobConfigurationError(
          "UNKNOWN_PIPELINE",
          `job ${job.id} names pipeline "${job.pipeline}", which this worker does not have; register it in createRunner({ pipelines }).`,
        );
      }
      const resolver = sources[job.input.kind];
      if (!resolver) {
        throw new JobConfigurationError(
          "UNKNOWN_SOURCE_KIND",
          `job ${job.id} reads a "${job.input.kind}" source, which this worker cannot open; register a resolver in createRunner({ sources }).`,
        );
      }
      const source = await resolver(job.input, { tenant: job.tenant, jobId: job.id });
      const stageContext: StageContext = { job, options: job.options, source, signal: controller.signal };

      let checkpoint: Checkpoint = (await store.checkpoints.load(job.tenant, job.id)) ?? {
        stage: pipeline.stages[0]!.name,
        cursors: {},
        completed: [],
        counts: {},
      };
      await emit({ type: "started", status: "running", stage: checkpoint.stage });
      const yielder = createYielder(yieldEveryMs, controller.signal);

      for (const stage of pipeline.stages as readonly Stage[]) {
        if (checkpoint.completed.includes(stage.name)) continue;
        if (checkpoint.stage !== stage.name) checkpoint = { ...checkpoint, stage: stage.name };
        const timer = timerFor(`${job.pipeline}\u0000${stage.name}`);
        await emit({ type: "stage", status: "running", stage: stage.name });
        let run: StageRun | null = null;
        try {
          for (;;) {
            controller.signal.throwIfAborted();
            if (limits.stopping?.()) throw new Interrupt("stop");
            if (Date.now() + timer.estimate() > limits.softDeadline) throw new Interrupt("deadline");
            const startedAt = performance.now();
            const result: UnitResult = await pRetry(
              async () => {
                const cursor = (checkpoint.cursors[stage.name] ?? null) as JsonValue | null;
                run ??= await stage.open(stageContext, cursor);
                try {
                  const unitContext: UnitContext = {
                    ...stageContext,
                    get lease() {
                      return heartbeat.lease;
                    },
                    yield: yielder,
                    endBy: limits.softDeadline,
                  };
                  const r = await run.next(unitContext);
                  controller.signal.throwIfAborted();
                  heartbeat.assertValid();
                  await writeOutputs(lease(), r);
                  return r;
                } catch (error) {
                  const failed = run;
                  run = null;
                  await Promise.resolve()
                    .then(() => failed?.close?.())
                    .catch((e: unknown) => report(e, job.id));
                  throw error;
                }
              },
              {
                retries,
                factor,
                minTimeout: minTimeoutMs,
                maxTimeout: maxTimeoutMs,
                randomize: true,
                signal: controller.signal,
                onFailedAttempt: async ({ error, retriesLeft, attemptNumber }) => {
                  if (controller.signal.aborted) throw controller.signal.reason;
                  if (LeaseLostError.isInstance(error)) throw error;
                  if (classify(error) === "fatal" || retriesLeft === 0) throw error;
                  const wait = retryAfterOf(error);
                  const delay = Math.max(wait, minTimeoutMs * factor ** (attemptNumber - 1));
                  if (Date.now() + delay + timer.estimate() > limits.softDeadline) {
                    throw new RetryLater(delay, error);
                  }
                  await emit({
                    type: "retrying",
                    status: "running",
                    stage: stage.name,
                    message: `unit failed (try ${attemptNumber}), retrying: ${toJobError(error).message}`,
                  });
                  // p-retry's own backoff follows; a retry-after longer than it is waited out first.
                  if (wait > 0) await sleep(wait, controller.signal);
                },
              },
            );
            timer.record(performance.now() - startedAt);
            const counts: Record<string, number> = { ...checkpoint.counts };
            for (const [key, value] of Object.entries(result.counts ?? {})) {
              counts[key] = (counts[key] ?? 0) + value;
            }
            const stageDone = result.done;
            const completed = stageDone ? [...checkpoint.completed, stage.name] : checkpoint.completed;
            const next = pipeline.stages.find((s) => !completed.includes(s.name));
            checkpoint = {
              stage: stageDone && next ? next.name : stage.name,
              cursors: { ...checkpoint.cursors, [stage.name]: result.cursor },
              completed,
              counts,
            };
            heartbeat.assertValid();
            const saved = checkpoint;
            await briefly(async () => {
              heartbeat.assertValid();
              await store.checkpoints.save(lease(), saved);
            });
            progressed = true;
            units += 1;
            await reportProgress(stage.name, result.progress, stageDone);
            if (stageDone) break;
            await yielder();
          }
        } finally {
          const open = run as StageRun | null;
          if (open) await Promise.resolve(open.close?.()).catch((e: unknown) => report(e, job.id));
        }
      }
      heartbeat.assertValid();
      await mustWrite(() =>
        store.queue.complete(lease(), { status: "succeeded", result: checkpoint.counts }),
      );
      return finish("succeeded");
    } catch (error) {
      return await settle(error);
    } finally {
      heartbeat.stop();
      if (deadlineTimer !== undefined) clearTimeout(deadlineTimer);
      limits.signal?.removeEventListener("abort", onOuterAbort);
    }
  }

  async function writeOutputs(lease: Lease, result: UnitResult): Promise<void> {
    if (result.conversations && result.conversations.length > 0) {
      await conversationSink.upsert(lease, result.conversations);
    }
    if (result.chunks && result.chunks.length > 0) {
      const chunks: readonly Chunk[] = result.chunks;
      if (isChunkStore(chunkSink)) await chunkSink.upsert(lease, chunks);
      else await chunkSink.upsert(lease.tenant, chunks);
    }
  }

  const claimNext = async (named?: { tenant: string; jobId: string }) => {
    const claimedAt = performance.now();
    const claim = await store.queue.claim(workerId, leaseMs, named);
    return claim ? { claim, claimedAt } : null;
  };

  // ---- long-lived mode -------------------------------------------------------------------------

  /** A claim loop's idle wait: the poll interval (jittered), cut short by the queue's wake-up hint. */
  const idleWait = async (signal: AbortSignal): Promise<void> => {
    if (signal.aborted) return;
    const woken = new AbortController();
    const wake = () => woken.abort();
    signal.addEventListener("abort", wake, { once: true });
    const unsubscribe = store.queue.onClaimable?.(wake);
    try {
      await sleep(pollMs * (0.5 + Math.random() / 2), woken.signal).catch(() => {});
    } finally {
      unsubscribe?.();
      signal.removeEventListener("abort", wake);
    }
  };

  let loops: Promise<void>[] = [];
  let stopping = false;
  // One pair of controllers per loop, not one shared by all: every loop keeps an abort listener on
  // its signals (an idle sleep, a running claim), and 11+ on one AbortSignal make Node warn of a leak.
  let loopSignals: { idle: AbortController; hardStop: AbortController }[] = [];

  async function loop(signals: { idle: AbortController; hardStop: AbortController }): Promise<void> {
    const { idle, hardStop } = signals;
    while (!stopping) {
      let next: Awaited<ReturnType<typeof claimNext>> = null;
      try {
        next = await claimNext();
      } catch (error) {
        report(error);
      }
      if (!next) {
        await idleWait(idle.signal);
        continue;
      }
      await runClaim(next.claim, next.claimedAt, {
        softDeadline: Number.POSITIVE_INFINITY,
        signal: hardStop.signal,
        stopping: () => stopping,
      });
    }
  }

  // ---- the runner ------------------------------------------------------------------------------

  return {
    workerId,

    async submit(spec) {
      if (!options.pipelines[spec.pipeline]) {
        throw new TypeError(
          `[threadmill] unknown pipeline "${spec.pipeline}"; this runner has: ${Object.keys(options.pipelines).join(", ") || "none"}.`,
        );
      }
      const result = await store.jobs.create(spec);
      if (result.created) {
        await store.events.append(
          { tenant: result.job.tenant, jobId: result.job.id },
          { type: "queued", status: "queued", attempt: 0, epoch: 0, at: Date.now() },
        );
      }
      return result;
    },

    async work(workOptions = {}) {
      const { signal } = workOptions;
      const deadline =
        workOptions.deadline === undefined
          ? Number.POSITIVE_INFINITY
          : workOptions.deadline instanceof Date
            ? workOptions.deadline.getTime()
            : workOptions.deadline;
      const margin = Number.isFinite(deadline)
        ? Math.min(deadlineMarginMs, Math.max(0, (deadline - Date.now()) / 5))
        : 0;
      const softDeadline = deadline - margin;
      const runs: JobRun[] = [];
      for (;;) {
        if (signal?.aborted) return { runs, reason: "aborted" };
        if (Date.now() + minEstimate() >= softDeadline) return { runs, reason: "deadline" };
        const next = await claimNext();
        if (!next) return { runs, reason: "idle" };
        const run = await runClaim(next.claim, next.claimedAt, {
          softDeadline,
          ...(signal ? { signal } : {}),
        });
        runs.push(run);
        if (run.outcome === "released" && run.reason === "deadline") return { runs, reason: "deadline" };
        if (run.outcome === "released" && run.reason === "signal") return { runs, reason: "aborted" };
      }
    },

    start(startOptions = {}) {
      const concurrency = startOptions.concurrency ?? 1;
      if (!Number.isInteger(concurrency) || concurrency < 1) {
        throw new RangeError("[threadmill] concurrency must be an integer >= 1");
      }
      if (loops.length > 0) throw new Error("[threadmill] this runner was already started; stop() it first");
      stopping = false;
      loopSignals = Array.from({ length: concurrency }, () => ({
        idle: new AbortController(),
        hardStop: new AbortController(),
      }));
      loops = loopSignals.map((signals) => loop(signals));
    },

    async stop(stopOptions = {}) {
      const graceMs = stopOptions.graceMs ?? 10_000;
      stopping = true;
      for (const { idle } of loopSignals) idle.abort();
      const grace = setTimeout(() => {
        for (const { hardStop } of loopSignals) hardStop.abort(new Interrupt("stop"));
      }, graceMs);
      unrefTimer(grace);
      try {
        await Promise.all(loops);
      } finally {
        clearTimeout(grace);
        loops = [];
        loopSignals = [];
      }
    },

    async run(tenant, jobId, runOptions = {}) {
      const { signal, onEvent } = runOptions;
      const first = await store.jobs.get(tenant, jobId);
      if (!first) return null;
      const follower = onEvent
        ? followEvents(tenant, jobId, runOptions.afterEventId ?? null, onEvent)
        : undefined;
      try {
        for (;;) {
          if (signal?.aborted) break;
          const next = await claimNext({ tenant, jobId });
          if (next) {
            const run = await runClaim(next.claim, next.claimedAt, {
              softDeadline: Number.POSITIVE_INFINITY,
              ...(signal ? { signal } : {}),
            });
            if (run.outcome !== "released" && run.outcome !== "lease-lost") break;
            if (run.reason === "signal") break;
            continue;
          }
          const job = await store.jobs.get(tenant, jobId);
          if (!job || TERMINAL_STATUSES.has(job.status)) break;
          const wait =
            job.status === "queued" ? Math.min(pollMs, Math.max(0, job.runAt - Date.now())) : pollMs;
          await sleep(Math.max(10, wait), signal).catch(() => {});
        }
        const final = await store.jobs.get(tenant, jobId);
        await follower?.finish(final !== null && TERMINAL_STATUSES.has(final.status));
        return final;
      } finally {
        follower?.abort();
      }
    },

    cancel: (tenant, jobId) => store.jobs.requestCancel(tenant, jobId),
    async retry(tenant, jobId) {
      const before = await store.jobs.get(tenant, jobId);
      if (!before) return null;
      const job = await store.jobs.retry(tenant, jobId);
      if (job && TERMINAL_STATUSES.has(before.status) && job.status === "queued") {
        await store.events.append(
          { tenant, jobId },
          { type: "queued", status: "queued", message: "retried", attempt: 0, epoch: 0, at: Date.now() },
        );
      }
      return job;
    },

    async purge(tenant, jobId) {
      const purged = await store.jobs.purge(tenant, jobId);
      if (conversationSink !== store.conversations) await conversationSink.purgeJob(tenant, jobId);
      if (chunkSink !== store.chunks && isChunkStore(chunkSink)) await chunkSink.purgeJob(tenant, jobId);
      return purged;
    },
  };

  /**
   * Reads the job's log in order and hands each event to `onEvent`; `finish(terminal)` waits until
   * the terminal event was delivered (bounded), or drains what is there.
   */
  function followEvents(
    tenant: string,
    jobId: string,
    afterId: string | null,
    onEvent: (event: ProgressEvent) => void,
  ) {
    const controller = new AbortController();
    let after = afterId;
    let draining = false;
    let sawTerminal = false;
    const done = (async () => {
      while (!controller.signal.aborted) {
        let events: ProgressEvent[];
        try {
          events = await store.events.read(tenant, jobId, after, {
            waitMs: draining ? 0 : 1_000,
            signal: controller.signal,
          });
        } catch (error) {
          if (controller.signal.aborted) return;
          report(error, jobId);
          await sleep(pollMs, controller.signal).catch(() => {});
          continue;
        }
        for (const event of events) {
          after = event.id;
          try {
            onEvent(event);
          } catch (error) {
            report(error, jobId);
          }
          // A reset states the job's current status: when that is terminal, what follows is history.
          if (event.type === "reset" && event.status !== undefined && TERMINAL_STATUSES.has(event.status)) {
            sawTerminal = true;
            return;
          }
        }
        const last = events.at(-1);
        // A terminal event followed by more (a retried job's `queued` and new run) does not end the log.
        if (last && TERMINAL_EVENT_TYPES.has(last.type)) {
          const more = await store.events
            .read(tenant, jobId, after, { limit: 1, waitMs: 0 })
            .catch(() => [] as ProgressEvent[]);
          if (more.length === 0) {
            sawTerminal = true;
            return;
          }
        }
        if (draining && events.length === 0) return;
      }
    })();
    return {
      async finish(terminal: boolean) {
        if (!terminal) draining = true;
        const timeout = sleep(terminal ? 5_000 : 2_000, controller.signal).catch(() => {});
        await Promise.race([done, timeout]);
        if (terminal && !sawTerminal) draining = true;
      },
      abort() {
        controller.abort();
      },
    };
  }
}
