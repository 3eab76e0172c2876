import { grantsSql } from "./migration-grants.js";

/**
 * Migration 7: the tenants' libraries, a record store like the chunks' (`adapter.library`): the
 * conversations' versions and their membership, in which the library is the reserved job id
 * `~library`. The membership index is the one a job purge looks other jobs' references up by.
 */
export function libraryMigrationSql(s: string): string {
  return `
create table if not exists ${s}.library_versions (
  tenant text not null,
  id text collate "C" not null,
  body jsonb not null,
  date_paths jsonb,
  written_at timestamptz not null default now(),
  primary key (tenant, id)
);
create table if not exists ${s}.library_version_jobs (
  tenant text not null,
  job_id text not null,
  version_id text not null,
  primary key (tenant, job_id, version_id)
);
create index if not exists library_version_jobs_record on ${s}.library_version_jobs (tenant, version_id);
${grantsSql(s, { tenantTables: ["library_versions", "library_version_jobs"] })}`;
}
