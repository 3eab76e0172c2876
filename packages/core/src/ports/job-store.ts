import type { Job, JobProgress, JobSpec, JobStatus } from "./job.js";
import type { Lease } from "./lease.js";

/** What `JobStore.create` returns. */
export interface CreateJobResult {
  readonly job: Job;
  /** `false` when an existing job with the same `idempotencyKey` was returned. */
  readonly created: boolean;
}

/** Options of `JobStore.list`. */
export interface ListJobsOptions {
  readonly status?: JobStatus | readonly JobStatus[];
  /** At most this many jobs. @default 100 */
  readonly limit?: number;
  /** Only jobs created before this job id (jobs sort by id, newest first): pagination. */
  readonly before?: string;
}

/** A running job's progress update, written under its lease. */
export interface JobPatch {
  readonly stage?: string;
  readonly progress?: JobProgress | null;
}

/** Job records: creation, lookup, cancel flags, retry and purge. */
export interface JobStore {
  /**
   * Creates a job and enqueues it (`queued`, due at `runAt`), atomically; writes no event (the
   * submitter appends `queued`). A repeated `idempotencyKey` (same tenant) returns the existing job
   * with `created: false`, whatever its status, ignoring the rest of the repeated spec; this check
   * comes before the singleton check. Safe under any number of concurrent calls: 50 concurrent
   * creates with one key make exactly one job. Keys are per tenant; a purged job's keys are free.
   * @throws ConflictError when an active (queued or running) job of the tenant holds the
   * `singletonKey`; it carries that job's id (`existingJobId`).
   * @throws TypeError or RangeError for a spec without tenant, pipeline or input, or with bad
   * numbers; nothing is created then.
   */
  create(spec: JobSpec): Promise<CreateJobResult>;
  /** The job, or `null` when it does not exist or belongs to another tenant. */
  get(tenant: string, jobId: string): Promise<Job | null>;
  /** The tenant's jobs, newest first (by id); `status` filters (an empty list matches none). */
  list(tenant: string, options?: ListJobsOptions): Promise<Job[]>;
  /**
   * Asks a job to stop. A queued job becomes `cancelled` at once, with `finishedAt` and its
   * `cancelled` event, in the same atomic step; a running job gets `cancelRequested` (no event: its
   * worker ends it with `complete({ status: "cancelled" })` after reading the flag from `extend` or
   * `transition`). A terminal job is returned unchanged. `null` when not found (or another
   * tenant's). Idempotent.
   */
  requestCancel(tenant: string, jobId: string): Promise<Job | null>;
  /**
   * Compare-and-set update of a running job's stage and progress, only while `lease.epoch` is
   * current. Returns the updated job (read `cancelRequested` from it).
   * @throws LeaseLostError when the epoch was superseded; nothing is written then.
   */
  transition(lease: Lease, patch: JobPatch): Promise<Job>;
  /**
   * Puts a `failed` or `cancelled` job back to `queued` (due now), keeping its checkpoint, stage,
   * counts and epoch, resetting `attempts` to 0 and clearing `error`, `result`, `finishedAt` and
   * `cancelRequested`. Writes no event. A job in another status is returned unchanged. `null` when not
   * found. Atomic.
   * @throws ConflictError when another active job now holds the job's `singletonKey`.
   */
  retry(tenant: string, jobId: string): Promise<Job | null>;
  /**
   * Deletes every record of the job held by this adapter: the job, its events, checkpoint, queue
   * entries, idempotency and singleton keys, its conversation and chunk memberships, and every
   * conversation or chunk no other job of the tenant still references. Returns `false` when there
   * was nothing to delete. A running job's worker loses its lease (its next write throws
   * `LeaseLostError`). Idempotent.
   */
  purge(tenant: string, jobId: string): Promise<boolean>;
  /** `purge` for every job of the tenant, and any record of the tenant left. Returns the number of jobs deleted. */
  purgeTenant(tenant: string): Promise<number>;
}
