import { purgeJobRecordsCtes, RECORD_TABLES } from "./record-tables.js";
import type { SqlContext } from "./sql-context.js";

/**
 * Deletes the job, its events and checkpoint, and the records only it referenced; whether anything
 * was deleted.
 */
export async function purgeSqlJob(ctx: SqlContext, tenant: string, jobId: string): Promise<boolean> {
  const { s } = ctx;
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
}

/** Deletes every row of the tenant in every table; the number of jobs deleted. */
export async function purgeSqlTenant(ctx: SqlContext, tenant: string): Promise<number> {
  const { s } = ctx;
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
     fm as (delete from ${s}.fact_jobs where tenant = $1::text),
     lv as (delete from ${s}.library_versions where tenant = $1::text),
     lvm as (delete from ${s}.library_version_jobs where tenant = $1::text)
     delete from ${s}.rate_limits where tenant = $1::text`,
    [tenant],
  );
  return Number(jobs[0]?.n ?? 0);
}

/** SQL ($1 tenant, $2 job id): deletes the job and everything only it references; returns `n` rows deleted. */
function purgeJobSql(s: string): string {
  return `with j as (delete from ${s}.jobs where tenant = $1::text and id = $2::text returning 1),
    e as (delete from ${s}.events where tenant = $1::text and job_id = $2::text returning 1),
    c as (delete from ${s}.checkpoints where tenant = $1::text and job_id = $2::text returning 1),
    ${purgeJobRecordsCtes(s, RECORD_TABLES.conversations, "cv")},
    ${purgeJobRecordsCtes(s, RECORD_TABLES.chunks, "ch")},
    ${purgeJobRecordsCtes(s, RECORD_TABLES.facts, "f")},
    ${purgeJobRecordsCtes(s, RECORD_TABLES.library, "lv")}
    select ((select count(*) from j) + (select count(*) from e) + (select count(*) from c)
      + (select count(*) from cvm) + (select count(*) from chm) + (select count(*) from fm)
      + (select count(*) from lvm))::int as n`;
}
