import {
  assertFindJobsOptions,
  DEFAULT_QUEUED_GRACE_MS,
  type FindJobsOptions,
  type Job,
  type JobAdmin,
  type StoreCheck,
} from "@threadmill/core";
import { JOB_COLUMNS, type JobRow, toJob } from "./job-row.js";
import { MIGRATIONS } from "./migrations.js";
import { pgErrorInfo, type SqlContext } from "./sql-context.js";
import { cleanupSqlJobs } from "./sql-job-cleanup.js";

const MAX_LIMIT = 2 ** 31 - 1;

/** The JobAdmin port on SQL: every statement reads or writes across tenants (service role only). */
export function createSqlJobAdmin(ctx: SqlContext): JobAdmin {
  return {
    find: (options) => findSqlJobs(ctx, options),
    cleanup: (options) => cleanupSqlJobs(ctx, options),
    check: () => checkSqlStore(ctx),
  };
}

/**
 * `JobAdmin.find` in one statement, newest first by id. Only the filters given become SQL, so a
 * tenant's search uses the `(tenant, id desc)` index and an unfiltered one the primary key.
 */
async function findSqlJobs(ctx: SqlContext, options: FindJobsOptions = {}): Promise<Job[]> {
  assertFindJobsOptions(options, `[threadmill] [${ctx.db.adapter}] admin.find`);
  const params: unknown[] = [];
  const param = (value: unknown, type: string) => {
    params.push(value);
    return `$${params.length}::${type}`;
  };
  const where: string[] = [];
  if (options.tenant !== undefined) where.push(`tenant = ${param(options.tenant, "text")}`);
  if (options.status !== undefined) {
    const statuses = JSON.stringify(([] as string[]).concat(options.status));
    where.push(`status in (select jsonb_array_elements_text(${param(statuses, "text")}::jsonb))`);
  }
  if (options.before !== undefined) where.push(`id < ${param(options.before, "text")}`);
  if (options.stuck) {
    const grace = param(options.queuedGraceMs ?? DEFAULT_QUEUED_GRACE_MS, "float8");
    where.push(`((status = 'running' and lease_expires_at <= now())
      or (status = 'queued' and run_at + ${grace} * interval '1 millisecond' < now()))`);
  }
  const limit = param(Math.min(Math.floor(options.limit ?? 100), MAX_LIMIT), "int");
  const rows = await ctx.run<JobRow>(
    "admin.find",
    `select ${JOB_COLUMNS} from ${ctx.s}.jobs
     ${where.length > 0 ? `where ${where.join(" and ")}` : ""}
     order by id desc limit ${limit}`,
    params,
  );
  return rows.map(toJob);
}

/**
 * `JobAdmin.check` in one statement: how many of this version's migrations the schema has. A schema
 * never migrated answers 0 applied (not ready) rather than an error; an unreachable store throws.
 */
async function checkSqlStore(ctx: SqlContext): Promise<StoreCheck> {
  const versions = MIGRATIONS.map((m) => m.version);
  const expected = versions.length;
  try {
    const rows = await ctx.run<{ applied: number }>(
      "admin.check",
      `select count(*)::int as applied from ${ctx.s}.migrations
       where version in (select (jsonb_array_elements_text($1::text::jsonb))::int)`,
      [JSON.stringify(versions)],
    );
    return { migrations: { applied: Number(rows[0]?.applied ?? 0), expected } };
  } catch (error) {
    // 42P01 undefined_table: the schema or its migrations table does not exist yet.
    if (pgErrorInfo(error).code === "42P01") return { migrations: { applied: 0, expected } };
    throw error;
  }
}
