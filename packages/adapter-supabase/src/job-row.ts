import type { Job, JobError, JobProgress, JobStatus, Lease, SourceRef } from "@threadmill/core";
import type { JsonObject, JsonValue } from "@threadmill/core";

/**
 * The select item `toJob` reads: the jobs row `row` (a table, alias or composite value) as one JSON
 * text column, `job`. One column, not one per field: a statement that names two dozen formatted
 * columns costs the server their planning and the client a row description on every call (about a
 * fifth of a no-op job's throughput at 16 in flight).
 */
export const jobJson = (row: string): string => `row_to_json(${row})::text as job`;

/** A row with a job selected by `jobJson`; `job` is null where an outer join matched no job. */
export interface JobRow {
  job: string | null;
}

/** The jobs row as `row_to_json` writes it: jsonb columns nested, timestamps as ISO 8601 text. */
interface JobJson {
  id: string;
  tenant: string;
  pipeline: string;
  input: SourceRef;
  options: JsonObject | null;
  idempotency_key: string | null;
  singleton_key: string | null;
  priority: number | string;
  max_attempts: number;
  status: string;
  attempts: number;
  epoch: number;
  run_at: string;
  worker_id: string | null;
  lease_expires_at: string | null;
  cancel_requested: boolean;
  stage: string | null;
  progress: JobProgress | null;
  counts: Record<string, number> | null;
  result: JsonValue | null;
  error: JobError | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

// `row_to_json`'s timestamptz: ISO 8601 in the session's time zone, whatever its DateStyle, with
// a year of 4 or more digits, up to 6 fractional digits, an offset of hours[:minutes[:seconds]]
// and " BC" before year 1.
const TIMESTAMP =
  /^(\d{4,})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?([+-])(\d\d)(?::(\d\d))?(?::(\d\d))?( BC)?$/;

/** Days from 1970-01-01 to a date of the proleptic Gregorian calendar (year 0 is 1 BC). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * ((month + 9) % 12) + 2) / 5) + day - 1;
  return (
    era * 146_097 +
    yearOfEra * 365 +
    Math.floor(yearOfEra / 4) -
    Math.floor(yearOfEra / 100) +
    dayOfYear -
    719_468
  );
}

/**
 * Epoch milliseconds of a timestamptz, exactly `floor(extract(epoch ...) * 1000)::float8`: fractional
 * digits past the millisecond are cut, and the sum is exact (in BigInt past 2^53 ms, about year
 * 287,000). Parsed here, not by `Date.parse`, which takes neither a year past 9999, nor " BC", nor an
 * offset with seconds, nor a date past the year 275,760.
 */
export function epochMs(text: string): number {
  if (text === "infinity") return Number.POSITIVE_INFINITY;
  if (text === "-infinity") return Number.NEGATIVE_INFINITY;
  const m = TIMESTAMP.exec(text);
  if (m === null) throw new TypeError(`[threadmill] unexpected timestamp from the database: ${text}`);
  const [, y, mo, d, h, mi, s, frac = "", sign, oh, om = "0", os = "0", bc] = m;
  const days = daysFromCivil(bc ? 1 - Number(y) : Number(y), Number(mo), Number(d));
  const offset = (sign === "-" ? -1 : 1) * (Number(oh) * 3600 + Number(om) * 60 + Number(os));
  const seconds = Number(h) * 3600 + Number(mi) * 60 + Number(s) - offset;
  const millis = Number(frac.padEnd(3, "0").slice(0, 3));
  if (Math.abs(days) < 100_000_000) return (days * 86_400 + seconds) * 1000 + millis;
  return Number((BigInt(days) * 86_400n + BigInt(seconds)) * 1000n + BigInt(millis));
}

const msOrNull = (text: string | null): number | null => (text === null ? null : epochMs(text));

/** The job record of a row selected with `jobJson`. */
export function toJob(row: JobRow): Job {
  if (row.job === null) throw new TypeError("[threadmill] expected a job row, got none");
  const j = JSON.parse(row.job) as JobJson;
  return {
    id: j.id,
    tenant: j.tenant,
    pipeline: j.pipeline,
    input: j.input,
    options: j.options ?? {},
    idempotencyKey: j.idempotency_key,
    singletonKey: j.singleton_key,
    priority: Number(j.priority),
    maxAttempts: j.max_attempts,
    status: j.status as JobStatus,
    attempts: j.attempts,
    epoch: j.epoch,
    runAt: epochMs(j.run_at),
    workerId: j.worker_id,
    leaseExpiresAt: msOrNull(j.lease_expires_at),
    cancelRequested: j.cancel_requested === true,
    stage: j.stage,
    progress: j.progress,
    counts: j.counts ?? {},
    result: j.result,
    error: j.error,
    createdAt: epochMs(j.created_at),
    updatedAt: epochMs(j.updated_at),
    finishedAt: msOrNull(j.finished_at),
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
