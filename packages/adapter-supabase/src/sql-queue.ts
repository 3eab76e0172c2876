import type {
  Claim,
  ClaimOptions,
  CompleteOutcome,
  ExtendResult,
  Job,
  JobError,
  Lease,
  Queue,
  ReleaseOptions,
} from "@threadmill/core";
import { JOB_COLUMNS, type JobRow, toJob } from "./job-row.js";
import { assertDuration, assertId, assertLease, leaseLost, type SqlContext, ts } from "./sql-context.js";
import { bumpEventSeq, terminalEventBody } from "./sql-job-store.js";

/** Options of the fast path `completeAndClaim`. */
export interface ClaimNextOptions {
  readonly workerId: string;
  readonly leaseMs: number;
}

/** The SQL queue: the `Queue` port plus a complete-and-claim-next fast path (one statement, one commit per job). */
export interface SqlQueue extends Queue {
  /**
   * `complete` and then `claim(workerId, leaseMs)` in one statement (one transaction, one commit):
   * what a busy worker does between two jobs. Fenced like `complete`; `next` is `null` when nothing
   * is claimable (the completed job is never handed out again).
   * @throws LeaseLostError when the epoch was superseded; nothing is written or claimed then.
   */
  completeAndClaim(
    lease: Lease,
    outcome: CompleteOutcome,
    next: ClaimNextOptions,
  ): Promise<{ readonly job: Job; readonly next: Claim | null }>;
}

type FencedRow = JobRow & {
  current_epoch: number | null;
  current_status: string | null;
  current_worker: string | null;
};

/** Whether a fenced terminal write found the job already ended by this same lease (a repeated call). */
function endedBy(
  lease: Lease,
  epoch: unknown,
  status: unknown,
  workerId: unknown,
  expected: string,
): boolean {
  return Number(epoch) === lease.epoch && status === expected && workerId === null;
}

function leaseOf(job: Job, workerId?: string): Lease {
  return {
    tenant: job.tenant,
    jobId: job.id,
    epoch: job.epoch,
    workerId: workerId ?? job.workerId!,
    expiresAt: job.leaseExpiresAt!,
  };
}

