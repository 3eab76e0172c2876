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
import { JOB_COLUMNS, type JobRow, toJob } from "./job-row.js";
import { assertLease, leaseLost, pgErrorInfo, type SqlContext, ts } from "./sql-context.js";

/** SQL: the body of the event written with a status change, from the updated row `u`. */
export function terminalEventBody(typeSql: string, messageSql: string | null): string {
  return `jsonb_strip_nulls(jsonb_build_object(
    'type', ${typeSql}, 'status', u.status, 'stage', u.stage, 'message', ${messageSql ?? "null::text"},
    'attempt', u.attempts, 'epoch', u.epoch, 'at', floor(extract(epoch from now()) * 1000)::float8))`;
}

/** SQL: set-list fragment that allocates one event sequence number and moves the retention floor. */
export const bumpEventSeq = (retention: number): string =>
  `event_seq = event_seq + 1, event_floor = greatest(event_floor, event_seq + 1 - ${retention}::bigint)`;

/** The JobStore port on SQL. */
export function createSqlJobStore(ctx: SqlContext): JobStore {
  const { s } = ctx;
  const select = async (operation: string, tenant: string, jobId: string): Promise<Job | null> => {
    const rows = await ctx.run<JobRow>(
      operation,
      `select ${JOB_COLUMNS} from ${s}.jobs where tenant = $1::text and id = $2::text`,
      [tenant, jobId],
    );
    return rows[0] ? toJob(rows[0]) : null;
  };
  const singletonHolder = async (tenant: string, key: string): Promise<string | null> => {
    const rows = await ctx.run<{ id: string }>(
      "jobs.create",
      `select id from ${s}.jobs where tenant = $1::text and singleton_key = $2::text and status in ('queued', 'running') limit 1`,
      [tenant, key],
    );
    return rows[0]?.id ?? null;
  };

  return {
    async create(spec: JobSpec): Promise<CreateJobResult> {
      assertJobSpec(spec, ctx.db.adapter);
      for (let round = 0; ; round++) {
        try {
          const rows = await ctx.run<JobRow>(
            "jobs.create",
            `insert into ${s}.jobs (id, tenant, pipeline, input, options, idempotency_key, singleton_key,
               priority, max_attempts, status, run_at)
             values ($1::text, $2::text, $3::text, $4::text::jsonb, $5::text::jsonb, $6::text, $7::text, $8::float8, $9::int,
               'queued', coalesce(${ts("$10")}, now()))
             on conflict (tenant, idempotency_key) where idempotency_key is not null do nothing
             returning ${JOB_COLUMNS}${ctx.notifySql}`,
            [
              createJobId(),
              spec.tenant,
              spec.pipeline,
              JSON.stringify(spec.input),
              JSON.stringify(spec.options ?? {}),
              spec.idempotencyKey ?? null,
              spec.singletonKey ?? null,
              spec.priority ?? 0,
              spec.maxAttempts ?? 5,
              spec.runAt ?? null,
            ],
          );
          if (rows[0]) return { job: toJob(rows[0]), created: true };
          const existing = await ctx.run<JobRow>(
            "jobs.create",
            `select ${JOB_COLUMNS} from ${s}.jobs where tenant = $1::text and idempotency_key = $2::text`,
            [spec.tenant, spec.idempotencyKey],
          );
          if (existing[0]) return { job: toJob(existing[0]), created: false };
          // The job holding the key was purged between the two statements: insert again.
        } catch (error) {
          const info = pgErrorInfo(error);
          if (
            info.code === "23505" &&
            info.constraint === "jobs_singleton" &&
            spec.singletonKey !== undefined
          ) {
            const holder = await singletonHolder(spec.tenant, spec.singletonKey);
            if (holder !== null) {
              throw new ConflictError({ existingJobId: holder, key: "singletonKey", tenant: spec.tenant });
            }
            // The holder finished in the meantime: try again.
          } else {
            throw error;
          }
        }
        if (round > 20) throw new Error("[threadmill] jobs.create kept racing; giving up");
      }
    },

    async get(tenant: string, jobId: string): Promise<Job | null> {
      return select("jobs.get", tenant, jobId);
    },

    async list(tenant: string, options: ListJobsOptions = {}): Promise<Job[]> {
      const statuses =
        options.status === undefined
          ? null
          : JSON.stringify(typeof options.status === "string" ? [options.status] : options.status);
      const limit = options.limit ?? 100;
      if (limit <= 0) return [];
      const rows = await ctx.run<JobRow>(
        "jobs.list",
        `select ${JOB_COLUMNS} from ${s}.jobs
         where tenant = $1::text
           and ($2::text::jsonb is null or status in (select jsonb_array_elements_text($2::text::jsonb)))
           and ($3::text is null or id < $3::text)
         order by id desc limit $4::int`,
        [tenant, statuses, options.before ?? null, limit],
      );
      return rows.map(toJob);
    },

    async requestCancel(tenant: string, jobId: string): Promise<Job | null> {
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
      return select("jobs.requestCancel", tenant, jobId);
    },

    async transition(lease: Lease, patch: JobPatch): Promise<Job> {
      assertLease(lease);
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
    },

    async retry(tenant: string, jobId: string): Promise<Job | null> {
      try {
        const rows = await ctx.run<JobRow>(
          "jobs.retry",
          `update ${s}.jobs set status = 'queued', run_at = now(), attempts = 0, error = null, result = null,
             cancel_requested = false, worker_id = null, lease_expires_at = null, finished_at = null,
             updated_at = now()
           where tenant = $1::text and id = $2::text and status in ('failed', 'cancelled')
           returning ${JOB_COLUMNS}${ctx.notifySql}`,
          [tenant, jobId],
        );
        if (rows[0]) return toJob(rows[0]);
        return await select("jobs.retry", tenant, jobId);
      } catch (error) {
        const info = pgErrorInfo(error);
        if (info.code === "23505" && info.constraint === "jobs_singleton") {
          const job = await select("jobs.retry", tenant, jobId);
          const holder = job?.singletonKey ? await singletonHolder(tenant, job.singletonKey) : null;
          if (holder !== null)
            throw new ConflictError({ existingJobId: holder, key: "singletonKey", tenant });
        }
        throw error;
      }
    },

    async purge(tenant: string, jobId: string): Promise<boolean> {
      // First the job (its events and checkpoint cascade): that waits for any fenced write holding
      // the job row, and once it commits no write under the job's leases can succeed. Then, in a
      // fresh snapshot that sees those writes, the records only this job referenced.
      const jobs = await ctx.run<{ n: number }>(
        "jobs.purge",
        `with j as (delete from ${s}.jobs where tenant = $1::text and id = $2::text returning 1)
         select count(*)::int as n from j`,
        [tenant, jobId],
      );
      const rest = await ctx.run<{ n: number }>("jobs.purge", purgeJobSql(s), [tenant, jobId]);
      return Number(jobs[0]?.n ?? 0) + Number(rest[0]?.n ?? 0) > 0;
    },

    async purgeTenant(tenant: string): Promise<number> {
      const jobs = await ctx.run<{ n: number }>(
        "jobs.purgeTenant",
        `with j as (delete from ${s}.jobs where tenant = $1::text returning 1) select count(*)::int as n from j`,
        [tenant],
      );
      await ctx.run(
        "jobs.purgeTenant",
        `with e as (delete from ${s}.events where tenant = $1::text),
         c as (delete from ${s}.checkpoints where tenant = $1::text),
         cv as (delete from ${s}.conversations where tenant = $1::text),
         cvm as (delete from ${s}.conversation_jobs where tenant = $1::text),
         ch as (delete from ${s}.chunks where tenant = $1::text),
         chm as (delete from ${s}.chunk_jobs where tenant = $1::text),
         f as (delete from ${s}.facts where tenant = $1::text),
         fm as (delete from ${s}.fact_jobs where tenant = $1::text)
         delete from ${s}.rate_limits where tenant = $1::text`,
        [tenant],
      );
      return Number(jobs[0]?.n ?? 0);
    },
  };
}

