import type { ProgressEvent } from "../ports/event.js";
import { type Job, TERMINAL_STATUSES } from "../ports/job.js";
import { followEvents } from "./follow-events.js";
import { claimNext, runClaim } from "./run-claim.js";
import type { RunnerContext } from "./runner-options.js";
import { sleep } from "./sleep.js";

/** Options of `runner.run`. */
export interface RunJobOptions {
  /** Aborting checkpoints (the last unit's checkpoint stands), releases the job and returns. */
  readonly signal?: AbortSignal;
  /** Every event of the job's log from the start (or after `afterEventId`), in order, each once. */
  readonly onEvent?: (event: ProgressEvent) => void;
  /** Follow events after this id. @default null (from the oldest retained) */
  readonly afterEventId?: string | null;
}

/**
 * `runner.run`: works one named job in this process until it ends, claiming it whenever it is due
 * and waiting while another worker holds it. Returns the final record, `null` for no such job.
 */
export async function runJob(
  context: RunnerContext,
  tenant: string,
  jobId: string,
  options: RunJobOptions = {},
): Promise<Job | null> {
  const { store, pollMs } = context;
  const { signal, onEvent } = options;
  const first = await store.jobs.get(tenant, jobId);
  if (!first) return null;
  const follower = onEvent
    ? followEvents(context, { tenant, jobId }, options.afterEventId ?? null, onEvent)
    : undefined;
  try {
    for (;;) {
      if (signal?.aborted) break;
      const next = await claimNext(context, { tenant, jobId });
      if (next) {
        const run = await runClaim(context, next.claim, next.claimedAt, {
          softDeadline: Number.POSITIVE_INFINITY,
          ...(signal ? { signal } : {}),
        });
        if (run.outcome !== "released" && run.outcome !== "lease-lost") break;
        if (run.reason === "signal") break;
        continue;
      }
      const job = await store.jobs.get(tenant, jobId);
      if (!job || TERMINAL_STATUSES.has(job.status)) break;
      const wait = job.status === "queued" ? Math.min(pollMs, Math.max(0, job.runAt - Date.now())) : pollMs;
      await sleep(Math.max(10, wait), signal).catch(() => {});
    }
    const final = await store.jobs.get(tenant, jobId);
    await follower?.finish(final !== null && TERMINAL_STATUSES.has(final.status));
    return final;
  } finally {
    follower?.abort();
  }
}
