import { cleanupJobs } from "@threadmill/core";
import { requireAdmin } from "../admin-store.js";
import type { CommandContext } from "../command-context.js";
import { EXIT_CODES } from "../exit-codes.js";
import { withStore } from "../open-context-store.js";
import { formatCount } from "../format-count.js";
import { parseDuration } from "../parse-duration.js";

/**
 * `threadmill cleanup --older-than <duration>`: deletes every tenant's jobs that finished more than
 * that long ago, with their events and checkpoints and the records nothing else holds (a tenant's
 * library is kept), in batches until none is due. Prints how many; exit 0.
 */
export async function cleanupCommand(
  flags: { readonly olderThan: string; readonly json?: boolean },
  ctx: CommandContext,
): Promise<number> {
  const olderThanMs = parseDuration(flags.olderThan, "--older-than");
  return withStore(ctx, async (store) => {
    requireAdmin(store);
    const { jobs } = await cleanupJobs(store.adapter, { olderThanMs });
    const { stdout } = ctx.io;
    if (flags.json) stdout.write(`${JSON.stringify({ jobs, olderThanMs })}\n`);
    else
      stdout.write(
        `removed ${formatCount(jobs)} finished job${jobs === 1 ? "" : "s"} older than ${flags.olderThan}.\n`,
      );
    return EXIT_CODES.ok;
  });
}
