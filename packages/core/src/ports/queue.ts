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

/** Options of `Queue.release`. */
export interface ReleaseOptions {
  /** When the job is claimable again (epoch ms, store clock). @default now */
  readonly runAt?: number;
  /** The error that made the worker give up this attempt, kept on the record while it waits. */
  readonly error?: JobError | null;
}

/** Hands out due jobs under leases and records how they end. */
export interface Queue {
  /**
   * Atomically hands out one claimable job of any tenant (or the named one): a `queued` job whose
   * `runAt` has passed, or a `running` job whose lease expired. Highest `priority` first, then
   * earliest `runAt`, then oldest. The job becomes `running` with a fresh lease of `leaseMs`,
   * `epoch + 1` and `attempts + 1`. Concurrent claimers never receive the same job under the same
   * epoch. `null` when nothing is claimable.
   */
  claim(workerId: string, leaseMs: number, options?: ClaimOptions): Promise<Claim | null>;
  /**
   * Renews the lease to `leaseMs` from now (store clock) and returns the cancel flag.
   * @throws LeaseLostError when the epoch was superseded or the job is no longer running.
   */
  extend(lease: Lease, leaseMs: number): Promise<ExtendResult>;
  /**
   * Gives the job back: `queued` at `runAt`, lease cleared. Used when a time slice ends, on SIGTERM,
   * and for retry delays. Atomic and fenced.
   * @throws LeaseLostError when the epoch was superseded.
   */
  release(lease: Lease, options?: ReleaseOptions): Promise<Job>;
  /**
   * Ends the job as `succeeded` (with its result) or `cancelled`, appending the matching terminal
   * event, in one atomic, fenced step.
   * @throws LeaseLostError when the epoch was superseded; nothing is written then.
   */
  complete(lease: Lease, outcome: CompleteOutcome): Promise<Job>;
  /**
   * Ends the job as `failed` with its error, appending the `failed` event, in one atomic, fenced step.
   * @throws LeaseLostError when the epoch was superseded; nothing is written then.
   */
  deadLetter(lease: Lease, error: JobError): Promise<Job>;
}
