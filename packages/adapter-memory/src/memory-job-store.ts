import {
  assertJobSpec,
  ConflictError,
  type CreateJobResult,
  createJobId,
  type Job,
  type JobPatch,
  type JobSpec,
  type JobStore,
  type Lease,
  type ListJobsOptions,
} from "@threadmill/core";
import { purgeMemoryJob, purgeMemoryTenant } from "./memory-job-purge.js";
import {
  appendEvent,
  assertOpen,
  clone,
  fence,
  type MemoryState,
  type MutableJob,
  type TenantState,
  tenantFor,
} from "./memory-state.js";

/** The JobStore port over a memory state. */
export function createMemoryJobStore(state: MemoryState): JobStore {
  // Every method is async: a synchronous throw becomes a rejection, as with a real store.
  return {
    create: async (spec) => createJob(state, spec),
    get: async (tenant, jobId) => getJob(state, tenant, jobId),
    list: async (tenant, options) => listJobs(state, tenant, options),
    requestCancel: async (tenant, jobId) => requestCancel(state, tenant, jobId),
    transition: async (lease, patch) => transition(state, lease, patch),
    retry: async (tenant, jobId) => retry(state, tenant, jobId),
    purge: async (tenant, jobId) => purgeMemoryJob(state, tenant, jobId),
    purgeTenant: async (tenant) => purgeMemoryTenant(state, tenant),
  };
}

function isActive(job: Job): boolean {
  return job.status === "queued" || job.status === "running";
}

function singletonHolder(tenant: TenantState, key: string, except?: string): MutableJob | undefined {
  for (const job of tenant.jobs.values()) {
    if (job.singletonKey === key && job.id !== except && isActive(job)) return job;
  }
  return undefined;
}

function createJob(state: MemoryState, spec: JobSpec): CreateJobResult {
  assertOpen(state, "jobs.create");
  assertJobSpec(spec, "memory");
  const tenant = tenantFor(state, spec.tenant);
  if (spec.idempotencyKey !== undefined) {
    for (const job of tenant.jobs.values()) {
      if (job.idempotencyKey === spec.idempotencyKey) return { job: clone(job), created: false };
    }
  }
  if (spec.singletonKey !== undefined) {
    const holder = singletonHolder(tenant, spec.singletonKey);
    if (holder) {
      throw new ConflictError({ existingJobId: holder.id, key: "singletonKey", tenant: spec.tenant });
    }
  }
  const job = newJob(spec, state.now());
  tenant.jobs.set(job.id, job);
  return { job: clone(job), created: true };
}

/** A queued job record for the spec, created at `now`. */
function newJob(spec: JobSpec, now: number): MutableJob {
  return {
    id: createJobId(now),
    tenant: spec.tenant,
    pipeline: spec.pipeline,
    input: clone(spec.input),
    options: clone(spec.options ?? {}),
    idempotencyKey: spec.idempotencyKey ?? null,
    singletonKey: spec.singletonKey ?? null,
    priority: spec.priority ?? 0,
    maxAttempts: spec.maxAttempts ?? 5,
    status: "queued",
    attempts: 0,
    epoch: 0,
    runAt: spec.runAt ?? now,
    workerId: null,
    leaseExpiresAt: null,
    cancelRequested: false,
    stage: null,
    progress: null,
    counts: {},
    result: null,
    error: null,
    createdAt: now,
    updatedAt: now,
    finishedAt: null,
  };
}

function getJob(state: MemoryState, tenant: string, jobId: string): Job | null {
  assertOpen(state, "jobs.get");
  const job = state.tenants.get(tenant)?.jobs.get(jobId);
  return job ? clone(job) : null;
}

function listJobs(state: MemoryState, tenant: string, options: ListJobsOptions = {}): Job[] {
  assertOpen(state, "jobs.list");
  const t = state.tenants.get(tenant);
  if (!t) return [];
  const statuses =
    options.status === undefined
      ? null
      : new Set(typeof options.status === "string" ? [options.status] : options.status);
  const limit = options.limit ?? 100;
  const jobs = [...t.jobs.values()]
    .filter(
      (j) =>
        (statuses === null || statuses.has(j.status)) &&
        (options.before === undefined || j.id < options.before),
    )
    .sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
    .slice(0, Math.max(0, limit));
  return jobs.map((j) => clone(j));
}

/** Cancels a queued job (with its terminal event) or flags a running one; a no-op otherwise. */
function requestCancel(state: MemoryState, tenant: string, jobId: string): Job | null {
  assertOpen(state, "jobs.requestCancel");
  const t = state.tenants.get(tenant);
  const job = t?.jobs.get(jobId);
  if (!t || !job) return null;
  const now = state.now();
  if (job.status === "queued") {
    job.status = "cancelled";
    job.finishedAt = now;
    job.updatedAt = now;
    job.workerId = null;
    job.leaseExpiresAt = null;
    appendEvent(state, t, tenant, jobId, {
      type: "cancelled",
      status: "cancelled",
      attempt: job.attempts,
      epoch: job.epoch,
      at: now,
    });
  } else if (job.status === "running" && !job.cancelRequested) {
    job.cancelRequested = true;
    job.updatedAt = now;
  }
  return clone(job);
}

function transition(state: MemoryState, lease: Lease, patch: JobPatch): Job {
  assertOpen(state, "jobs.transition");
  const job = fence(state, lease);
  if (patch.stage !== undefined) job.stage = patch.stage;
  if (patch.progress !== undefined) job.progress = clone(patch.progress);
  job.updatedAt = state.now();
  return clone(job);
}

/** Re-queues a failed or cancelled job from its checkpoint; any other job comes back unchanged. */
function retry(state: MemoryState, tenant: string, jobId: string): Job | null {
  assertOpen(state, "jobs.retry");
  const t = state.tenants.get(tenant);
  const job = t?.jobs.get(jobId);
  if (!t || !job) return null;
  if (job.status !== "failed" && job.status !== "cancelled") return clone(job);
  if (job.singletonKey !== null) {
    const holder = singletonHolder(t, job.singletonKey, job.id);
    if (holder) throw new ConflictError({ existingJobId: holder.id, key: "singletonKey", tenant });
  }
  const now = state.now();
  job.status = "queued";
  job.runAt = now;
  job.attempts = 0;
  job.error = null;
  job.result = null;
  job.cancelRequested = false;
  job.workerId = null;
  job.leaseExpiresAt = null;
  job.finishedAt = null;
  job.updatedAt = now;
  return clone(job);
}
