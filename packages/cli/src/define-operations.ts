import { type Command, Option } from "commander";
import { cleanupCommand } from "./commands/cleanup-command.js";
import { jobsCommand } from "./commands/jobs-command.js";
import { redriveCommand } from "./commands/redrive-command.js";
import { type Dispatch, storeOption } from "./shared-options.js";

// Operators look across tenants, so here `--tenant` filters and has no default.
const tenantFilter = () => new Option("--tenant <id>", "only this end user's jobs (default: every tenant)");

/** Adds the operators' subcommands: `jobs`, `redrive` and `cleanup`. */
export function defineOperations(program: Command, dispatch: Dispatch): void {
  program
    .command("jobs")
    .description("every tenant's jobs, newest first; --stuck: dead workers' jobs and a queue nobody serves")
    .addOption(
      new Option("--status <status>", "only jobs in this status").choices([
        "queued",
        "running",
        "succeeded",
        "failed",
        "cancelled",
      ]),
    )
    .option("--stuck", "running with an expired lease, or queued past due by more than --queued-grace")
    .option("--queued-grace <duration>", "how late a queued job may be before it counts as stuck", "5m")
    .option("--limit <n>", "at most this many jobs", "1000")
    .addOption(tenantFilter())
    .addOption(storeOption())
    .option("--json", "print a JSON array")
    .action((flags, command: Command) => dispatch(flags, command, (ctx) => jobsCommand(flags, ctx)));

  program
    .command("redrive")
    .description("put failed (or cancelled) jobs back to the queue, each resuming from its checkpoint")
    .addOption(
      new Option("--status <status>", "which jobs").choices(["failed", "cancelled"]).default("failed"),
    )
    .option("--error-code <code>", "only jobs that failed with this error code, e.g. STORAGE")
    .option("--dry-run", "list what would be redriven; change nothing")
    .addOption(tenantFilter())
    .addOption(storeOption())
    .option("--json", "print JSON")
    .action((flags, command: Command) => dispatch(flags, command, (ctx) => redriveCommand(flags, ctx)));

  program
    .command("cleanup")
    .description(
      "delete finished jobs older than a duration, with their events, checkpoints and unreferenced records",
    )
    .requiredOption("--older-than <duration>", "e.g. 30d, 12h, 90m")
    .addOption(storeOption())
    .option("--json", "print JSON")
    .action((flags, command: Command) => dispatch(flags, command, (ctx) => cleanupCommand(flags, ctx)));
}
