import type { Checkpoint } from "../ports/checkpoint-store.js";
import { Interrupt } from "./claim-interrupts.js";
import type { ClaimSession } from "./claim-session.js";
import type { Pipeline, Stage, StageContext, StageRun, UnitResult } from "./pipeline.js";
import type { RunnerContext } from "./runner-options.js";
import { runUnit } from "./run-unit.js";
import type { Yielder } from "./yielder.js";

/** The checkpoint after a unit: its cursor, counts added, and the next stage when this one is done. */
function advanceCheckpoint(
  pipeline: Pipeline,
  stage: Stage,
  checkpoint: Checkpoint,
  result: UnitResult,
): Checkpoint {
  const counts: Record<string, number> = { ...checkpoint.counts };
  for (const [key, value] of Object.entries(result.counts ?? {})) {
    counts[key] = (counts[key] ?? 0) + value;
  }
  const completed = result.done ? [...checkpoint.completed, stage.name] : checkpoint.completed;
  const next = pipeline.stages.find((s) => !completed.includes(s.name));
  return {
    stage: result.done && next ? next.name : stage.name,
    cursors: { ...checkpoint.cursors, [stage.name]: result.cursor },
    completed,
    counts,
  };
}

/**
 * Works one stage unit by unit until it is done, checkpointing after each unit's outputs are
 * written; stops (throwing `Interrupt`) before a unit that the deadline or a stop leaves no room for.
 * Returns the checkpoint after the stage.
 */
export async function runStage(
  context: RunnerContext,
  session: ClaimSession,
  input: {
    readonly pipeline: Pipeline;
    readonly stage: Stage;
    readonly checkpoint: Checkpoint;
    readonly stageContext: StageContext;
    readonly yielder: Yielder;
  },
): Promise<Checkpoint> {
  const { pipeline, stage, yielder } = input;
  const { limits } = session;
  let checkpoint = input.checkpoint;
  if (checkpoint.stage !== stage.name) checkpoint = { ...checkpoint, stage: stage.name };
  const timer = context.timers.timerFor(session.job.pipeline, stage.name);
  await session.emit({ type: "stage", status: "running", stage: stage.name });
  const opened: { run: StageRun | null } = { run: null };
  return session.telemetry.stage(stage.name, async (traced) => {
    try {
      for (;;) {
        session.signal.throwIfAborted();
        if (limits.stopping?.()) throw new Interrupt("stop");
        if (Date.now() + timer.estimate() > limits.softDeadline) throw new Interrupt("deadline");
        const startedAt = performance.now();
        const result = await traced.unit((unit) =>
          runUnit(context, session, { ...input, checkpoint, timer, opened, telemetry: unit }),
        );
        timer.record(performance.now() - startedAt);
        checkpoint = advanceCheckpoint(pipeline, stage, checkpoint, result);
        session.heartbeat.assertValid();
        const saved = checkpoint;
        await session.briefly("checkpoints.save", async () => {
          session.heartbeat.assertValid();
          await context.store.checkpoints.save(session.lease(), saved);
        });
        session.unitDone();
        await session.reportProgress(
          stage.name,
          result.progress,
          result.done || result.flushProgress === true,
        );
        if (result.done) return checkpoint;
        // The unit is waiting on something outside (a Message Batch): the job goes back to the queue
        // until then rather than holding this worker; the checkpoint just saved keeps its attempts at 0.
        if (result.wakeAt !== undefined && result.wakeAt > Date.now())
          throw new Interrupt("wait", result.wakeAt);
        await yielder();
      }
    } finally {
      const open = opened.run as StageRun | null;
      if (open) {
        await Promise.resolve(open.close?.()).catch((e: unknown) =>
          context.report(e, session.job.id, `closing stage ${stage.name} failed`),
        );
      }
    }
  });
}
