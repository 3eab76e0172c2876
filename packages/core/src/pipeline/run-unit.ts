import pRetry from "p-retry";
import { LeaseLostError } from "../errors/lease-lost-error.js";
import type { Checkpoint } from "../ports/checkpoint-store.js";
import type { JsonValue } from "../util/json.js";
import { retryAfterOf, toJobError } from "./classify-error.js";
import { RetryLater } from "./claim-interrupts.js";
import type { ClaimSession } from "./claim-session.js";
import type { UnitTelemetry } from "../telemetry/runner-telemetry.js";
import type { Stage, StageContext, StageRun, UnitContext, UnitResult } from "./pipeline.js";
import type { RunnerContext } from "./runner-options.js";
import { sleep } from "./sleep.js";
import type { UnitTimer } from "./unit-timer.js";
import { writeOutputs } from "./write-outputs.js";
import type { Yielder } from "./yielder.js";

/** What one unit of a stage works with. */
export interface UnitInput {
  readonly stage: Stage;
  readonly checkpoint: Checkpoint;
  readonly stageContext: StageContext;
  readonly yielder: Yielder;
  readonly timer: UnitTimer;
  /** The stage's open run, kept across units; a failed unit closes it and the next try reopens it. */
  readonly opened: { run: StageRun | null };
  /** The unit's span, told about each retry. */
  readonly telemetry: UnitTelemetry;
}

/**
 * Runs one unit and writes its outputs, retrying a retriable failure in-process with backoff
 * (`retry` options) while the claim has time for it; a retry that would not fit throws `RetryLater`.
 */
export function runUnit(
  context: RunnerContext,
  session: ClaimSession,
  input: UnitInput,
): Promise<UnitResult> {
  const { stage, checkpoint, stageContext, opened } = input;
  const { retries, factor, minTimeoutMs, maxTimeoutMs } = context.retry;
  const signal = session.signal;
  return pRetry(
    async () => {
      const cursor = (checkpoint.cursors[stage.name] ?? null) as JsonValue | null;
      opened.run ??= await stage.open(stageContext, cursor);
      try {
        const unitContext: UnitContext = {
          ...stageContext,
          get lease() {
            return session.heartbeat.lease;
          },
          yield: input.yielder,
          endBy: session.limits.softDeadline,
        };
        const r = await opened.run.next(unitContext);
        signal.throwIfAborted();
        session.heartbeat.assertValid();
        await writeOutputs(context, session.lease(), r);
        return r;
      } catch (error) {
        const failed = opened.run;
        opened.run = null;
        await Promise.resolve()
          .then(() => failed?.close?.())
          .catch((e: unknown) => context.report(e, session.job.id, `closing stage ${stage.name} failed`));
        throw error;
      }
    },
    {
      retries,
      factor,
      minTimeout: minTimeoutMs,
      maxTimeout: maxTimeoutMs,
      randomize: true,
      signal,
      onFailedAttempt: async ({ error, retriesLeft, attemptNumber }) => {
        if (signal.aborted) throw signal.reason;
        if (LeaseLostError.isInstance(error)) throw error;
        if (context.classify(error) === "fatal" || retriesLeft === 0) throw error;
        const wait = retryAfterOf(error);
        const delay = Math.max(wait, minTimeoutMs * factor ** (attemptNumber - 1));
        if (Date.now() + delay + input.timer.estimate() > session.limits.softDeadline) {
          throw new RetryLater(delay, error);
        }
        input.telemetry.retried(error, attemptNumber);
        context.log.warn(
          { ...session.logFields, stage: stage.name, attempt: attemptNumber, retriesLeft, err: error },
          `unit of stage ${stage.name} failed; retrying in this claim`,
        );
        await session.emit({
          type: "retrying",
          status: "running",
          stage: stage.name,
          message: `unit failed (try ${attemptNumber}), retrying: ${toJobError(error).message}`,
        });
        // p-retry's own backoff follows; a retry-after longer than it is waited out first.
        if (wait > 0) await sleep(wait, signal);
      },
    },
  );
}
