import { grantsSql } from "./migration-grants.js";

/**
 * Migration 9: the jobs whose records a purge or retention's cleanup is still deleting. Both delete
 * the job row first and then its memberships and records in bounded transactions; a row here (in the
 * job row's transaction) marks the work left, so if the process dies between batches the next
 * cleanup finishes it. `keep_library` is retention's rule (records in the tenant's library stay).
 */
export function jobPurgesMigrationSql(s: string): string {
  return `
create table if not exists ${s}.job_purges (
  tenant text not null,
  job_id text not null,
  keep_library boolean not null,
  since timestamptz not null default now(),
  primary key (tenant, job_id)
);
${grantsSql(s, { tenantTables: ["job_purges"] })}`;
}
