import { ConflictError } from "../errors/conflict-error.js";
import type { Adapter } from "../ports/adapter.js";
import type { Job, JobStatus } from "../ports/job.js";
import { iterateJobs } from "./iterate-jobs.js";

/** Options of `redriveJobs`. */
export interface RedriveOptions {
  /** Only this tenant's jobs; every tenant's when absent. */
  readonly tenant?: string;
  /** Which jobs go back to the queue. @default "failed" */
  readonly status?: "failed" | "cancelled" | readonly ("failed" | "cancelled")[];
  /** Only jobs whose error has this code (for example `STORAGE`), to redrive one kind of failure. */
  readonly errorCode?: string;
  /** Only list what would be redriven; change nothing. @default false */
  readonly dryRun?: boolean;
  /** At most this many jobs. @default Infinity */
  readonly limit?: number;
}

/** A job `redriveJobs` could not put back, and why. */
export interface RedriveSkip {
  readonly job: Job;
  /** `singleton`: another active job of the tenant holds its `singletonKey` now; `gone`: purged meanwhile. */
  readonly reason: "singleton" | "gone";
}

/** What `redriveJobs` did (or, with `dryRun`, would do). */
export interface RedriveResult {
  /** The jobs put back to `queued` (with `dryRun`: as they are now). */
  readonly redriven: readonly Job[];
  readonly skipped: readonly RedriveSkip[];
}

async function* matching(adapter: Adapter, options: RedriveOptions): AsyncGenerator<Job> {
  const admin = adapter.admin;
  if (!admin)
    throw new TypeError(`[threadmill] redriveJobs: the ${adapter.name} adapter has no admin (JobAdmin) port`);
  const status = ([] as JobStatus[]).concat(options.status ?? "failed");
  const found = iterateJobs(admin, {
    status,
    ...(options.tenant === undefined ? {} : { tenant: options.tenant }),
  });
  for await (const job of found) {
    if (options.errorCode === undefined || job.error?.code === options.errorCode) yield job;
  }
}

/**
 * Puts failed (or cancelled) jobs back to the queue in bulk with `JobStore.retry`: each keeps its
 * checkpoint and resumes where it stopped, with its attempts reset. A job that another active job's
 * `singletonKey` now blocks is skipped and reported, never forced. Running it again finds nothing
 * left to redrive, so a redrive happens once.
 * @example
 * const { redriven } = await redriveJobs(adapter, { errorCode: "STORAGE", dryRun: true });
 */
export async function redriveJobs(adapter: Adapter, options: RedriveOptions = {}): Promise<RedriveResult> {
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  if (!(limit >= 0))
    throw new RangeError(`[threadmill] redriveJobs: limit must be >= 0, got ${String(options.limit)}`);
  const redriven: Job[] = [];
  const skipped: RedriveSkip[] = [];
  // Collected first: retried jobs leave the filter, which would shift the pages under us.
  const found: Job[] = [];
  for await (const job of matching(adapter, options)) {
    if (found.length >= limit) break;
    found.push(job);
  }
  if (options.dryRun) return { redriven: found, skipped };
  for (const job of found) {
    try {
      const after = await adapter.jobs.retry(job.tenant, job.id);
      if (after === null) {
        skipped.push({ job, reason: "gone" });
        continue;
      }
      // As `runner.retry` does: SSE clients following the job see it queued again.
      await adapter.events.append(
        { tenant: job.tenant, jobId: job.id },
        { type: "queued", status: "queued", message: "redriven", attempt: 0, epoch: 0, at: Date.now() },
      );
      redriven.push(after);
    } catch (error) {
      if (!ConflictError.isInstance(error)) throw error;
      skipped.push({ job, reason: "singleton" });
    }
  }
  return { redriven, skipped };
}