/** The Queue port on SQL: one statement per call, fenced by the epoch in the same statement. */
export function createSqlQueue(ctx: SqlContext): SqlQueue {
  const { s } = ctx;

  /** Runs `update` (a CTE named `u` over the lease's job, $1 tenant, $2 id, $3 epoch) and reads its job back. */
  const fenced = async (
    operation: string,
    lease: Lease,
    cte: string,
    params: unknown[],
  ): Promise<FencedRow | null> => {
    const rows = await ctx.run<FencedRow>(
      operation,
      `with cur as (select epoch, status, worker_id from ${s}.jobs where id = $2::text and tenant = $1::text),
       ${cte}
       select (select epoch from cur) as current_epoch, (select status from cur) as current_status,
         (select worker_id from cur) as current_worker, u.*
       from (select 1) one left join (select ${JOB_COLUMNS} from u) u on true`,
      [lease.tenant, lease.jobId, lease.epoch, ...params],
    );
    const row = rows[0];
    return row && row.id !== null ? row : (row ?? null);
  };

  /** A terminal write repeated under the lease that made it returns the job unchanged (idempotent retry). */
  const ended = async (
    operation: string,
    lease: Lease,
    row: FencedRow | null,
    status: string,
  ): Promise<Job> => {
    if (row && row.id !== null) return toJob(row);
    if (row && endedBy(lease, row.current_epoch, row.current_status, row.current_worker, status)) {
      const again = await ctx.run<JobRow>(
        operation,
        `select ${JOB_COLUMNS} from ${s}.jobs where id = $1::text and tenant = $2::text`,
        [lease.jobId, lease.tenant],
      );
      if (again[0]) return toJob(again[0]);
    }
    throw leaseLost(lease.jobId, lease.epoch, row?.current_epoch);
  };

  /**
   * Runs the `complete_and_claim` function (migration 3): the fenced completion, its terminal event,
   * and with `next` the claim of the next job, one statement. Returns the completed job and the next
   * claim; a completion repeated under the lease that made it returns the job and claims nothing.
   * @throws LeaseLostError when the epoch was superseded (or the job is gone).
   */
  const completeVia = async (
    operation: string,
    lease: Lease,
    outcome: CompleteOutcome,
    next: ClaimNextOptions | null,
  ): Promise<{ job: Job; next: Claim | null; repeated: boolean }> => {
    if (outcome?.status !== "succeeded" && outcome?.status !== "cancelled") {
      throw new TypeError('[threadmill] complete outcome status must be "succeeded" or "cancelled"');
    }
    const rows = await ctx.run<JobRow & { kind: "done" | "next" | "current" }>(
      operation,
      `select f.kind, ${JOB_COLUMNS}
       from ${s}.complete_and_claim($1::text, $2::text, $3::int, $4::text, $5::text::jsonb, $6::bigint,
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
  };

  const queue: SqlQueue = {
    async claim(workerId: string, leaseMs: number, options: ClaimOptions = {}): Promise<Claim | null> {
      assertId(workerId, "workerId");
      assertDuration(leaseMs, "leaseMs");
      const named = options.jobId !== undefined || options.tenant !== undefined;
      if (named && (options.jobId === undefined || options.tenant === undefined)) {
        throw new TypeError("[threadmill] claim of a named job needs both tenant and jobId");
      }
      const rows = await ctx.run<JobRow>(
        "queue.claim",
        `select ${JOB_COLUMNS} from ${s}.claim($1::text, $2::float8, $3::text, $4::text)`,
        [workerId, leaseMs, options.tenant ?? null, options.jobId ?? null],
      );
      if (!rows[0]) return null;
      const job = toJob(rows[0]);
      return { job, lease: leaseOf(job) };
    },

    async extend(lease: Lease, leaseMs: number): Promise<ExtendResult> {
      assertLease(lease);
      assertDuration(leaseMs, "leaseMs");
      const row = await fenced(
        "queue.extend",
        lease,
        `u as (update ${s}.jobs set lease_expires_at = now() + $4::float8 * interval '1 millisecond', updated_at = now()
           where id = $2::text and tenant = $1::text and epoch = $3::int and status = 'running' returning *)`,
        [leaseMs],
      );
      if (!row || row.id === null) throw leaseLost(lease.jobId, lease.epoch, row?.current_epoch);
      const job = toJob(row);
      return { lease: leaseOf(job, lease.workerId), cancelRequested: job.cancelRequested };
    },

    async release(lease: Lease, options: ReleaseOptions = {}): Promise<Job> {
      assertLease(lease);
      if (options.runAt !== undefined && !Number.isFinite(options.runAt)) {
        throw new RangeError("[threadmill] release runAt must be epoch milliseconds");
      }
      const row = await fenced(
        "queue.release",
        lease,
        `u as (update ${s}.jobs set status = 'queued', run_at = coalesce(${ts("$4")}, now()), error = $5::text::jsonb,
             worker_id = null, lease_expires_at = null, updated_at = now()
           where id = $2::text and tenant = $1::text and epoch = $3::int and status = 'running'
           returning *${ctx.notifySql})`,
        [options.runAt ?? null, options.error ? JSON.stringify(options.error) : null],
      );
      if (!row || row.id === null) throw leaseLost(lease.jobId, lease.epoch, row?.current_epoch);
      return toJob(row);
    },

    async complete(lease: Lease, outcome: CompleteOutcome): Promise<Job> {
      assertLease(lease);
      return (await completeVia("queue.complete", lease, outcome, null)).job;
    },

    async completeAndClaim(lease: Lease, outcome: CompleteOutcome, next: ClaimNextOptions) {
      assertLease(lease);
      assertId(next?.workerId, "workerId");
      assertDuration(next.leaseMs, "leaseMs");
      const done = await completeVia("queue.completeAndClaim", lease, outcome, next);
      // Already ended under this lease (a retried call): claim separately.
      if (done.repeated) return { job: done.job, next: await queue.claim(next.workerId, next.leaseMs) };
      return { job: done.job, next: done.next };
    },

    async deadLetter(lease: Lease, error: JobError): Promise<Job> {
      assertLease(lease);
      if (typeof error !== "object" || error === null || typeof error.message !== "string") {
        throw new TypeError("[threadmill] deadLetter needs a JobError");
      }
      const row = await fenced(
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
      return ended("queue.deadLetter", lease, row, "failed");
    },
  };
  return queue;
}
