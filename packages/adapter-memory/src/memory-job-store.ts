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
import {
  appendEvent,
  assertOpen,
  clone,
  fence,
  type MemoryState,
  type MutableJob,
  purgeJobRecords,
  type TenantState,
  tenantFor,
  wake,
} from "./memory-state.js";

function isActive(job: Job): boolean {
  return job.status === "queued" || job.status === "running";
}

function singletonHolder(tenant: TenantState, key: string, except?: string): MutableJob | undefined {
  for (const job of tenant.jobs.values()) {
    if (job.singletonKey === key && job.id !== except && isActive(job)) return job;
  }
  return undefined;
}

/** The JobStore port over a memory state. */
export function createMemoryJobStore(state: MemoryState): JobStore {
  const get = (tenant: string, jobId: string) => state.tenants.get(tenant)?.jobs.get(jobId);

  return {
    async create(spec: JobSpec): Promise<CreateJobResult> {
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
      const now = state.now();
      const job: MutableJob = {
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
      tenant.jobs.set(job.id, job);
      return { job: clone(job), created: true };
    },

    async get(tenant: string, jobId: string): Promise<Job | null> {
      assertOpen(state, "jobs.get");
      const job = get(tenant, jobId);
      return job ? clone(job) : null;
    },

    async list(tenant: string, options: ListJobsOptions = {}): Promise<Job[]> {
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
    },

    async requestCancel(tenant: string, jobId: string): Promise<Job | null> {
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
    },

    async transition(lease: Lease, patch: JobPatch): Promise<Job> {
      assertOpen(state, "jobs.transition");
      const job = fence(state, lease);
      if (patch.stage !== undefined) job.stage = patch.stage;
      if (patch.progress !== undefined) job.progress = clone(patch.progress);
      job.updatedAt = state.now();
      return clone(job);
    },

    async retry(tenant: string, jobId: string): Promise<Job | null> {
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
    },

    async purge(tenant: string, jobId: string): Promise<boolean> {
      assertOpen(state, "jobs.purge");
      const t = state.tenants.get(tenant);
      if (!t) return false;
      let deleted = t.jobs.delete(jobId);
      deleted = t.checkpoints.delete(jobId) || deleted;
      deleted = t.events.delete(jobId) || deleted;
      deleted = purgeJobRecords(t.conversations, jobId) || deleted;
      deleted = purgeJobRecords(t.chunks, jobId) || deleted;
      wake(state, tenant, jobId);
      if (
        t.jobs.size === 0 &&
        t.events.size === 0 &&
        t.checkpoints.size === 0 &&
        t.conversations.records.size === 0 &&
        t.chunks.records.size === 0
      ) {
        state.tenants.delete(tenant);
      }
      return deleted;
    },

    async purgeTenant(tenant: string): Promise<number> {
      assertOpen(state, "jobs.purgeTenant");
      const t = state.tenants.get(tenant);
      if (!t) return 0;
      state.tenants.delete(tenant);
      const jobIds = new Set([...t.jobs.keys(), ...t.events.keys()]);
      for (const jobId of jobIds) wake(state, tenant, jobId);
      return t.jobs.size;
    },
  };
}
