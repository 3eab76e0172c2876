/**
 * The claim's update, up to its `where`: the job becomes `running` under a new epoch and attempt,
 * leased to `p_worker` for `p_lease_ms` from the database's now. Shared by every version of the
 * queue functions (migrations 3 and 10).
 */
export function claimSetSql(s: string): string {
  return `update ${s}.jobs set status = 'running', epoch = epoch + 1,
      attempts = attempts + 1, worker_id = p_worker,
      lease_expires_at = now() + p_lease_ms * interval '1 millisecond', updated_at = now()`;
}

/**
 * `complete_and_claim`: completes a job under its lease (epoch fenced) with its terminal event and
 * the event log's trimming (`trim`, a statement), then, when p_worker is given, claims the next job
 * with `claimInto` (a statement into v_job). Migrations 3 and 10 differ only in those two.
 */
export function completeAndClaimFunctionSql(s: string, claimInto: string, trim: string): string {
  return `-- Completes a job under its lease (epoch fenced) with its terminal event and the event log's
-- trimming, then, when p_worker is given, claims the next job with claim()'s statement. Rows:
-- 'done' (the completed job) and 'next' (the claimed one); when the fenced update matches nothing,
-- one 'current' row with the job as it is (none when the job is gone) and nothing is claimed.
create or replace function ${s}.complete_and_claim(p_tenant text, p_id text, p_epoch integer,
  p_status text, p_result jsonb, p_event_retention bigint,
  p_worker text default null, p_lease_ms double precision default null)
returns table (kind text, job ${s}.jobs)
language plpgsql volatile security invoker
set search_path = pg_catalog, pg_temp
as $fn$
declare
  v_job ${s}.jobs;
begin
  update ${s}.jobs set status = p_status,
    result = case when p_status = 'succeeded' then p_result else result end, error = null,
    worker_id = null, lease_expires_at = null, finished_at = now(), updated_at = now(),
    event_seq = event_seq + 1, event_floor = greatest(event_floor, event_seq + 1 - p_event_retention)
  where id = p_id collate "C" and tenant = p_tenant and epoch = p_epoch and status = 'running'
  returning * into v_job;
  if not found then
    select * into v_job from ${s}.jobs where id = p_id collate "C" and tenant = p_tenant;
    if found then
      kind := 'current';
      job := v_job;
      return next;
    end if;
    return;
  end if;
  insert into ${s}.events (job_id, seq, tenant, type, body)
  values (v_job.id, v_job.event_seq, v_job.tenant, v_job.status, jsonb_strip_nulls(jsonb_build_object(
    'type', v_job.status, 'status', v_job.status, 'stage', v_job.stage, 'message', null::text,
    'attempt', v_job.attempts, 'epoch', v_job.epoch, 'at', floor(extract(epoch from now()) * 1000)::float8)));
  ${trim}
  kind := 'done';
  job := v_job;
  return next;
  if p_worker is null then
    return;
  end if;
  ${claimInto}
  if found then
    kind := 'next';
    job := v_job;
    return next;
  end if;
end
$fn$;`;
}
