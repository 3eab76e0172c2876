import { assertCleanupOptions, type CleanupOptions, type CleanupResult, type JobRef } from "@threadmill/core";
import type { SqlContext } from "./sql-context.js";
import { ALL_KINDS, dropUnreferenced, finishMarkedPurge, takeBatch } from "./sql-purge-records.js";

const DEFAULT_LIMIT = 500;
const MAX_LIMIT = 2 ** 31 - 2;

/**
 * SQL: a job finished more than `ageParam` ms ago on the database's clock. The terminal statuses are
 * written exactly as in migration 8's partial index `jobs_finished`, so the planner can use it.
 */
const dueSql = (ageParam: string): string => `status in ('succeeded', 'failed', 'cancelled')
  and finished_at <= now() - ${ageParam}::float8 * interval '1 millisecond'`;

/**
 * `JobAdmin.cleanup` on SQL. First the jobs an earlier cleanup or purge deleted but did not finish
 * (marked in `job_purges`: the process died between batches), then the oldest due jobs of every
 * tenant (one more than `limit`, to tell `more`). Each job goes in steps of one transaction: the
 * first deletes the job row (its events and checkpoint cascade), marks it in `job_purges` and takes
 * the first batch of its memberships and records; further steps take a batch each and the last one
 * removes the mark. A job is reported in `removed` by the call whose step removed its mark.
 */
export async function cleanupSqlJobs(ctx: SqlContext, options: CleanupOptions): Promise<CleanupResult> {
  assertCleanupOptions(options, `[threadmill] [${ctx.db.adapter}] admin.cleanup`);
  // An int4 parameter: a larger limit means "all of them" anyway.
  const limit = Math.min(Math.floor(options.limit ?? DEFAULT_LIMIT), MAX_LIMIT);
  const removed: JobRef[] = [];
  const left = await ctx.run<{ tenant: string; job_id: string }>(
    "admin.cleanup",
    `select tenant, job_id from ${ctx.s}.job_purges order by since, job_id limit $1::int`,
    [limit + 1],
  );
  for (const { tenant, job_id: jobId } of left.slice(0, limit)) {
    // Skipped while another call's step holds it: that call finishes it.
    if (await finishMarkedPurge(ctx, "admin.cleanup", tenant, jobId, false)) removed.push({ tenant, jobId });
  }
  const room = limit - Math.min(left.length, limit);
  if (room === 0) return { jobs: removed.length, more: true, removed };
  const due = await ctx.run<{ tenant: string; id: string }>("admin.cleanup", dueJobsSql(ctx.s), [
    options.olderThanMs,
    room + 1,
  ]);
  for (const { tenant, id } of due.slice(0, room)) {
    if (await cleanupJob(ctx, tenant, id, options.olderThanMs)) removed.push({ tenant, jobId: id });
  }
  return { jobs: removed.length, more: due.length > room, removed };
}

/** SQL ($1 age in ms, $2 limit): the jobs due for cleanup, oldest finished first (index `jobs_finished`). */
export function dueJobsSql(s: string): string {
  return `select tenant, id from ${s}.jobs where ${dueSql("$1")} order by finished_at, id limit $2::int`;
}

/**
 * Deletes one job if it is still due and no other transaction holds it (`FOR UPDATE SKIP LOCKED`: a
 * concurrent cleanup that holds it deletes it, a retry that holds it keeps it whole), with its first
 * batch of memberships and records in the same transaction, then the rest. Terminal means no fenced
 * write of it can still be in flight (completing waited for them), so the first statement's snapshot
 * sees all its memberships. Whether this call finished it.
 */
async function cleanupJob(ctx: SqlContext, tenant: string, jobId: string, ageMs: number): Promise<boolean> {
  const { s } = ctx;
  const first = await ctx.transaction("admin.cleanup", async (run) => {
    const taken = await takeBatch<{ jobs: number }>(ctx, run, ALL_KINDS, tenant, jobId, {
      ctes: `pick as (
        select id from ${s}.jobs where tenant = $1::text and id = $2::text and ${dueSql("$4")}
        for update skip locked
      ),
      j as (delete from ${s}.jobs x using pick where x.id = pick.id returning x.id),
      mark as (
        insert into ${s}.job_purges (tenant, job_id, keep_library) select $1::text, $2::text, true from j
        on conflict (tenant, job_id) do update set keep_library = ${s}.job_purges.keep_library
      )`,
      gate: "j",
      columns: "(select count(*) from j)::int as jobs",
      params: [ageMs],
      gated: (row) => Number(row.jobs) > 0,
    });
    if (taken === null) return "skipped" as const;
    const finished = await dropUnreferenced(ctx, run, ALL_KINDS, tenant, taken, true, {
      jobId,
      last: taken.last,
    });
    return finished ? ("finished" as const) : ("more" as const);
  });
  if (first !== "more") return first === "finished";
  await ctx.purge.afterBatch?.();
  return finishMarkedPurge(ctx, "admin.cleanup", tenant, jobId, true);
}
