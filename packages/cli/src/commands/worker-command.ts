import { CliError } from "../cli-error.js";
import { cleanMessage } from "../clean-message.js";
import type { CommandContext } from "../command-context.js";
import { EXIT_CODES } from "../exit-codes.js";
import { withStore } from "../open-context-store.js";
import { describeStore } from "../parse-store.js";
import { parseThreads } from "../threads-option.js";

/** How long `worker` lets running units finish after SIGTERM before it aborts them and releases their jobs. */
export const WORKER_GRACE_MS = 10_000;

/**
 * `threadmill worker [--concurrency n] [--threads n]`: serves every tenant's queued jobs (those `import --detach`
 * made) until SIGINT or SIGTERM, then stops claiming, checkpoints and releases within the grace
 * period so another worker resumes at once. Exits 130 / 143.
 */
export async function workerCommand(
  flags: { readonly concurrency?: string; readonly threads?: string },
  ctx: CommandContext,
): Promise<number> {
  const raw = flags.concurrency ?? "1";
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 256) {
    throw new CliError(`--concurrency must be a whole number from 1 to 256; got "${raw}".`);
  }
  const concurrency = Number(raw);
  const threads = parseThreads(flags.threads);
  return withStore(ctx, async (store) => {
    const { stderr } = ctx.io;
    const runner = ctx.createRunner(store.adapter, {
      threads,
      onError: ({ error, jobId }) =>
        stderr.write(
          `threadmill: ${jobId ? `job ${jobId}: ` : ""}${cleanMessage(String((error as Error)?.message ?? error))}\n`,
        ),
    });
    const stopped = new Promise<"SIGINT" | "SIGTERM">((resolve) => {
      process.once("SIGINT", () => resolve("SIGINT"));
      process.once("SIGTERM", () => resolve("SIGTERM"));
    });
    runner.start({ concurrency });
    stderr.write(
      `threadmill: worker ${runner.workerId} serving ${describeStore(ctx.store)} with concurrency ${concurrency}; SIGTERM or Ctrl-C stops it gracefully.\n`,
    );
    const signal = await stopped;
    stderr.write(
      `threadmill: ${signal}: finishing running units (up to ${WORKER_GRACE_MS / 1000} s) and releasing their jobs...\n`,
    );
    await runner.stop({ graceMs: WORKER_GRACE_MS });
    stderr.write("threadmill: worker stopped.\n");
    return signal === "SIGINT" ? EXIT_CODES.sigint : EXIT_CODES.sigterm;
  });
}
