import { redriveJobs } from "@threadmill/core";
import { requireAdmin } from "../admin-store.js";
import type { CommandContext } from "../command-context.js";
import { EXIT_CODES } from "../exit-codes.js";
import { toJobView } from "../job-view.js";
import { withStore } from "../open-context-store.js";

/** Flags of `threadmill redrive`. */
export interface RedriveFlags {
  readonly status?: "failed" | "cancelled";
  readonly errorCode?: string;
  readonly tenant?: string;
  readonly dryRun?: boolean;
  readonly json?: boolean;
}

/**
 * `threadmill redrive [--status failed|cancelled] [--error-code c] [--tenant t] [--dry-run]`: puts
 * the matching jobs back to the queue, each resuming from its checkpoint; `--dry-run` lists them and
 * changes nothing. A worker (`threadmill worker`) then runs them. Exit 0.
 */
export async function redriveCommand(flags: RedriveFlags, ctx: CommandContext): Promise<number> {
  return withStore(ctx, async (store) => {
    requireAdmin(store);
    const { redriven, skipped } = await redriveJobs(store.adapter, {
      status: flags.status ?? "failed",
      ...(flags.errorCode === undefined ? {} : { errorCode: flags.errorCode }),
      ...(flags.tenant === undefined ? {} : { tenant: flags.tenant }),
      dryRun: flags.dryRun === true,
    });
    const { stdout } = ctx.io;
    if (flags.json) {
      const out = {
        dryRun: flags.dryRun === true,
        redriven: redriven.map(toJobView),
        skipped: skipped.map((s) => ({ ...toJobView(s.job), reason: s.reason })),
      };
      stdout.write(`${JSON.stringify(out)}\n`);
      return EXIT_CODES.ok;
    }
    const verb = flags.dryRun ? "would redrive" : "redrove";
    for (const job of redriven) stdout.write(`${verb} ${job.id}  ${job.tenant}  ${job.stage ?? "-"}\n`);
    for (const s of skipped)
      stdout.write(
        `skipped ${s.job.id}  ${s.job.tenant}  (${s.reason === "singleton" ? "another active job holds its singleton key" : "purged meanwhile"})\n`,
      );
    stdout.write(
      `${verb} ${redriven.length} job${redriven.length === 1 ? "" : "s"}${skipped.length ? `, skipped ${skipped.length}` : ""}.\n`,
    );
    return EXIT_CODES.ok;
  });
}
