import {
  assertCleanupOptions,
  assertFindJobsOptions,
  type CleanupOptions,
  type CleanupResult,
  DEFAULT_QUEUED_GRACE_MS,
  type FindJobsOptions,
  type Job,
  type JobAdmin,
  type JobRef,
  TERMINAL_STATUSES,
} from "@threadmill/core";
import { purgeMemoryJob } from "./memory-job-purge.js";
import { assertOpen, clone, type MemoryState, type MutableJob } from "./memory-state.js";

const byIdDesc = (a: { id: string }, b: { id: string }) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

function isStuck(job: Job, now: number, queuedGraceMs: number): boolean {
  if (job.status === "running") return job.leaseExpiresAt !== null && job.leaseExpiresAt <= now;
  return job.status === "queued" && job.runAt + queuedGraceMs < now;
}

function findJobs(state: MemoryState, options: FindJobsOptions = {}): Job[] {
  assertFindJobsOptions(options, "memory");
  assertOpen(state, "admin.find");
  const statuses = options.status === undefined ? null : new Set(([] as string[]).concat(options.status));
  const now = state.now();
  const grace = options.queuedGraceMs ?? DEFAULT_QUEUED_GRACE_MS;
  const tenants =
    options.tenant === undefined
      ? [...state.tenants.values()]
      : [state.tenants.get(options.tenant)].filter((t) => t);
  const found: MutableJob[] = [];
  for (const t of tenants) {
    for (const job of t!.jobs.values()) {
      if (statuses && !statuses.has(job.status)) continue;
      if (options.before !== undefined && job.id >= options.before) continue;
      if (options.stuck && !isStuck(job, now, grace)) continue;
      found.push(job);
    }
  }
  return found
    .sort(byIdDesc)
    .slice(0, options.limit ?? 100)
    .map((job) => clone(job));
}

function cleanup(state: MemoryState, options: CleanupOptions): CleanupResult {
  assertCleanupOptions(options, "memory");
  assertOpen(state, "admin.cleanup");
  const cutoff = state.now() - options.olderThanMs;
  const limit = options.limit ?? 500;
  const due: JobRef[] = [];
  for (const [tenant, t] of state.tenants) {
    for (const job of t.jobs.values()) {
      if (TERMINAL_STATUSES.has(job.status) && job.finishedAt !== null && job.finishedAt <= cutoff) {
        due.push({ tenant, jobId: job.id });
      }
    }
  }
  const removed = due.slice(0, limit);
  for (const { tenant, jobId } of removed) purgeMemoryJob(state, tenant, jobId, true);
  return { jobs: removed.length, more: due.length > removed.length, removed };
}

/** The `JobAdmin` port over the in-process state; each call is atomic. */
export function createMemoryJobAdmin(state: MemoryState): JobAdmin {
  return {
    async find(options) {
      return findJobs(state, options);
    },
    async cleanup(options) {
      return cleanup(state, options);
    },
    async check() {
      assertOpen(state, "admin.check");
      return {};
    },
  };
}
