import type { Job, Lease } from "@threadmill/core";
import { JOB_COLUMNS, type JobRow, toJob } from "./job-row.js";
import { leaseLost, type SqlContext } from "./sql-context.js";

/** A fenced write's answer: the updated job (null columns when nothing matched) and the job as it is. */
export type FencedRow = JobRow & {
  current_epoch: number | null;
  current_status: string | null;
  current_worker: string | null;
};

/** Whether a fenced terminal write found the job already ended by this same lease (a repeated call). */
export function endedBy(
  lease: Lease,
  epoch: unknown,
  status: unknown,
  workerId: unknown,
  expected: string,
): boolean {
  return Number(epoch) === lease.epoch && status === expected && workerId === null;
}

/** Runs `update` (a CTE named `u` over the lease's job, $1 tenant, $2 id, $3 epoch) and reads its job back. */
export async function fencedUpdate(
  ctx: SqlContext,
  operation: string,
  lease: Lease,
  cte: string,
  params: unknown[],
): Promise<FencedRow | null> {
  const rows = await ctx.run<FencedRow>(
    operation,
    `with cur as (select epoch, status, worker_id from ${ctx.s}.jobs where id = $2::text and tenant = $1::text),
     ${cte}
     select (select epoch from cur) as current_epoch, (select status from cur) as current_status,
       (select worker_id from cur) as current_worker, u.*
     from (select 1) one left join (select ${JOB_COLUMNS} from u) u on true`,
    [lease.tenant, lease.jobId, lease.epoch, ...params],
  );
  const row = rows[0];
  return row && row.id !== null ? row : (row ?? null);
}

/**
 * The job a fenced terminal write left; a write repeated under the lease that made it returns the
 * job unchanged (idempotent retry).
 * @throws LeaseLostError when the epoch was superseded (or the job is gone).
 */
export async function endedJob(
  ctx: SqlContext,
  operation: string,
  lease: Lease,
  row: FencedRow | null,
  status: string,
): Promise<Job> {
  if (row && row.id !== null) return toJob(row);
  if (row && endedBy(lease, row.current_epoch, row.current_status, row.current_worker, status)) {
    const again = await ctx.run<JobRow>(
      operation,
      `select ${JOB_COLUMNS} from ${ctx.s}.jobs where id = $1::text and tenant = $2::text`,
      [lease.jobId, lease.tenant],
    );
    if (again[0]) return toJob(again[0]);
  }
  throw leaseLost(lease.jobId, lease.epoch, row?.current_epoch);
}
