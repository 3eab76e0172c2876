import { CancelledError } from "../errors/cancelled-error.js";
import { LeaseLostError } from "../errors/lease-lost-error.js";
import { retryAfterOf, toJobError } from "./classify-error.js";
import { Interrupt, RetryLater } from "./claim-interrupts.js";
import type { ClaimSession } from "./claim-session.js";
import type { JobRun } from "./job-run.js";
import type { RunnerContext } from "./runner-options.js";

/** The wait before a failing job's next claim (ms): exponential in `attempt`, capped, with jitter. */
function backoff(retry: RunnerContext["retry"], attempt: number): number {
  return (
    Math.min(retry.maxTimeoutMs, retry.minTimeoutMs * retry.factor ** Math.max(0, attempt - 1)) *
    (1 + Math.random())
  );
}

/**
 * Ends a claim that threw: a lost lease is left alone, a cancel completes the job as cancelled, an
 * interrupt releases it due now, a fatal error (or the last attempt) dead-letters it, and any other
 * error releases it for a later attempt after a backoff.
 */
export async function settleClaim(
  context: RunnerContext,
  session: ClaimSession,
  thrown: unknown,
): Promise<JobRun> {
  const { store, report, log } = context;
  const { job, finish, lease, mustWrite, logFields } = session;
  const cause = session.signal.aborted ? session.signal.reason : thrown;
  const logOrRethrowLeaseLoss = (error: unknown) => {
    if (LeaseLostError.isInstance(error)) throw error;
    report(error, job.id, "writing the claim's last event failed; the job is released all the same");
  };
  try {
    if (LeaseLostError.isInstance(cause)) return finish("lease-lost");
    session.heartbeat.assertValid();
    if (CancelledError.isInstance(cause)) {
      await mustWrite("queue.complete", () => store.queue.complete(lease(), { status: "cancelled" }));
      log.info(logFields, "job cancelled");
      return finish("cancelled");
    }
    if (cause instanceof Interrupt) {
      await session
        .emit({ type: "yielded", status: "queued", message: `released (${cause.reason})` })
        .catch(logOrRethrowLeaseLoss);
      // Due now by the store's clock, not this worker's (which may be ahead of it); a stage that asked
      // to be woken later (a batch still running) waits that long.
      const runAt = cause.runAt;
      await mustWrite("queue.release", () =>
        store.queue.release(lease(), runAt === undefined ? undefined : { runAt }),
      );
      log.debug({ ...logFields, reason: cause.reason }, `job released (${cause.reason})`);
      return finish("released", cause.reason);
    }
    const error = cause instanceof RetryLater ? cause.error : cause;
    const errorClass = cause instanceof RetryLater ? "retriable" : context.classify(error);
    const jobError = toJobError(error, errorClass);
    if (errorClass === "fatal" || (!session.progressed && job.attempts >= job.maxAttempts)) {
      await mustWrite("queue.deadLetter", () => store.queue.deadLetter(lease(), jobError));
      log.error(
        { ...logFields, attempt: job.attempts, errorClass, err: jobError },
        `job failed (dead-lettered): ${errorClass === "fatal" ? "a fatal error" : "its last attempt failed"}`,
      );
      return finish("failed", "error");
    }
    const delayMs =
      cause instanceof RetryLater
        ? cause.delayMs
        : Math.max(retryAfterOf(error), backoff(context.retry, session.progressed ? 1 : job.attempts));
    await session
      .emit({
        type: "retrying",
        status: "queued",
        message: `attempt ${job.attempts} failed, retrying in ${Math.round(delayMs)} ms: ${jobError.message}`,
      })
      .catch(logOrRethrowLeaseLoss);
    await mustWrite("queue.release", () =>
      store.queue.release(lease(), { runAt: Date.now() + delayMs, error: jobError }),
    );
    log.warn(
      { ...logFields, attempt: job.attempts, delayMs: Math.round(delayMs), err: jobError },
      "job released for a later attempt",
    );
    return finish("released", "retry");
  } catch (error) {
    if (LeaseLostError.isInstance(error)) return finish("lease-lost");
    // The final write kept failing: the lease expires and the next worker finishes the bookkeeping.
    report(
      error,
      job.id,
      "the claim's final write kept failing; the lease will lapse and the next claim settles the job",
    );
    return finish("lease-lost");
  }
}
