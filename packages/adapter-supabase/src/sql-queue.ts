import type {
  Claim,
  ClaimNextOptions,
  ClaimOptions,
  CompleteAndClaimResult,
  CompleteOutcome,
  ExtendResult,
  Job,
  JobError,
  Lease,
  Queue,
  ReleaseOptions,
} from "@threadmill/core";
import { JOB_COLUMNS, type JobRow, leaseOf, toJob } from "./job-row.js";
import { completeAndClaimSql } from "./sql-complete-and-claim.js";
import { assertDuration, assertId, assertLease, leaseLost, type SqlContext, ts } from "./sql-context.js";
import { bumpEventSeq, terminalEventBody } from "./sql-event-fragments.js";
import { endedJob, fencedUpdate } from "./sql-fenced-write.js";

/** The SQL queue: the `Queue` port with its `completeAndClaim` fast path (one statement, one commit per job). */
export interface SqlQueue extends Queue {
  completeAndClaim(
    lease: Lease,
    outcome: CompleteOutcome,
    next: ClaimNextOptions,
  ): Promise<CompleteAndClaimResult>;
}

/** The Queue port on SQL: one statement per call, fenced by the epoch in the same statement. */
export function createSqlQueue(ctx: SqlContext): SqlQueue {
  return {
    claim: (workerId, leaseMs, options) => claim(ctx, workerId, leaseMs, options),
    extend: (lease, leaseMs) => extend(ctx, lease, leaseMs),
    release: (lease, options) => release(ctx, lease, options),
    complete: (lease, outcome) => complete(ctx, lease, outcome),
    completeAndClaim: (lease, outcome, next) => completeAndClaim(ctx, lease, outcome, next),
    deadLetter: (lease, error) => deadLetter(ctx, lease, error),
  };
}

async function claim(
  ctx: SqlContext,
  workerId: string,
  leaseMs: number,
  options: ClaimOptions = {},
): Promise<Claim | null> {
  assertId(workerId, "workerId");
  assertDuration(leaseMs, "leaseMs");
  const named = options.jobId !== undefined || options.tenant !== undefined;
  if (named && (options.jobId === undefined || options.tenant === undefined)) {
    throw new TypeError("[threadmill] claim of a named job needs both tenant and jobId");
  }
  const rows = await ctx.run<JobRow>(
    "queue.claim",
    `select ${JOB_COLUMNS} from ${ctx.s}.claim($1::text, $2::float8, $3::text, $4::text)`,
    [workerId, leaseMs, options.tenant ?? null, options.jobId ?? null],
  );
  if (!rows[0]) return null;
  const job = toJob(rows[0]);
  return { job, lease: leaseOf(job) };
}

async function extend(ctx: SqlContext, lease: Lease, leaseMs: number): Promise<ExtendResult> {
  assertLease(lease);
  assertDuration(leaseMs, "leaseMs");
  const row = await fencedUpdate(
    ctx,
    "queue.extend",
    lease,
    `u as (update ${ctx.s}.jobs set lease_expires_at = now() + $4::float8 * interval '1 millisecond', updated_at = now()
       where id = $2::text and tenant = $1::text and epoch = $3::int and status = 'running' returning *)`,
    [leaseMs],
  );
  if (!row || row.id === null) throw leaseLost(lease.jobId, lease.epoch, row?.current_epoch);
  const job = toJob(row);
  return { lease: leaseOf(job, lease.workerId), cancelRequested: job.cancelRequested };
}

async function release(ctx: SqlContext, lease: Lease, options: ReleaseOptions = {}): Promise<Job> {
  assertLease(lease);
  if (options.runAt !== undefined && !Number.isFinite(options.runAt)) {
    throw new RangeError("[threadmill] release runAt must be epoch milliseconds");
  }
  const row = await fencedUpdate(
    ctx,
    "queue.release",
    lease,
    `u as (update ${ctx.s}.jobs set status = 'queued', run_at = coalesce(${ts("$4")}, now()), error = $5::text::jsonb,
         worker_id = null, lease_expires_at = null, updated_at = now()
       where id = $2::text and tenant = $1::text and epoch = $3::int and status = 'running'
       returning *${ctx.notifySql})`,
    [options.runAt ?? null, options.error ? JSON.stringify(options.error) : null],
  );
  if (!row || row.id === null) throw leaseLost(lease.jobId, lease.epoch, row?.current_epoch);
  return toJob(row);
}

async function complete(ctx: SqlContext, lease: Lease, outcome: CompleteOutcome): Promise<Job> {
  assertLease(lease);
  return (await completeAndClaimSql(ctx, "queue.complete", lease, outcome, null)).job;
}

async function completeAndClaim(
  ctx: SqlContext,
  lease: Lease,
  outcome: CompleteOutcome,
  next: ClaimNextOptions,
): Promise<CompleteAndClaimResult> {
  assertLease(lease);
  assertId(next?.workerId, "workerId");
  assertDuration(next.leaseMs, "leaseMs");
  const done = await completeAndClaimSql(ctx, "queue.completeAndClaim", lease, outcome, next);
  // Already ended under this lease (a retried call): claim separately.
  if (done.repeated) return { job: done.job, next: await claim(ctx, next.workerId, next.leaseMs) };
  return { job: done.job, next: done.next };
}

async function deadLetter(ctx: SqlContext, lease: Lease, error: JobError): Promise<Job> {
  assertLease(lease);
  if (typeof error !== "object" || error === null || typeof error.message !== "string") {
    throw new TypeError("[threadmill] deadLetter needs a JobError");
  }
  const { s } = ctx;
  const row = await fencedUpdate(
    ctx,
    "queue.deadLetter",
    lease,
    `u as (update ${s}.jobs set status = 'failed', error = $4::text::jsonb,
         worker_id = null, lease_expires_at = null, finished_at = now(), updated_at = now(),
         ${bumpEventSeq(ctx.eventRetention)}
       where id = $2::text and tenant = $1::text and epoch = $3::int and status = 'running' returning *),
     ev as (insert into ${s}.events (job_id, seq, tenant, type, body)
       select u.id, u.event_seq, u.tenant, 'failed', ${terminalEventBody("'failed'::text", "$5::text")} from u),
     del as (delete from ${s}.events e using u where e.job_id = u.id collate "default" and e.seq <= u.event_floor)`,
    [JSON.stringify(error), error.message],
  );
  return endedJob(ctx, "queue.deadLetter", lease, row, "failed");
}
