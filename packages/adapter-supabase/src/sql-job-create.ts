import {
  assertJobSpec,
  ConflictError,
  type CreateJobResult,
  createJobId,
  type JobSpec,
} from "@threadmill/core";
import { JOB_COLUMNS, type JobRow, toJob } from "./job-row.js";
import { pgErrorInfo, type SqlContext, ts } from "./sql-context.js";

/**
 * Inserts the job, or returns the one holding its idempotency key; retries the races with a purge
 * of that job or the end of a singleton holder.
 * @throws ConflictError when an active job holds the spec's singleton key.
 */
export async function createSqlJob(ctx: SqlContext, spec: JobSpec): Promise<CreateJobResult> {
  assertJobSpec(spec, ctx.db.adapter);
  for (let round = 0; ; round++) {
    try {
      const created = await insertJob(ctx, spec);
      if (created) return { job: created, created: true };
      const existing = await ctx.run<JobRow>(
        "jobs.create",
        `select ${JOB_COLUMNS} from ${ctx.s}.jobs where tenant = $1::text and idempotency_key = $2::text`,
        [spec.tenant, spec.idempotencyKey],
      );
      if (existing[0]) return { job: toJob(existing[0]), created: false };
      // The job holding the key was purged between the two statements: insert again.
    } catch (error) {
      const info = pgErrorInfo(error);
      if (info.code === "23505" && info.constraint === "jobs_singleton" && spec.singletonKey !== undefined) {
        const holder = await singletonHolder(ctx, spec.tenant, spec.singletonKey);
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
}

/** The inserted job, or `null` when a job of the tenant already holds the idempotency key. */
async function insertJob(ctx: SqlContext, spec: JobSpec) {
  const rows = await ctx.run<JobRow>(
    "jobs.create",
    `insert into ${ctx.s}.jobs (id, tenant, pipeline, input, options, idempotency_key, singleton_key,
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
  return rows[0] ? toJob(rows[0]) : null;
}

/** The id of the tenant's queued or running job holding the singleton key, or `null`. */
export async function singletonHolder(ctx: SqlContext, tenant: string, key: string): Promise<string | null> {
  const rows = await ctx.run<{ id: string }>(
    "jobs.create",
    `select id from ${ctx.s}.jobs where tenant = $1::text and singleton_key = $2::text and status in ('queued', 'running') limit 1`,
    [tenant, key],
  );
  return rows[0]?.id ?? null;
}
