import type { Job, JobError, JobProgress, JobStatus, Lease, SourceRef } from "@threadmill/core";
import type { JsonObject, JsonValue } from "@threadmill/core";
import { ms } from "./sql-context.js";

/** The select list that `toJob` reads, for a jobs row aliased `j` (or any `RETURNING`). */
export const JOB_COLUMNS = `id, tenant, pipeline, input::text as input, options::text as options, idempotency_key,
  singleton_key, priority, max_attempts, status, attempts, epoch, ${ms("run_at")} as run_at, worker_id,
  ${ms("lease_expires_at")} as lease_expires_at, cancel_requested, stage, progress::text as progress,
  counts::text as counts, result::text as result, error::text as error, ${ms("created_at")} as created_at,
  ${ms("updated_at")} as updated_at, ${ms("finished_at")} as finished_at`;

/** A jobs row as selected with `JOB_COLUMNS`. */
export interface JobRow {
  id: string;
  tenant: string;
  pipeline: string;
  input: string;
  options: string;
  idempotency_key: string | null;
  singleton_key: string | null;
  priority: number;
  max_attempts: number;
  status: string;
  attempts: number;
  epoch: number;
  run_at: number;
  worker_id: string | null;
  lease_expires_at: number | null;
  cancel_requested: boolean;
  stage: string | null;
  progress: string | null;
  counts: string;
  result: string | null;
  error: string | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
}

const parse = <T>(text: string | null): T | null => (text === null ? null : (JSON.parse(text) as T));
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** The job record of a row. */
export function toJob(row: JobRow): Job {
  return {
    id: row.id,
    tenant: row.tenant,
    pipeline: row.pipeline,
    input: parse<SourceRef>(row.input)!,
    options: parse<JsonObject>(row.options) ?? {},
    idempotencyKey: row.idempotency_key,
    singletonKey: row.singleton_key,
    priority: Number(row.priority),
    maxAttempts: Number(row.max_attempts),
    status: row.status as JobStatus,
    attempts: Number(row.attempts),
    epoch: Number(row.epoch),
    runAt: Number(row.run_at),
    workerId: row.worker_id,
    leaseExpiresAt: num(row.lease_expires_at),
    cancelRequested: row.cancel_requested === true,
    stage: row.stage,
    progress: parse<JobProgress>(row.progress),
    counts: parse<Record<string, number>>(row.counts) ?? {},
    result: parse<JsonValue>(row.result),
    error: parse<JobError>(row.error),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    finishedAt: num(row.finished_at),
  };
}

/** The lease a claimed job's record describes (held by `workerId`, by default the job's own). */
export function leaseOf(job: Job, workerId?: string): Lease {
  return {
    tenant: job.tenant,
    jobId: job.id,
    epoch: job.epoch,
    workerId: workerId ?? job.workerId!,
    expiresAt: job.leaseExpiresAt!,
  };
}
