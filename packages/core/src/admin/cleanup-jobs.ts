import type { Adapter } from "../ports/adapter.js";
import type { JobRef } from "../ports/lease.js";
import type { RecordStore } from "../ports/record-store.js";

/** Options of `cleanupJobs`. */
export interface CleanupJobsOptions {
  /** Removes jobs that finished at least this many ms ago (store clock). */
  readonly olderThanMs: number;
  /** Record stores outside the adapter (a sink in another store) to clean of the removed jobs too. */
  readonly sinks?: readonly RecordStore<{ readonly id: string }>[];
  /** Jobs per round trip. @default 500 */
  readonly batch?: number;
  /** Stops between batches; what was removed stays removed. */
  readonly signal?: AbortSignal;
}

/** What `cleanupJobs` did. */
export interface CleanupJobsResult {
  readonly jobs: number;
  readonly removed: readonly JobRef[];
}

/**
 * Retention in one call: `admin.cleanup` in batches until no finished job older than `olderThanMs`
 * is left, and each removed job's records in `sinks` held by another store (the tenant's library
 * kept there too). For a cron or a worker's idle time; safe beside running workers.
 * @throws TypeError when the adapter has no `admin`; RangeError for a bad `olderThanMs`.
 */
export async function cleanupJobs(adapter: Adapter, options: CleanupJobsOptions): Promise<CleanupJobsResult> {
  const admin = adapter.admin;
  if (!admin)
    throw new TypeError(`[threadmill] cleanupJobs: the ${adapter.name} adapter has no admin (JobAdmin) port`);
  const removed: JobRef[] = [];
  for (;;) {
    options.signal?.throwIfAborted();
    const batch = await admin.cleanup({ olderThanMs: options.olderThanMs, limit: options.batch ?? 500 });
    for (const ref of batch.removed) {
      for (const sink of options.sinks ?? [])
        await sink.purgeJob(ref.tenant, ref.jobId, { keepLibrary: true });
    }
    removed.push(...batch.removed);
    if (!batch.more) return { jobs: removed.length, removed };
  }
}
