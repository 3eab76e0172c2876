import type { Job, JobStatus } from "@threadmill/core";

/** The last line `import` prints on stdout in JSON mode (and the line `import --detach` prints). */
export interface ImportSummary {
  readonly type: "summary";
  readonly jobId: string;
  readonly status: JobStatus;
  readonly conversations: number;
  readonly messages: number;
  readonly chunks: number;
  /** How many `ParseIssue`s were reported (listed on stderr with `--verbose`). */
  readonly issues: number;
  /**
   * Against the tenant's library: conversations held unchanged (not chunked again), changed (their
   * chunks swapped), new, and missing from this export (kept, or deleted with `--missing delete`).
   */
  readonly library: {
    readonly unchanged: number;
    readonly changed: number;
    readonly new: number;
    readonly missing: number;
  };
  /** From the job's creation to its end (or to now while it is not over), in ms. */
  readonly durationMs: number;
  /** With `--facts`: requests sent (retries included), what they cost, and what could not be extracted. */
  readonly facts?: {
    readonly requests: number;
    readonly costUsd: number;
    readonly issues: number;
    readonly error?: string;
  };
}

/** The summary of a job, from its record's running totals (the single source of truth). */
export function toSummary(job: Job, now: number = Date.now()): ImportSummary {
  const count = (name: string) => job.counts[name] ?? 0;
  const end = job.finishedAt ?? (job.status === "queued" ? job.createdAt : now);
  return {
    type: "summary",
    jobId: job.id,
    status: job.status,
    conversations: count("conversations"),
    messages: count("messages"),
    chunks: count("chunks"),
    issues: count("issues"),
    library: {
      unchanged: count("unchanged"),
      changed: count("changed"),
      new: count("new"),
      missing: count("missing"),
    },
    durationMs: Math.max(0, end - job.createdAt),
    ...(job.options.facts
      ? {
          facts: {
            requests: count("factRequests"),
            costUsd: count("factCostMicroUsd") / 1e6,
            issues: count("factIssues"),
            ...(job.error?.code === "BUDGET_EXCEEDED" ? { error: job.error.message } : {}),
          },
        }
      : {}),
  };
}
