import type { SqlContext } from "./sql-context.js";
import { finishMarkedPurge } from "./sql-purge-records.js";

/**
 * Deletes the job, its events and checkpoint, and the records only it referenced (library membership
 * is no reference); whether anything was deleted.
 */
export async function purgeSqlJob(ctx: SqlContext, tenant: string, jobId: string): Promise<boolean> {
  const { s } = ctx;
  // First the job (its events and checkpoint cascade), marked in job_purges in the same statement:
  // that waits for any fenced write holding the job row, and once it commits no write under the
  // job's leases can succeed. Then, in steps that each see those writes, its memberships and the
  // records nothing else references; a purge (or cleanup) after a crash finishes from the mark. The
  // mark goes in even when the job row is gone: its records may be left, or a cleanup's mark (which
  // keeps the library) is on it.
  const jobs = await ctx.run<{ n: number }>(
    "jobs.purge",
    `with j as (delete from ${s}.jobs where tenant = $1::text and id = $2::text returning 1),
     mark as (
       insert into ${s}.job_purges (tenant, job_id, keep_library) values ($1::text, $2::text, false)
       on conflict (tenant, job_id) do update set keep_library = false
     )
     select count(*)::int as n from j`,
    [tenant, jobId],
  );
  const stats = { memberships: 0 };
  await finishMarkedPurge(ctx, "jobs.purge", tenant, jobId, true, stats);
  return Number(jobs[0]?.n ?? 0) + stats.memberships > 0;
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
     lvm as (delete from ${s}.library_version_jobs where tenant = $1::text),
     jp as (delete from ${s}.job_purges where tenant = $1::text)
     delete from ${s}.rate_limits where tenant = $1::text`,
    [tenant],
  );
  return Number(jobs[0]?.n ?? 0);
}
