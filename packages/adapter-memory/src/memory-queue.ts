import type {
  Claim,
  ClaimNextOptions,
  ClaimOptions,
  CompleteAndClaimResult,
  CompleteOutcome,
  ExtendResult,
  Job,
  JobError,
  Lease,
  Queue,
  ReleaseOptions,
} from "@threadmill/core";
import {
  appendEvent,
  assertDuration,
  assertId,
  assertOpen,
  clone,
  fence,
  type MemoryState,
  type MutableJob,
} from "./memory-state.js";

function claimable(job: MutableJob, now: number): boolean {
  if (job.status === "queued") return job.runAt <= now;
  if (job.status === "running") return job.leaseExpiresAt !== null && job.leaseExpiresAt <= now;
  return false;
}

/** Negative when `a` should be claimed before `b`: priority, then runAt, then age (ids sort by time). */
function claimOrder(a: MutableJob, b: MutableJob): number {
  if (a.priority !== b.priority) return b.priority - a.priority;
  if (a.runAt !== b.runAt) return a.runAt - b.runAt;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function leaseOf(job: MutableJob): Lease {
  return {
    tenant: job.tenant,
    jobId: job.id,
    epoch: job.epoch,
    workerId: job.workerId!,
    expiresAt: job.leaseExpiresAt!,
  };
}

/**
 * A terminal write repeated under the lease that made it (its answer was lost, say) returns the job
 * unchanged instead of throwing, so the runner's retried terminal write is idempotent.
 */
function alreadyEnded(state: MemoryState, lease: Lease, status: Job["status"]): MutableJob | undefined {
  const job = state.tenants.get(lease.tenant)?.jobs.get(lease.jobId);
  if (job && job.epoch === lease.epoch && job.status === status && job.workerId === null) return job;
  return undefined;
}

/** `claim`, synchronously (so atomically). */
function claimIn(
  state: MemoryState,
  workerId: string,
  leaseMs: number,
  options: ClaimOptions = {},
): Claim | null {
  assertId(workerId, "workerId");
  assertDuration(leaseMs, "leaseMs");
  const now = state.now();
  let best: MutableJob | undefined;
  if (options.jobId !== undefined || options.tenant !== undefined) {
    if (options.jobId === undefined || options.tenant === undefined) {
      throw new TypeError("[threadmill] [memory] claim of a named job needs both tenant and jobId");
    }
    const job = state.tenants.get(options.tenant)?.jobs.get(options.jobId);
    if (job && claimable(job, now)) best = job;
  } else {
    for (const tenant of state.tenants.values()) {
      for (const job of tenant.jobs.values()) {
        if (claimable(job, now) && (best === undefined || claimOrder(job, best) < 0)) best = job;
      }
    }
  }
  if (!best) return null;
  best.status = "running";
  best.epoch += 1;
  best.attempts += 1;
  best.workerId = workerId;
  best.leaseExpiresAt = now + leaseMs;
  best.updatedAt = now;
  return { job: clone(best), lease: leaseOf(best) };
}

/** `complete`, synchronously (so atomically). */
function completeIn(state: MemoryState, lease: Lease, outcome: CompleteOutcome): Job {
  if (outcome?.status !== "succeeded" && outcome?.status !== "cancelled") {
    throw new TypeError('[threadmill] [memory] complete outcome status must be "succeeded" or "cancelled"');
  }
  const done = alreadyEnded(state, lease, outcome.status);
  if (done) return clone(done);
  const job = fence(state, lease);
  const now = state.now();
  job.status = outcome.status;
  if (outcome.status === "succeeded") job.result = clone(outcome.result ?? null);
  job.error = null;
  job.workerId = null;
  job.leaseExpiresAt = null;
  job.finishedAt = now;
  job.updatedAt = now;
  appendEvent(state, state.tenants.get(lease.tenant)!, lease.tenant, job.id, {
    type: outcome.status,
    status: outcome.status,
    ...(job.stage === null ? {} : { stage: job.stage }),
    attempt: job.attempts,
    epoch: job.epoch,
    at: now,
  });
  return clone(job);
}

/** The Queue port over a memory state; every method is synchronous inside, so each is atomic. */
export function createMemoryQueue(state: MemoryState): Queue {
  return {
    async claim(workerId: string, leaseMs: number, options: ClaimOptions = {}): Promise<Claim | null> {
      assertOpen(state, "queue.claim");
      return claimIn(state, workerId, leaseMs, options);
    },

    async extend(lease: Lease, leaseMs: number): Promise<ExtendResult> {
      assertOpen(state, "queue.extend");
      assertDuration(leaseMs, "leaseMs");
      const job = fence(state, lease);
      const now = state.now();
      job.leaseExpiresAt = now + leaseMs;
      job.updatedAt = now;
      return { lease: { ...leaseOf(job), workerId: lease.workerId }, cancelRequested: job.cancelRequested };
    },

    async release(lease: Lease, options: ReleaseOptions = {}): Promise<Job> {
      assertOpen(state, "queue.release");
      if (options.runAt !== undefined && !Number.isFinite(options.runAt)) {
        throw new RangeError("[threadmill] [memory] release runAt must be epoch milliseconds");
      }
      const job = fence(state, lease);
      const now = state.now();
      job.status = "queued";
      job.runAt = options.runAt ?? now;
      job.error = options.error ? clone(options.error) : null;
      job.workerId = null;
      job.leaseExpiresAt = null;
      job.updatedAt = now;
      return clone(job);
    },

    async complete(lease: Lease, outcome: CompleteOutcome): Promise<Job> {
      assertOpen(state, "queue.complete");
      return completeIn(state, lease, outcome);
    },

    async completeAndClaim(
      lease: Lease,
      outcome: CompleteOutcome,
      next: ClaimNextOptions,
    ): Promise<CompleteAndClaimResult> {
      assertOpen(state, "queue.completeAndClaim");
      assertId(next?.workerId, "workerId");
      assertDuration(next.leaseMs, "leaseMs");
      const job = completeIn(state, lease, outcome);
      return { job, next: claimIn(state, next.workerId, next.leaseMs) };
    },

    async deadLetter(lease: Lease, error: JobError): Promise<Job> {
      assertOpen(state, "queue.deadLetter");
      if (typeof error !== "object" || error === null || typeof error.message !== "string") {
        throw new TypeError("[threadmill] [memory] deadLetter needs a JobError");
      }
      const done = alreadyEnded(state, lease, "failed");
      if (done) return clone(done);
      const job = fence(state, lease);
      const now = state.now();
      job.status = "failed";
      job.error = clone(error);
      job.workerId = null;
      job.leaseExpiresAt = null;
      job.finishedAt = now;
      job.updatedAt = now;
      appendEvent(state, state.tenants.get(lease.tenant)!, lease.tenant, job.id, {
        type: "failed",
        status: "failed",
        ...(job.stage === null ? {} : { stage: job.stage }),
        message: error.message,
        attempt: job.attempts,
        epoch: job.epoch,
        at: now,
      });
      return clone(job);
    },
  };
}
