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
  type RecordStore,
} from "@threadmill/core";
import { decodeJob } from "./job-codec.js";
import { checkFence, type RedisContext } from "./redis-context.js";

const PURGE_BATCH = 200;

function unwrap(reply: unknown, tenant: string, key: "singletonKey"): unknown[] | null {
  const arr = reply as unknown[];
  if (arr[0] === 2) throw new ConflictError({ existingJobId: String(arr[1]), key, tenant });
  if (arr[0] === 3) return null;
  return arr;
}

/** The `JobStore` port on the adapter's Lua scripts (purge also clears the given record stores). */
export function createRedisJobStore(
  ctx: RedisContext,
  sinks: readonly RecordStore<{ readonly id: string }>[],
): JobStore {
  const purgeCoordination = async (tenant: string, ids: readonly string[]) => {
    let deleted = 0;
    for (let i = 0; i < ids.length; i += PURGE_BATCH) {
      const n = await ctx.coordination("purgeJobs", "purge", [tenant, ...ids.slice(i, i + PURGE_BATCH)]);
      deleted += Number(n);
    }
    return deleted;
  };

  return {
    async create(spec: JobSpec): Promise<CreateJobResult> {
      assertJobSpec(spec, "redis");
      const reply = unwrap(
        await ctx.coordination("create", "create job", [
          createJobId(),
          spec.tenant,
          spec.pipeline,
          JSON.stringify(spec.input),
          JSON.stringify(spec.options ?? {}),
          spec.idempotencyKey ?? "",
          spec.singletonKey ?? "",
          spec.priority ?? 0,
          spec.maxAttempts ?? 5,
          spec.runAt === undefined ? "" : Math.floor(spec.runAt),
        ]),
        spec.tenant,
        "singletonKey",
      )!;
      return { job: decodeJob(reply[2] as unknown[]), created: reply[1] === 1 };
    },
    async get(tenant: string, jobId: string): Promise<Job | null> {
      const flat = await ctx.call("get job", () => ctx.client.hgetall(ctx.keys.job(jobId)));
      if (!flat || flat.tenant !== tenant) return null;
      return decodeJob(Object.entries(flat).flat());
    },
    async list(tenant: string, options?: ListJobsOptions): Promise<Job[]> {
      const statuses = options?.status === undefined ? [] : ([] as string[]).concat(options.status);
      if (options?.status !== undefined && statuses.length === 0) return [];
      const reply = (await ctx.coordination("listJobs", "list jobs", [
        tenant,
        options?.before ?? "",
        Math.max(0, Math.floor(options?.limit ?? 100)),
        ...statuses,
      ])) as unknown[][];
      return reply.map((flat) => decodeJob(flat));
    },
    async requestCancel(tenant: string, jobId: string): Promise<Job | null> {
      const reply = (await ctx.coordination("requestCancel", "cancel", [jobId, tenant])) as unknown[];
      return reply[0] === 0 ? decodeJob(reply[1] as unknown[]) : null;
    },
    async transition(lease: Lease, patch: JobPatch): Promise<Job> {
      const progress =
        patch.progress === undefined ? "" : patch.progress === null ? "null" : JSON.stringify(patch.progress);
      const reply = checkFence(
        await ctx.coordination("transition", "transition", [
          lease.jobId,
          lease.tenant,
          lease.epoch,
          patch.stage === undefined ? "0" : "1",
          patch.stage ?? "",
          progress,
        ]),
        lease.jobId,
        lease.epoch,
      );
      return decodeJob(reply[1] as unknown[]);
    },
    async retry(tenant: string, jobId: string): Promise<Job | null> {
      const reply = unwrap(await ctx.coordination("retry", "retry", [jobId, tenant]), tenant, "singletonKey");
      return reply === null ? null : decodeJob(reply[1] as unknown[]);
    },
    async purge(tenant: string, jobId: string): Promise<boolean> {
      // The job first: its worker loses the lease before the records go, so fenced writes stop.
      const deleted = await purgeCoordination(tenant, [jobId]);
      let records = 0;
      for (const sink of sinks) {
        const before = await sink.count(tenant, { jobId });
        records += before;
        await sink.purgeJob(tenant, jobId);
      }
      return deleted > 0 || records > 0;
    },
    async purgeTenant(tenant: string): Promise<number> {
      const ids = await ctx.call("purge tenant", () => ctx.client.zrange(ctx.keys.tenantJobs(tenant), 0, -1));
      const deleted = await purgeCoordination(tenant, ids);
      await ctx.call("purge tenant", () => ctx.client.del(ctx.keys.tenantJobs(tenant)));
      for (const sink of sinks) await sink.purgeTenant(tenant);
      return deleted;
    },
  };
}
