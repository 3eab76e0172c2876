import { CliError } from "../cli-error.js";
import type { CommandContext } from "../command-context.js";
import { EXIT_CODES } from "../exit-codes.js";
import { withStore } from "../open-context-store.js";
import { describeStore } from "../parse-store.js";

/**
 * `threadmill purge (<jobId> | --all)`: deletes every record of one job (or of the whole tenant):
 * the job, its events and checkpoint, and the conversations and chunks no other job references.
 * Exit 2 for an unknown job or when neither or both of `<jobId>` and `--all` are given.
 */
export async function purgeCommand(
  jobId: string | undefined,
  flags: { readonly all?: boolean },
  ctx: CommandContext,
): Promise<number> {
  if ((jobId === undefined) === (flags.all !== true)) {
    throw new CliError(
      "purge takes either a job id or --all (every job of the tenant), not both or neither.",
    );
  }
  return withStore(ctx, async (store) => {
    const { stdout } = ctx.io;
    if (flags.all) {
      const count = await store.adapter.jobs.purgeTenant(ctx.tenant);
      stdout.write(
        `purged ${count} job${count === 1 ? "" : "s"} of tenant "${ctx.tenant}" and their records.\n`,
      );
      return EXIT_CODES.ok;
    }
    const purged = await store.adapter.jobs.purge(ctx.tenant, jobId!);
    if (!purged) {
      throw new CliError(
        `no job ${jobId} for tenant "${ctx.tenant}" in the store ${describeStore(ctx.store)}.`,
      );
    }
    stdout.write(`purged job ${jobId} and its records.\n`);
    return EXIT_CODES.ok;
  });
}
