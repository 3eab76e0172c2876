import { grantsSql } from "./migration-grants.js";

/**
 * Migration 6: the facts' store, a record store like the chunks'. Migration 1 created `facts` and
 * `fact_jobs` (and migration 2 their row-level security) on every schema; this step adds the
 * membership index a job purge looks other jobs' references up by, and states the chunks' row-level
 * security and grants on both tables again.
 */
export function factsMigrationSql(s: string): string {
  return `
create index if not exists fact_jobs_record on ${s}.fact_jobs (tenant, fact_id);
${grantsSql(s, { tenantTables: ["facts", "fact_jobs"] })}`;
}
