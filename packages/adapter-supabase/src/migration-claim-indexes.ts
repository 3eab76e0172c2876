import { claimSetSql, completeAndClaimFunctionSql } from "./queue-functions-sql.js";

/**
 * The claim statement (into v_job, from p_worker and p_lease_ms) since migration 10: due queued jobs
 * and expired leases, highest priority, then earliest run_at, then id, as before. Each kind is found
 * through its own partial index: the queued jobs' in claim order, and the running jobs' by lease
 * expiry, so a claim no longer walks past every running job's entry (and the dead entries of jobs
 * that ran) before the first queued one. An expired lease is rare: then both candidates are locked
 * for the statement and the first in claim order is taken.
 */
export function claimIntoSql(s: string): string {
  return `with q as (
      select id, priority, run_at from ${s}.jobs
      where status = 'queued' and run_at <= now()
      order by priority desc, run_at, id
      limit 1
      for update skip locked
    ), r as (
      select id, priority, run_at from ${s}.jobs
      where status = 'running' and lease_expires_at <= now()
      order by priority desc, run_at, id
      limit 1
      for update skip locked
    )
    ${claimSetSql(s)}
    where id = (select c.id from (select * from q union all select * from r) c
                order by c.priority desc, c.run_at, c.id limit 1)
    returning * into v_job;`;
}

/**
 * Migration 10: the claim's indexes split by status (see `claimIntoSql`), and `complete_and_claim`
 * trims the job's event log only once it has more events than the retention (the common job never
 * does, so its completion skips that delete).
 */
export function claimIndexesMigrationSql(s: string): string {
  return `
create index if not exists jobs_queued on ${s}.jobs (priority desc, run_at, id) where status = 'queued';
create index if not exists jobs_running on ${s}.jobs (lease_expires_at) where status = 'running';
drop index if exists ${s}.jobs_claim;

create or replace function ${s}.claim(p_worker text, p_lease_ms double precision,
  p_tenant text default null, p_job_id text default null)
returns setof ${s}.jobs
language plpgsql volatile security invoker
set search_path = pg_catalog, pg_temp
as $fn$
declare
  v_job ${s}.jobs;
begin
  if p_job_id is null then
    ${claimIntoSql(s)}
  else
    ${claimSetSql(s)}
    where id = (
      select id from ${s}.jobs
      where tenant = p_tenant and id = p_job_id collate "C"
        and ((status = 'queued' and run_at <= now()) or (status = 'running' and lease_expires_at <= now()))
      for update skip locked
    )
    returning * into v_job;
  end if;
  if found then
    return next v_job;
  end if;
end
$fn$;

${completeAndClaimFunctionSql(
  s,
  claimIntoSql(s),
  `if v_job.event_floor > 0 then
    delete from ${s}.events where job_id = v_job.id collate "default" and seq <= v_job.event_floor;
  end if;`,
)}
`;
}
