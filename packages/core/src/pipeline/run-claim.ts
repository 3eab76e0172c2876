import { CancelledError } from "../errors/cancelled-error.js";
import { JobConfigurationError } from "../errors/job-configuration-error.js";
import type { Checkpoint } from "../ports/checkpoint-store.js";
import type { Job, JobError } from "../ports/job.js";
import type { Claim, CompleteOutcome } from "../ports/queue.js";
import type { Source } from "../ports/source.js";
import { type ClaimedJob, type ClaimLimits, type ClaimSession, openClaimSession } from "./claim-session.js";
import type { JobRun } from "./job-run.js";
import type { Pipeline, Stage, StageContext } from "./pipeline.js";
import type { RunnerContext } from "./runner-options.js";
import { runStage } from "./run-stage.js";
import { settleClaim } from "./settle-claim.js";
import { assertSourceRef } from "./source-resolver.js";
import { createYielder } from "./yielder.js";

/** Claims the next due job (or the named one) for this worker; `null` when there is none. */
export async function claimNext(
  context: RunnerContext,
  named?: { tenant: string; jobId: string },
): Promise<ClaimedJob | null> {
  await context.telemetry.ready();
  const claimedAt = performance.now();
  const claim = await context.store.queue.claim(context.workerId, context.leaseMs, named);
  return claim ? { claim, claimedAt } : null;
}

/** How a claim ended, and the failure that ended it, if any. */
interface ClaimEnd {
  readonly run: JobRun;
  readonly failure?: unknown;
}

/** Dead-letters a job claimed more often than `maxAttempts` without progress (crashes, lost leases). */
async function giveUp(context: RunnerContext, session: ClaimSession): Promise<ClaimEnd> {
  const { job } = session;
  const message = `[threadmill] job ${job.id} made no progress in ${job.maxAttempts} attempts (crashes, lost leases or errors); giving up.${job.error ? ` Last error: ${job.error.message}` : ""}`;
  const error: JobError = {
    code: job.error?.code ?? "ATTEMPTS_EXHAUSTED",
    name: job.error?.name ?? "Error",
    message,
    retriable: false,
  };
  await session.mustWrite("queue.deadLetter", () => context.store.queue.deadLetter(session.lease(), error));
  context.log.error(
    { ...session.logFields, attempts: job.attempts, err: error },
    "job failed: attempts exhausted (dead-lettered)",
  );
  return { run: session.finish("failed", "error"), failure: error };
}

/** The job's pipeline; throws `JobConfigurationError` when this worker does not have it. */
function pipelineOf(context: RunnerContext, job: Job): Pipeline {
  const pipeline = context.pipelines[job.pipeline];
  if (!pipeline) {
    throw new JobConfigurationError(
      "UNKNOWN_PIPELINE",
      `job ${job.id} names pipeline "${job.pipeline}", which this worker does not have; register it in createRunner({ pipelines }).`,
    );
  }
  return pipeline;
}

/** The job's input opened by the resolver of its kind; throws `JobConfigurationError` for a kind with none. */
async function resolveSource(context: RunnerContext, job: Job): Promise<Source> {
  const resolver = context.sources[job.input.kind];
  if (!resolver) {
    throw new JobConfigurationError(
      "UNKNOWN_SOURCE_KIND",
      `job ${job.id} reads a "${job.input.kind}" source, which this worker cannot open; register a resolver in createRunner({ sources }).`,
    );
  }
  assertSourceRef(resolver, job.input, `job ${job.id}`);
  return await resolver(job.input, { tenant: job.tenant, jobId: job.id });
}

/**
 * The job's terminal write. When the loop will claim again and the queue has the fast path, the
 * same round trip claims the loop's next job (the completion is durable before that claim).
 */
async function completeJob(
  context: RunnerContext,
  session: ClaimSession,
  outcome: CompleteOutcome,
): Promise<void> {
  const { queue } = context.store;
  const chain = session.limits.chain;
  if (!queue.completeAndClaim || !chain?.wanted()) {
    await session.mustWrite("queue.complete", () => queue.complete(session.lease(), outcome));
    return;
  }
  const next = { workerId: context.workerId, leaseMs: context.leaseMs };
  let claimedAt = 0; // set by the try that answers (a retried write claims anew)
  const done = await session.mustWrite("queue.completeAndClaim", () => {
    claimedAt = performance.now();
    return queue.completeAndClaim!(session.lease(), outcome, next);
  });
  if (done.next) chain.take({ claim: done.next, claimedAt });
}

/** The claim's stages from the job's checkpoint until the job succeeds; throws what ends the claim otherwise. */
async function workClaim(context: RunnerContext, session: ClaimSession): Promise<ClaimEnd> {
  const { job, telemetry } = session;
  const { store } = context;
  // First, so the log shows every claim, also one that fails opening its source or checkpoint.
  const stage = job.stage ?? context.pipelines[job.pipeline]?.stages[0]?.name;
  await session.emit({ type: "started", status: "running", ...(stage ? { stage } : {}) });
  if (job.attempts > job.maxAttempts) return await giveUp(context, session);
  if (job.cancelRequested) throw new CancelledError({ jobId: job.id });
  const pipeline = pipelineOf(context, job);
  const source = telemetry.countBytes(await resolveSource(context, job));
  const stageContext: StageContext = {
    job,
    options: job.options,
    source,
    signal: session.signal,
    ...(context.librarySink ? { library: context.librarySink } : {}),
    ...(telemetry.recordUsage ? { recordUsage: telemetry.recordUsage } : {}),
  };
  // A job's first claim (epoch 1) has no checkpoint to read: every checkpoint is written under a
  // lease, and this lease is the job's first. One store read less per job.
  const saved = job.epoch === 1 ? null : await store.checkpoints.load(job.tenant, job.id);
  let checkpoint: Checkpoint = saved ?? {
    stage: pipeline.stages[0]!.name,
    cursors: {},
    completed: [],
    counts: {},
  };
  const yielder = createYielder(context.yieldEveryMs, session.signal);
  for (const stage of pipeline.stages as readonly Stage[]) {
    if (checkpoint.completed.includes(stage.name)) continue;
    checkpoint = await runStage(context, session, { pipeline, stage, checkpoint, stageContext, yielder });
  }
  session.heartbeat.assertValid();
  await completeJob(context, session, { status: "succeeded", result: checkpoint.counts });
  context.log.info({ ...session.logFields, counts: checkpoint.counts }, "job succeeded");
  return { run: session.finish("succeeded") };
}

/**
 * Works one claim of a job: its stages from the job's checkpoint until the job succeeds, or the
 * claim ends in a cancel, an interrupt, a lost lease or an error (`settleClaim` decides what then).
 */
export async function runClaim(
  context: RunnerContext,
  claim: Claim,
  claimedAt: number,
  limits: ClaimLimits,
): Promise<JobRun> {
  const session = openClaimSession(context, claim, claimedAt, limits);
  context.log.debug(
    { ...session.logFields, attempt: claim.job.attempts, workerId: context.workerId },
    "job claimed",
  );
  let end: ClaimEnd;
  try {
    end = await workClaim(context, session);
  } catch (error) {
    end = { run: await settleClaim(context, session, error), failure: error };
  } finally {
    session.dispose();
  }
  session.telemetry.end(end.run, end.failure);
  if (end.run.outcome === "lease-lost") {
    context.log.warn(
      session.logFields,
      "lease lost: this worker stopped the job; the lease holder (or the next claim) resumes it",
    );
  }
  return end.run;
}
