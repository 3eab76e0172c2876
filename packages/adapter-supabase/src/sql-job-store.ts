import {
  ConflictError,
  type Job,
  type JobPatch,
  type JobStore,
  type Lease,
  type ListJobsOptions,
} from "@threadmill/core";
import { JOB_COLUMNS, type JobRow, toJob } from "./job-row.js";
import { assertLease, leaseLost, pgErrorInfo, type SqlContext } from "./sql-context.js";
import { bumpEventSeq, terminalEventBody } from "./sql-event-fragments.js";
import { createSqlJob, singletonHolder } from "./sql-job-create.js";
import { purgeSqlJob, purgeSqlTenant } from "./sql-job-purge.js";

/** The JobStore port on SQL. */
export function createSqlJobStore(ctx: SqlContext): JobStore {
  return {
    create: (spec) => createSqlJob(ctx, spec),
    get: (tenant, jobId) => selectJob(ctx, "jobs.get", tenant, jobId),
    list: (tenant, options) => listJobs(ctx, tenant, options),
    requestCancel: (tenant, jobId) => requestCancel(ctx, tenant, jobId),
    transition: (lease, patch) => transition(ctx, lease, patch),
    retry: (tenant, jobId) => retry(ctx, tenant, jobId),
    purge: (tenant, jobId) => purgeSqlJob(ctx, tenant, jobId),
    purgeTenant: (tenant) => purgeSqlTenant(ctx, tenant),
  };
}

async function selectJob(ctx: SqlContext, operation: string, tenant: string, jobId: string) {
  const rows = await ctx.run<JobRow>(
    operation,
    `select ${JOB_COLUMNS} from ${ctx.s}.jobs where tenant = $1::text and id = $2::text`,
    [tenant, jobId],
  );
  return rows[0] ? toJob(rows[0]) : null;
}

async function listJobs(ctx: SqlContext, tenant: string, options: ListJobsOptions = {}): Promise<Job[]> {
  const statuses =
    options.status === undefined
      ? null
      : JSON.stringify(typeof options.status === "string" ? [options.status] : options.status);
  const limit = options.limit ?? 100;
  if (limit <= 0) return [];
  const rows = await ctx.run<JobRow>(
    "jobs.list",
    `select ${JOB_COLUMNS} from ${ctx.s}.jobs
     where tenant = $1::text
       and ($2::text::jsonb is null or status in (select jsonb_array_elements_text($2::text::jsonb)))
       and ($3::text is null or id < $3::text)
     order by id desc limit $4::int`,
    [tenant, statuses, options.before ?? null, limit],
  );
  return rows.map(toJob);
}

/** Cancels a queued job (with its terminal event) or flags a running one; a no-op otherwise. */
async function requestCancel(ctx: SqlContext, tenant: string, jobId: string): Promise<Job | null> {
  const { s } = ctx;
  const rows = await ctx.run<JobRow>(
    "jobs.requestCancel",
    `with u as (
       update ${s}.jobs set
         status = case when status = 'queued' then 'cancelled' else status end,
         cancel_requested = case when status = 'running' then true else cancel_requested end,
         finished_at = case when status = 'queued' then now() else finished_at end,
         worker_id = case when status = 'queued' then null else worker_id end,
         lease_expires_at = case when status = 'queued' then null else lease_expires_at end,
         ${bumpEventSeq(ctx.eventRetention).replace(/event_seq \+ 1/g, "event_seq + (status = 'queued')::int")},
         updated_at = now()
       where tenant = $1::text and id = $2::text
         and (status = 'queued' or (status = 'running' and not cancel_requested))
       returning *
     ),
     ev as (
       insert into ${s}.events (job_id, seq, tenant, type, body)
       select u.id, u.event_seq, u.tenant, 'cancelled', ${terminalEventBody("'cancelled'::text", null)}
       from u where u.status = 'cancelled'
     ),
     del as (delete from ${s}.events e using u where e.job_id = u.id collate "default" and e.seq <= u.event_floor)
     select ${JOB_COLUMNS} from u`,
    [tenant, jobId],
  );
  if (rows[0]) return toJob(rows[0]);
  return selectJob(ctx, "jobs.requestCancel", tenant, jobId);
}

/** Updates stage and progress of a running job, fenced by the lease epoch. */
async function transition(ctx: SqlContext, lease: Lease, patch: JobPatch): Promise<Job> {
  assertLease(lease);
  const { s } = ctx;
  const rows = await ctx.run<JobRow & { current_epoch: number | null }>(
    "jobs.transition",
    `with cur as (select epoch from ${s}.jobs where id = $2::text and tenant = $1::text),
     u as (
       update ${s}.jobs set
         stage = case when $4::boolean then $5::text else stage end,
         progress = case when $6::boolean then $7::text::jsonb else progress end,
         updated_at = now()
       where id = $2::text and tenant = $1::text and epoch = $3::int and status = 'running'
       returning *
     )
     select (select epoch from cur) as current_epoch, u.* from (select 1) one left join
       (select ${JOB_COLUMNS} from u) u on true`,
    [
      lease.tenant,
      lease.jobId,
      lease.epoch,
      patch.stage !== undefined,
      patch.stage ?? null,
      patch.progress !== undefined,
      patch.progress === undefined || patch.progress === null ? null : JSON.stringify(patch.progress),
    ],
  );
  const row = rows[0];
  if (!row || row.id === null) throw leaseLost(lease.jobId, lease.epoch, row?.current_epoch);
  return toJob(row);
}

/** Re-queues a failed or cancelled job from its checkpoint; any other job comes back unchanged. */
async function retry(ctx: SqlContext, tenant: string, jobId: string): Promise<Job | null> {
  try {
    const rows = await ctx.run<JobRow>(
      "jobs.retry",
      `update ${ctx.s}.jobs set status = 'queued', run_at = now(), attempts = 0, error = null, result = null,
         cancel_requested = false, worker_id = null, lease_expires_at = null, finished_at = null,
         updated_at = now()
       where tenant = $1::text and id = $2::text and status in ('failed', 'cancelled')
       returning ${JOB_COLUMNS}${ctx.notifySql}`,
      [tenant, jobId],
    );
    if (rows[0]) return toJob(rows[0]);
    return await selectJob(ctx, "jobs.retry", tenant, jobId);
  } catch (error) {
    const info = pgErrorInfo(error);
    if (info.code === "23505" && info.constraint === "jobs_singleton") {
      const job = await selectJob(ctx, "jobs.retry", tenant, jobId);
      const holder = job?.singletonKey ? await singletonHolder(ctx, tenant, job.singletonKey) : null;
      if (holder !== null) throw new ConflictError({ existingJobId: holder, key: "singletonKey", tenant });
    }
    throw error;
  }
}
