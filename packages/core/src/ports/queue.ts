import type { JsonValue } from "../util/json.js";
import type { Job, JobError } from "./job.js";
import type { Lease } from "./lease.js";

/** A claimed job and the lease to work on it. */
export interface Claim {
  readonly job: Job;
  readonly lease: Lease;
}

/** Options of `Queue.claim`. */
export interface ClaimOptions {
  /** Claim only this job (a process that runs its own job); `null` when it is not claimable. */
  readonly tenant?: string;
  readonly jobId?: string;
}

/** The lease renewal's answer. */
export interface ExtendResult {
  readonly lease: Lease;
  /** The job's cancel flag: the worker aborts its unit when set. */
  readonly cancelRequested: boolean;
}

/** How a job ended well. */
export type CompleteOutcome =
  | { readonly status: "succeeded"; readonly result?: JsonValue }
  | { readonly status: "cancelled" };

/** The claim `Queue.completeAndClaim` makes once the job is completed. */
export interface ClaimNextOptions {
  readonly workerId: string;
  readonly leaseMs: number;
}

/** What `Queue.completeAndClaim` did: the completed job, and the next claim (`null`: nothing due). */
export interface CompleteAndClaimResult {
  readonly job: Job;
  readonly next: Claim | null;
}

/** Options of `Queue.release`. */
export interface ReleaseOptions {
  /** When the job is claimable again (epoch ms, store clock). @default now */
  readonly runAt?: number;
  /** The error that made the worker give up this attempt, kept on the record while it waits. */
  readonly error?: JobError | null;
}

/**
 * Hands out due jobs under leases and records how they end. A lease is current while its job exists
 * in the lease's tenant, is `running`, and has the lease's epoch; every fenced write checks that in
 * the same atomic step as the write.
 */
export interface Queue {
  /**
   * Atomically hands out one claimable job of any tenant (or only the named one): a `queued` job
   * whose `runAt` has passed, or a `running` job whose lease expired (`leaseExpiresAt <= now`, store
   * clock). Highest `priority` first, then earliest `runAt`, then oldest (creation order). The job
   * becomes `running` with `workerId`, a lease expiring `leaseMs` after the store's now (the job's new
   * `updatedAt`), `epoch + 1` and `attempts + 1`; the store does not dead-letter on its own (the
   * runner compares `attempts` with `maxAttempts`). Concurrent claimers never receive the same job
   * under the same epoch. `null` when nothing is claimable, and for a named job that is not
   * claimable, unknown, or another tenant's.
   * @throws RangeError when `leaseMs` is not a positive number.
   */
  claim(workerId: string, leaseMs: number, options?: ClaimOptions): Promise<Claim | null>;
  /**
   * Renews the lease to `leaseMs` from now (store clock) and returns the renewed lease and the cancel
   * flag. A lease that expired but was not yet claimed by another worker is still current and can be
   * renewed: an expired lease only loses to a newer claim.
   * @throws LeaseLostError when the epoch was superseded or the job is no longer running.
   */
  extend(lease: Lease, leaseMs: number): Promise<ExtendResult>;
  /**
   * Gives the job back: `queued` at `runAt`, lease cleared, `error` set to `options.error` (cleared
   * when absent), epoch and attempts kept (the next claim increments them). Used when a time slice
   * ends, on SIGTERM, and for retry delays. Atomic and fenced; the lease is no longer current after.
   * @throws LeaseLostError when the epoch was superseded or the job is not running under it.
   */
  release(lease: Lease, options?: ReleaseOptions): Promise<Job>;
  /**
   * Ends the job as `succeeded` (with its `result`, `null` when absent) or `cancelled`, setting
   * `finishedAt`, clearing the lease and `error`, and appending the matching terminal event (with
   * `status`), in one atomic, fenced step: no reader sees the status without the event or the event
   * without the status. Repeated under the same lease after it succeeded (its answer was lost), it
   * returns the job unchanged and appends nothing, so a retried terminal write is safe.
   * @throws LeaseLostError when the epoch was superseded or the job is not running under it; nothing
   * is written then.
   */
  complete(lease: Lease, outcome: CompleteOutcome): Promise<Job>;
  /**
   * Optional fast path: `complete(lease, outcome)` and then `claim(next.workerId, next.leaseMs)` in one
   * atomic step (one round trip, one commit), what a busy worker does between two jobs. The completion
   * is fenced, atomic with its event and durable before the next job is handed out, exactly as
   * `complete`; the completed job is never the one claimed. Repeated under the same lease after the
   * completion succeeded, it returns the job unchanged and claims anew (the first answer's claim, if
   * any, was lost with it and its lease lapses). The runner uses it whenever its loop will claim again.
   * @throws LeaseLostError when the epoch was superseded or the job is not running under it; nothing
   * is written or claimed then.
   * @throws RangeError when `next.leaseMs` is not a positive number.
   */
  completeAndClaim?(
    lease: Lease,
    outcome: CompleteOutcome,
    next: ClaimNextOptions,
  ): Promise<CompleteAndClaimResult>;
  /**
   * Ends the job as `failed` with its error, setting `finishedAt`, clearing the lease and appending
   * the `failed` event (its `message` is the error's), in one atomic, fenced step. Repeated under the
   * same lease after it succeeded, it returns the job unchanged and appends nothing.
   * @throws LeaseLostError when the epoch was superseded or the job is not running under it; nothing
   * is written then.
   */
  deadLetter(lease: Lease, error: JobError): Promise<Job>;
  /**
   * Optional wake-up hint: calls `listener` whenever a job may have become claimable (the Postgres
   * adapter's NOTIFY, say), so the runner's idle claim loops claim at once instead of at their next
   * poll. Hints may be late, missed or spurious: polling stays the baseline. Returns the unsubscribe.
   */
  onClaimable?(listener: () => void): () => void;
}
