import pRetry from "p-retry";
import { CancelledError } from "../errors/cancelled-error.js";
import { LeaseLostError } from "../errors/lease-lost-error.js";
import type { NewProgressEvent } from "../ports/event.js";
import type { Job, JobProgress } from "../ports/job.js";
import type { Lease } from "../ports/lease.js";
import type { Claim } from "../ports/queue.js";
import type { ClaimTelemetry } from "../telemetry/runner-telemetry.js";
import { Interrupt } from "./claim-interrupts.js";
import { createHeartbeat, type Heartbeat } from "./heartbeat.js";
import type { JobRun, RunOutcome } from "./job-run.js";
import type { RunnerContext } from "./runner-options.js";
import { unrefTimer } from "./sleep.js";
import { briefly, mustWrite } from "./store-write-retries.js";

/** The bounds of one claim. */
export interface ClaimLimits {
  /** Epoch ms: no unit starts that would end after it; a running one is aborted at it. */
  readonly softDeadline: number;
  /** Hard interrupt: aborts the running unit (SIGINT, stop's grace ran out). */
  readonly signal?: AbortSignal;
  /** Soft stop: no new unit starts. */
  readonly stopping?: () => boolean;
  /** A loop that claims again once this claim ends: the job's completion also claims its next job. */
  readonly chain?: ClaimChain;
}

/** A claimed job and when its claim was asked for (`performance.now()`). */
export interface ClaimedJob {
  readonly claim: Claim;
  readonly claimedAt: number;
}

/**
 * How a claim loop takes its next job in the completion's round trip (`Queue.completeAndClaim`):
 * `wanted()` is asked right before the completion, and a job claimed with it goes to `take`.
 */
export interface ClaimChain {
  wanted(): boolean;
  take(next: ClaimedJob): void;
}

/** A progress event as a claim writes it: the session fills in attempt, epoch and time. */
export type ClaimEvent = Omit<NewProgressEvent, "attempt" | "epoch" | "at">;

/** What one claim of a job holds while it runs: its lease heartbeat, abort signal, events and tallies. */
export interface ClaimSession {
  readonly job: Job;
  readonly limits: ClaimLimits;
  readonly heartbeat: Heartbeat;
  /** The claim's spans and metrics. */
  readonly telemetry: ClaimTelemetry;
  /** What every log line about this claim carries: `jobId`, `tenant`, `epoch`. */
  readonly logFields: { readonly jobId: string; readonly tenant: string; readonly epoch: number };
  /** Aborts on a lost lease, a cancel, the deadline or the caller's signal; its reason says which. */
  readonly signal: AbortSignal;
  /** The current lease (renewed by the heartbeat). */
  lease(): Lease;
  abort(reason: Error): void;
  /** Appends an event under the lease, retrying a store blip briefly. */
  emit(event: ClaimEvent): Promise<void>;
  /** `mustWrite`, logging each retry of `operation` (`queue.release`, say). */
  mustWrite<T>(operation: string, fn: () => Promise<T>): Promise<T>;
  /** `briefly`, logging each retry of `operation`. */
  briefly<T>(operation: string, fn: () => Promise<T>): Promise<T>;
  /** Updates the job's stage and progress (throttled unless `force`) and logs a `progress` event. */
  reportProgress(stage: string, progress: JobProgress | undefined, force: boolean): Promise<void>;
  /** Counts a finished, checkpointed unit. */
  unitDone(): void;
  /** Whether a checkpoint advanced during this claim. */
  readonly progressed: boolean;
  finish(outcome: RunOutcome, reason?: JobRun["reason"]): JobRun;
  /** Stops the heartbeat and the timers and listeners the session set. */
  dispose(): void;
}

/** Starts the lease heartbeat and the abort wiring of one claim. */
export function openClaimSession(
  context: RunnerContext,
  claim: Claim,
  claimedAt: number,
  limits: ClaimLimits,
): ClaimSession {
  const { store, report, log } = context;
  const { job } = claim;
  const ref = { tenant: job.tenant, jobId: job.id, epoch: claim.lease.epoch };
  const logFields = { jobId: job.id, tenant: job.tenant, epoch: ref.epoch };
  const controller = new AbortController();
  const telemetry = context.telemetry.claim(job, ref.epoch, controller.signal);
  const retrying =
    (operation: string) =>
    (error: unknown, attempt: number): void =>
      log.warn({ ...logFields, operation, attempt, err: error }, `store write ${operation} failed; retrying`);
  const abort = (reason: Error) => {
    if (!controller.signal.aborted) controller.abort(reason);
  };
  const heartbeat = createHeartbeat({
    queue: store.queue,
    lease: claim.lease,
    leaseMs: context.leaseMs,
    renewEveryMs: context.renewEveryMs,
    claimedAt,
    onLost: abort,
    onCancel: abort,
    onError: (error) => report(error, job.id, "lease renewal failed; retrying at the next renewal"),
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
  const emit = async (event: ClaimEvent) => {
    await briefly(async () => {
      heartbeat.assertValid();
      return await store.events.append(lease(), {
        ...event,
        attempt: progressed ? 0 : job.attempts,
        epoch: ref.epoch,
        at: Date.now(),
      });
    }, retrying("events.append"));
  };
  /** Progress is cumulative, so a progress write that keeps failing is skipped: the next one supersedes it. */
  const reportProgress = async (stage: string, progress: JobProgress | undefined, force: boolean) => {
    const now = performance.now();
    if (!force && now - lastProgressAt < context.progressEveryMs) return;
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
      report(error, job.id, "progress update failed; skipped, the next one supersedes it");
    }
  };

  return {
    job,
    limits,
    heartbeat,
    telemetry,
    logFields,
    signal: controller.signal,
    lease,
    abort,
    emit,
    mustWrite: (operation, fn) => mustWrite(fn, retrying(operation)),
    briefly: (operation, fn) => briefly(fn, retrying(operation)),
    reportProgress,
    unitDone() {
      progressed = true;
      units += 1;
    },
    get progressed() {
      return progressed;
    },
    finish: (outcome, reason) => ({ ...ref, outcome, units, ...(reason ? { reason } : {}) }),
    dispose() {
      heartbeat.stop();
      if (deadlineTimer !== undefined) clearTimeout(deadlineTimer);
      limits.signal?.removeEventListener("abort", onOuterAbort);
    },
  };
}
