import type { Claim, ClaimNextOptions, CompleteOutcome, Job, Lease } from "@threadmill/core";
import { JOB_COLUMNS, type JobRow, leaseOf, toJob } from "./job-row.js";
import { leaseLost, type SqlContext } from "./sql-context.js";
import { endedBy } from "./sql-fenced-write.js";

/**
 * Runs the `complete_and_claim` function (migration 3): the fenced completion, its terminal event,
 * and with `next` the claim of the next job, one statement. Returns the completed job and the next
 * claim; a completion repeated under the lease that made it returns the job and claims nothing.
 * @throws LeaseLostError when the epoch was superseded (or the job is gone).
 */
export async function completeAndClaimSql(
  ctx: SqlContext,
  operation: string,
  lease: Lease,
  outcome: CompleteOutcome,
  next: ClaimNextOptions | null,
): Promise<{ job: Job; next: Claim | null; repeated: boolean }> {
  if (outcome?.status !== "succeeded" && outcome?.status !== "cancelled") {
    throw new TypeError('[threadmill] complete outcome status must be "succeeded" or "cancelled"');
  }
  const rows = await ctx.run<JobRow & { kind: "done" | "next" | "current" }>(
    operation,
    `select f.kind, ${JOB_COLUMNS}
     from ${ctx.s}.complete_and_claim($1::text, $2::text, $3::int, $4::text, $5::text::jsonb, $6::bigint,
       $7::text, $8::float8) f
     cross join lateral (select (f.job).*) j`,
    [
      lease.tenant,
      lease.jobId,
      lease.epoch,
      outcome.status,
      outcome.status === "succeeded" ? JSON.stringify(outcome.result ?? null) : null,
      ctx.eventRetention,
      next?.workerId ?? null,
      next?.leaseMs ?? null,
    ],
  );
  const done = rows.find((r) => r.kind === "done");
  if (done) {
    const claimed = rows.find((r) => r.kind === "next");
    const nextJob = claimed ? toJob(claimed) : null;
    return {
      job: toJob(done),
      next: nextJob ? { job: nextJob, lease: leaseOf(nextJob) } : null,
      repeated: false,
    };
  }
  const current = rows[0];
  if (current && endedBy(lease, current.epoch, current.status, current.worker_id, outcome.status)) {
    return { job: toJob(current), next: null, repeated: true };
  }
  throw leaseLost(lease.jobId, lease.epoch, current?.epoch);
}
