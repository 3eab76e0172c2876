import type { Adapter, Job, Runner } from "@threadmill/core";
import type { CliIo } from "./cli-io.js";
import type { CommandContext } from "./command-context.js";
import { EXIT_CODES } from "./exit-codes.js";
import type { ImportOutput } from "./import-output.js";
import { createProgressReporter, type ProgressReporter } from "./progress-reporter.js";

type Interrupt = "SIGINT" | "SIGTERM";

/** What `runImportJob` works on. */
export interface RunImportJobOptions {
  readonly ctx: CommandContext;
  readonly adapter: Adapter;
  readonly runner: Runner;
  readonly job: Job;
  /** Whether this run created the job (then its whole log is shown, else only what this run adds). */
  readonly created: boolean;
  readonly output: ImportOutput;
}

/**
 * Runs the import job in this process until it ends, showing its progress; the first SIGINT or
 * SIGTERM checkpoints and releases it. Returns the job as it ended (`null` when purged meanwhile)
 * and the signal that stopped it, if any.
 */
export async function runImportJob(
  options: RunImportJobOptions,
): Promise<{ final: Job | null; interrupted: Interrupt | null }> {
  const { ctx, adapter, runner, job, created, output } = options;
  const reporters: ProgressReporter[] = [];
  if (output.jsonLines) reporters.push(createProgressReporter({ mode: "json", io: output.io }));
  if (output.bar) reporters.push(createProgressReporter({ mode: "bar", io: output.io }));

  const controller = new AbortController();
  const trap = trapInterrupts(output.io, (name) => {
    for (const r of reporters) r.stop();
    output.note(
      `${name}: saving the checkpoint and releasing job ${job.id} (Ctrl-C again to quit at once)...`,
    );
    controller.abort();
  });
  const poll = output.bar ? pollJob(adapter, ctx.tenant, job.id, reporters) : undefined;
  let final: Job | null;
  try {
    if (output.bar) for (const r of reporters) r.job(job);
    // A new job shows its whole log; a resumed one only what this run adds.
    const afterEventId = created ? null : await lastEventId(ctx, adapter, job.id);
    final = await runner.run(ctx.tenant, job.id, {
      signal: controller.signal,
      afterEventId,
      onEvent: (event) => {
        for (const r of reporters) r.event(event);
      },
    });
    if (final) for (const r of reporters) r.job(final);
  } finally {
    if (poll) clearInterval(poll);
    for (const r of reporters) r.stop();
    trap.release();
  }
  return { final, interrupted: trap.interrupted() };
}

/** Traps SIGINT and SIGTERM: the first calls `onFirst`, a second one exits the process at once. */
function trapInterrupts(io: CliIo, onFirst: (name: Interrupt) => void) {
  let interrupted: Interrupt | null = null;
  const onSignal = (name: Interrupt) => {
    if (interrupted) {
      // A second Ctrl-C: leave now; the lease expires and a re-run resumes from the last checkpoint.
      io.stderr.write("\nthreadmill: stopped without waiting for the checkpoint.\n");
      process.exit(name === "SIGINT" ? EXIT_CODES.sigint : EXIT_CODES.sigterm);
    }
    interrupted = name;
    onFirst(name);
  };
  const onSigint = () => onSignal("SIGINT");
  const onSigterm = () => onSignal("SIGTERM");
  process.on("SIGINT", onSigint);
  process.on("SIGTERM", onSigterm);
  return {
    interrupted: () => interrupted,
    release() {
      process.off("SIGINT", onSigint);
      process.off("SIGTERM", onSigterm);
    },
  };
}

/** Hands the job's record to the reporters every second (the counts beside the bars). */
function pollJob(adapter: Adapter, tenant: string, jobId: string, reporters: readonly ProgressReporter[]) {
  const poll = setInterval(() => {
    adapter.jobs
      .get(tenant, jobId)
      .then((j) => {
        if (j) for (const r of reporters) r.job(j);
      })
      .catch(() => {});
  }, 1_000);
  poll.unref?.();
  return poll;
}

/** Reads the job's log to its end and returns the last event id (events printed by this run come after it). */
async function lastEventId(ctx: CommandContext, adapter: Adapter, jobId: string) {
  let after: string | null = null;
  for (;;) {
    const events = await adapter.events.read(ctx.tenant, jobId, after, { limit: 1000 });
    if (events.length === 0) return after;
    after = events[events.length - 1]!.id;
  }
}
