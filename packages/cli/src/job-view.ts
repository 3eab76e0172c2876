import { type Job, type JobError, type JobProgress, type JobStatus, redactSecrets } from "@threadmill/core";

/** The job record as `status --json` prints it. */
export interface JobView {
  readonly jobId: string;
  readonly tenant: string;
  readonly status: JobStatus;
  readonly stage: string | null;
  readonly progress: JobProgress | null;
  readonly counts: Readonly<Record<string, number>>;
  readonly error: JobError | null;
  readonly attempts: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly finishedAt: string | null;
}

/** The public view of a job: no input reference (which may be a signed URL), dates as ISO strings. */
export function toJobView(job: Job): JobView {
  return {
    jobId: job.id,
    tenant: job.tenant,
    status: job.status,
    stage: job.stage,
    progress: job.progress,
    counts: job.counts,
    error: job.error === null ? null : { ...job.error, message: redactSecrets(job.error.message) },
    attempts: job.attempts,
    createdAt: new Date(job.createdAt).toISOString(),
    updatedAt: new Date(job.updatedAt).toISOString(),
    finishedAt: job.finishedAt === null ? null : new Date(job.finishedAt).toISOString(),
  };
}