/** SQL ($1 tenant, $2 job id): deletes the job and everything only it references; returns `n` rows deleted. */
export function purgeJobSql(s: string): string {
  const records = (table: string, members: string, idCol: string, alias: string) => `
    ${alias}m as (delete from ${s}.${members} where tenant = $1::text and job_id = $2::text returning ${idCol}),
    ${alias} as (
      delete from ${s}.${table} r using ${alias}m
      where r.tenant = $1::text and r.id = ${alias}m.${idCol} collate "C"
        and not exists (select 1 from ${s}.${members} o
                        where o.tenant = $1::text and o.${idCol} = r.id collate "default" and o.job_id <> $2::text)
      returning 1
    )`;
  return `with j as (delete from ${s}.jobs where tenant = $1::text and id = $2::text returning 1),
    e as (delete from ${s}.events where tenant = $1::text and job_id = $2::text returning 1),
    c as (delete from ${s}.checkpoints where tenant = $1::text and job_id = $2::text returning 1),
    ${records("conversations", "conversation_jobs", "conversation_id", "cv")},
    ${records("chunks", "chunk_jobs", "chunk_id", "ch")},
    ${records("facts", "fact_jobs", "fact_id", "f")}
    select ((select count(*) from j) + (select count(*) from e) + (select count(*) from c)
      + (select count(*) from cvm) + (select count(*) from chm) + (select count(*) from fm))::int as n`;
}
