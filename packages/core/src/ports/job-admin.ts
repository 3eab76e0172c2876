import type { Job, JobStatus } from "./job.js";
import type { JobRef } from "./lease.js";

/** How long a queued job may sit past its `runAt` before `JobAdmin.find({ stuck: true })` reports it. */
export const DEFAULT_QUEUED_GRACE_MS = 5 * 60_000;

/** Options of `JobAdmin.find`. */
export interface FindJobsOptions {
  /** Only this tenant's jobs; every tenant's when absent. */
  readonly tenant?: string;
  /** Only jobs in this status (or these); an empty list matches none. */
  readonly status?: JobStatus | readonly JobStatus[];
  /**
   * Only stuck jobs: `running` with a lease that expired (its worker died or hangs), or `queued` and
   * due more than `queuedGraceMs` ago (no worker is serving the queue). Both on the store's clock.
   */
  readonly stuck?: boolean;
  /** @default 300000 (5 minutes) */
  readonly queuedGraceMs?: number;
  /** At most this many jobs. @default 100 */
  readonly limit?: number;
  /** Only jobs whose id sorts before this one (jobs sort by id, newest first): pagination. */
  readonly before?: string;
}

/** Options of `JobAdmin.cleanup`. */
export interface CleanupOptions {
  /** Removes jobs that finished (succeeded, failed or cancelled) more than this many ms ago, store clock. */
  readonly olderThanMs: number;
  /** At most this many jobs per call; `more` says whether others are due. @default 500 */
  readonly limit?: number;
}

/** What `JobAdmin.cleanup` did. */
export interface CleanupResult {
  /** Jobs removed. */
  readonly jobs: number;
  /** Whether more jobs were due than `limit` allowed: call again. */
  readonly more: boolean;
  /** The jobs removed, so sinks in another store can be cleaned too (`runner.cleanup` does). */
  readonly removed: readonly JobRef[];
}

/** What `JobAdmin.check` found; it throws `StorageError` when the store cannot be reached. */
export interface StoreCheck {
  /** Schema migrations, for a store that has them: how many are applied and how many this version needs. */
  readonly migrations?: { readonly applied: number; readonly expected: number };
}

/**
 * Operations across tenants, for the people who run the service rather than its users: finding stuck
 * or failed jobs, retention, and a health check. Every adapter of threadmill's has one.
 */
export interface JobAdmin {
  /** Jobs of every tenant (or one), newest first by id, filtered by status and stuckness. */
  find(options?: FindJobsOptions): Promise<Job[]>;
  /**
   * Deletes finished jobs older than `olderThanMs` with their events, checkpoints, idempotency keys
   * and memberships, and every conversation, chunk, fact and library version that neither the
   * tenant's library nor another job still references. A queued or running job is never touched,
   * nor a record in the tenant's library. Idempotent; safe beside running workers.
   * @throws RangeError for a negative or non-finite `olderThanMs` or `limit`; nothing is deleted.
   */
  cleanup(options: CleanupOptions): Promise<CleanupResult>;
  /** A round trip to the store, reading what readiness needs. @throws StorageError when unreachable. */
  check(): Promise<StoreCheck>;
}
