import { grantsSql } from "./migration-grants.js";

/**
 * Migration 6: the facts' store, a record store like the chunks' (`facts` keyed by `(tenant, id)`,
 * the whole record in `body jsonb` with its `Date` paths in `date_paths`, and `fact_jobs` for each
 * job's membership). Migration 1 already created both tables on every shipped schema, so they are
 * created only where missing (the same columns); this step adds the membership index a job purge
 * looks other jobs' references up by, and states the chunks' row-level security and grants again.
 */
export function factsMigrationSql(s: string): string {
  return `
create table if not exists ${s}.facts (
  tenant text not null,
  id text collate "C" not null,
  body jsonb not null,
  date_paths jsonb,
  written_at timestamptz not null default now(),
  primary key (tenant, id)
);
create table if not exists ${s}.fact_jobs (
  tenant text not null,
  job_id text not null,
  fact_id text not null,
  primary key (tenant, job_id, fact_id)
);
create index if not exists fact_jobs_record on ${s}.fact_jobs (tenant, fact_id);
${grantsSql(s, { tenantTables: ["facts", "fact_jobs"] })}`;
}
