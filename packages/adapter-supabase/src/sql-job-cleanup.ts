import { assertCleanupOptions, type CleanupOptions, type CleanupResult } from "@threadmill/core";
import { purgeJobRecordsCtes, RECORD_TABLES } from "./record-tables.js";
import type { SqlContext } from "./sql-context.js";

const DEFAULT_LIMIT = 500;
const MAX_LIMIT = 2 ** 31 - 2;

/**
 * SQL: a job finished more than `ageParam` ms ago on the database's clock. The terminal statuses are
 * written exactly as in migration 8's partial index `jobs_finished`, so the planner can use it.
 */
const dueSql = (ageParam: string): string => `status in ('succeeded', 'failed', 'cancelled')
  and finished_at <= now() - ${ageParam}::float8 * interval '1 millisecond'`;

/**
 * `JobAdmin.cleanup` on SQL: reads the oldest due jobs of every tenant (one more than `limit`, to
 * tell `more`), then deletes each in its own statement with its events, checkpoint, memberships and
 * the records nothing else holds. One transaction per job keeps each bounded, and a crash between
 * jobs leaves no job half deleted.
 */
export async function cleanupSqlJobs(ctx: SqlContext, options: CleanupOptions): Promise<CleanupResult> {
  assertCleanupOptions(options, `[threadmill] [${ctx.db.adapter}] admin.cleanup`);
  // An int4 parameter: a larger limit means "all of them" anyway.
  const limit = Math.min(Math.floor(options.limit ?? DEFAULT_LIMIT), MAX_LIMIT);
  const due = await ctx.run<{ tenant: string; id: string }>("admin.cleanup", dueJobsSql(ctx.s), [
    options.olderThanMs,
    limit + 1,
  ]);
  const sql = cleanupJobSql(ctx.s);
  let jobs = 0;
  for (const { tenant, id } of due.slice(0, limit)) {
    const rows = await ctx.run<{ n: number }>("admin.cleanup", sql, [tenant, id, options.olderThanMs]);
    jobs += Number(rows[0]?.n ?? 0);
  }
  return { jobs, more: due.length > limit };
}

/** SQL ($1 age in ms, $2 limit): the jobs due for cleanup, oldest finished first (index `jobs_finished`). */
export function dueJobsSql(s: string): string {
  return `select tenant, id from ${s}.jobs where ${dueSql("$1")} order by finished_at, id limit $2::int`;
}

/** SQL ($1 tenant, $2 job id, $3 age in ms): deletes the job when it is still due, and what only it held. */
function cleanupJobSql(s: string): string {
  // The job is locked `skip locked`: a concurrent cleanup that holds it deletes it, and a retry
  // waiting on the row finds it gone. Terminal means no fenced write of it can still be in flight,
  // so the records go in the same statement (one snapshot) instead of a second one as in a purge.
  const records = (kind: keyof typeof RECORD_TABLES, alias: string) =>
    purgeJobRecordsCtes(s, RECORD_TABLES[kind], alias, { keepLibrary: true, onlyIf: "j" });
  return `with pick as (
      select id from ${s}.jobs
      where tenant = $1::text and id = $2::text and ${dueSql("$3")}
      for update skip locked
    ),
    j as (delete from ${s}.jobs x using pick where x.id = pick.id returning 1),
    ${records("conversations", "cv")},
    ${records("chunks", "ch")},
    ${records("facts", "f")},
    ${records("library", "lv")}
    select (select count(*) from j)::int as n`;
}
