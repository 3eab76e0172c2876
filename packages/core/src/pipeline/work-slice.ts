import type { ClaimChain, ClaimedJob } from "./claim-session.js";
import type { JobRun } from "./job-run.js";
import { claimNext, runClaim } from "./run-claim.js";
import type { RunnerContext } from "./runner-options.js";

/** Options of `runner.work`. */
export interface WorkOptions {
  /** When this invocation must be over: epoch ms or a `Date` (this worker's clock). @default none */
  readonly deadline?: number | Date;
  readonly signal?: AbortSignal;
}

/** What `runner.work()` did. */
export interface WorkResult {
  readonly runs: readonly JobRun[];
  /** Why it returned: nothing was claimable, the deadline came, or `signal` aborted. */
  readonly reason: "idle" | "deadline" | "aborted";
}

/**
 * `runner.work`: one serverless invocation. Claims and works jobs until nothing is claimable, the
 * deadline (less the margin) leaves no room for a unit, or `signal` aborts.
 */
export async function workSlice(context: RunnerContext, options: WorkOptions = {}): Promise<WorkResult> {
  const { signal } = options;
  const deadline =
    options.deadline === undefined
      ? Number.POSITIVE_INFINITY
      : options.deadline instanceof Date
        ? options.deadline.getTime()
        : options.deadline;
  const margin = Number.isFinite(deadline)
    ? Math.min(context.deadlineMarginMs, Math.max(0, (deadline - Date.now()) / 5))
    : 0;
  const softDeadline = deadline - margin;
  const runs: JobRun[] = [];
  const hasRoom = () => !signal?.aborted && Date.now() + context.timers.minEstimate() < softDeadline;
  // The job a completion claimed (`Queue.completeAndClaim`), asked for only while there is room for
  // it; one claimed right before the deadline is handed back by its own claim, as any other.
  let chained: ClaimedJob | null = null;
  const chain: ClaimChain = {
    wanted: hasRoom,
    take: (next) => {
      chained = next;
    },
  };
  for (;;) {
    let next: ClaimedJob | null = chained;
    chained = null;
    if (!next) {
      if (signal?.aborted) return { runs, reason: "aborted" };
      if (!hasRoom()) return { runs, reason: "deadline" };
      next = await claimNext(context);
      if (!next) return { runs, reason: "idle" };
    }
    const run = await runClaim(context, next.claim, next.claimedAt, {
      softDeadline,
      ...(signal ? { signal } : {}),
      chain,
    });
    runs.push(run);
    if (run.outcome === "released" && run.reason === "deadline") return { runs, reason: "deadline" };
    if (run.outcome === "released" && run.reason === "signal") return { runs, reason: "aborted" };
  }
}
