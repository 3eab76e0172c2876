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
    if (
      row &&
      Number(row.current_epoch) === lease.epoch &&
      row.current_status === status &&
      row.current_worker === null
    ) {
      const again = await ctx.run<JobRow>(
        operation,
        `select ${JOB_COLUMNS} from ${s}.jobs where id = $1::text and tenant = $2::text`,
        [lease.jobId, lease.tenant],
      );
      if (again[0]) return toJob(again[0]);
    }
    throw leaseLost(lease.jobId, lease.epoch, row?.current_epoch);
  };

  const completeParams = (outcome: CompleteOutcome): unknown[] => {
    if (outcome?.status !== "succeeded" && outcome?.status !== "cancelled") {
      throw new TypeError('[threadmill] complete outcome status must be "succeeded" or "cancelled"');
    }
    return [outcome.status, outcome.status === "succeeded" ? JSON.stringify(outcome.result ?? null) : null];
  };
  /** The fenced completion as CTEs `u`, `ev`, `del` ($1 tenant, $2 id, $3 epoch, $4 status, $5 result). */
  const completeCte = `u as (update ${s}.jobs set status = $4::text,
             result = case when $4::text = 'succeeded' then $5::text::jsonb else result end, error = null,
             worker_id = null, lease_expires_at = null, finished_at = now(), updated_at = now(),
             ${bumpEventSeq(ctx.eventRetention)}
           where id = $2::text and tenant = $1::text and epoch = $3::int and status = 'running' returning *),
         ev as (insert into ${s}.events (job_id, seq, tenant, type, body)
           select u.id, u.event_seq, u.tenant, u.status, ${terminalEventBody("u.status", null)} from u),
         del as (delete from ${s}.events e using u where e.job_id = u.id and e.seq <= u.event_floor)`;

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
        `update ${s}.jobs set status = 'running', epoch = epoch + 1, attempts = attempts + 1,
           worker_id = $1::text, lease_expires_at = now() + $2::float8 * interval '1 millisecond', updated_at = now()
         where id = (
           select id from ${s}.jobs
           where status in ('queued', 'running')
             and ((status = 'queued' and run_at <= now()) or (status = 'running' and lease_expires_at <= now()))
             ${named ? "and tenant = $3::text and id = $4::text" : ""}
           order by priority desc, run_at, id
           limit 1
           for update skip locked
         )
         returning ${JOB_COLUMNS}`,
        named ? [workerId, leaseMs, options.tenant, options.jobId] : [workerId, leaseMs],
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
      const params = completeParams(outcome);
      const row = await fenced("queue.complete", lease, completeCte, params);
      return ended("queue.complete", lease, row, outcome.status);
    },

    async completeAndClaim(lease: Lease, outcome: CompleteOutcome, next: ClaimNextOptions) {
      assertLease(lease);
      assertId(next?.workerId, "workerId");
      assertDuration(next.leaseMs, "leaseMs");
      const params = completeParams(outcome);
      const rows = await ctx.run<FencedRow & { next_id: string | null } & Record<string, unknown>>(
        "queue.completeAndClaim",
        `with cur as (select epoch, status, worker_id from ${s}.jobs where id = $2::text and tenant = $1::text),
         ${completeCte},
         n as (
           update ${s}.jobs set status = 'running', epoch = epoch + 1, attempts = attempts + 1,
             worker_id = $6::text, lease_expires_at = now() + $7::float8 * interval '1 millisecond', updated_at = now()
           where id = (
             select id from ${s}.jobs
             where status in ('queued', 'running')
               and ((status = 'queued' and run_at <= now()) or (status = 'running' and lease_expires_at <= now()))
               and id <> $2::text and exists (select 1 from u)
             order by priority desc, run_at, id
             limit 1
             for update skip locked
           )
           returning *
         )
         select (select epoch from cur) as current_epoch, (select status from cur) as current_status,
           (select worker_id from cur) as current_worker, u.*,
           (select row_to_json(x)::text from (select ${JOB_COLUMNS} from n) x) as next_job
         from (select 1) one left join (select ${JOB_COLUMNS} from u) u on true`,
        [lease.tenant, lease.jobId, lease.epoch, ...params, next.workerId, next.leaseMs],
      );
      const row = rows[0] ?? null;
      if (!row || row.id === null) {
        // Already ended under this lease (a retried call): return it; claim separately.
        const job = await ended("queue.completeAndClaim", lease, row, outcome.status);
        return { job, next: await queue.claim(next.workerId, next.leaseMs) };
      }
      const nextRow =
        row.next_job === null || row.next_job === undefined
          ? null
          : (JSON.parse(row.next_job as string) as JobRow);
      const nextJob = nextRow ? toJob(nextRow) : null;
      return { job: toJob(row), next: nextJob ? { job: nextJob, lease: leaseOf(nextJob) } : null };
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
         del as (delete from ${s}.events e using u where e.job_id = u.id and e.seq <= u.event_floor)`,
        [JSON.stringify(error), error.message],
      );
      return ended("queue.deadLetter", lease, row, "failed");
    },
  };
  return queue;
}
