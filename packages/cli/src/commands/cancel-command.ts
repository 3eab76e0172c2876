import { CliError } from "../cli-error.js";
import type { CommandContext } from "../command-context.js";
import { EXIT_CODES } from "../exit-codes.js";
import { requireJob, withStore } from "../open-context-store.js";

/**
 * `threadmill cancel <jobId>`: a queued job is cancelled at once; a running one stops at its
 * worker's next heartbeat. Exit 0 whatever the job's state; 2 for an unknown job.
 */
export async function cancelCommand(jobId: string, ctx: CommandContext): Promise<number> {
  return withStore(ctx, async (store) => {
    await requireJob(ctx, store, jobId);
    const job = await store.adapter.jobs.requestCancel(ctx.tenant, jobId);
    if (!job) throw new CliError(`job ${jobId} disappeared while cancelling it.`);
    const { stdout } = ctx.io;
    if (job.status === "cancelled") stdout.write(`job ${job.id} is cancelled.\n`);
    else if (job.status === "running") {
      stdout.write(`job ${job.id}: cancel requested; its worker stops it at the next heartbeat.\n`);
    } else stdout.write(`job ${job.id} already ended as ${job.status}; nothing to cancel.\n`);
    return EXIT_CODES.ok;
  });
}
