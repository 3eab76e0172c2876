import { type Command, Option } from "commander";
import type { Dispatch } from "./shared-options.js";
import { cancelCommand } from "./commands/cancel-command.js";
import { estimateCommand } from "./commands/estimate-command.js";
import { eventsCommand } from "./commands/events-command.js";
import { exportCommand } from "./commands/export-command.js";
import { importCommand } from "./commands/import-command.js";
import { purgeCommand } from "./commands/purge-command.js";
import { statusCommand } from "./commands/status-command.js";
import { workerCommand } from "./commands/worker-command.js";
import { defineOperations } from "./define-operations.js";
import { storeOption, tenantOption } from "./shared-options.js";

/** Adds every `threadmill` subcommand, with its arguments and flags, to `program`. */
export function defineCommands(program: Command, dispatch: Dispatch): void {
  defineImport(program, dispatch);
  defineWorker(program, dispatch);
  defineStatus(program, dispatch);
  defineEvents(program, dispatch);
  defineExport(program, dispatch);
  defineEstimate(program, dispatch);
  defineCancel(program, dispatch);
  definePurge(program, dispatch);
  defineOperations(program, dispatch);
}

function defineImport(program: Command, dispatch: Dispatch): void {
  program
    .command("import")
    .description("import an export (file, unzipped directory or URL) and wait for the job, resumably")
    .argument(
      "<input>",
      "conversations.json, the export ZIP, an unzipped export directory, or an http(s) URL",
    )
    .addOption(storeOption())
    .addOption(tenantOption())
    .option("--max-tokens <n>", "largest chunk, in tokens", "512")
    .option("--overlap <n>", "tokens repeated from the previous chunk", "64")
    .addOption(
      new Option("--tokenizer <name>", "what counts tokens")
        .choices(["o200k_base", "cl100k_base", "claude"])
        .default("o200k_base"),
    )
    .addOption(
      new Option("--branches <which>", "the active path only, or every branch")
        .choices(["active", "all"])
        .default("active"),
    )
    .addOption(
      new Option(
        "--missing <what>",
        "a re-import: keep the library's conversations this export no longer has, or delete them",
      )
        .choices(["keep", "delete"])
        .default("keep"),
    )
    .option("--facts", "also extract facts about the person with Claude (ANTHROPIC_API_KEY)")
    .option("--model <model>", "the model that extracts facts (default: claude-haiku-4-5)")
    .option(
      "--budget-usd <n>",
      "the job's cap on fact extraction, in dollars; a re-run with a higher one goes on",
    )
    .option("--batch", "extract through the Message Batches API: half the price, answers within 24 h")
    .option(
      "--threads <n>",
      "worker threads that tokenize and chunk; 0 chunks on the main thread (default: cores - 2, at least 0)",
    )
    .option("--detach", "queue the job and exit; `threadmill worker` runs it")
    .option("--json", "progress events and the summary as JSON lines on stdout")
    .action((input: string, flags, command: Command) =>
      dispatch(flags, command, (ctx) => importCommand(input, flags, ctx)),
    );
}

function defineWorker(program: Command, dispatch: Dispatch): void {
  program
    .command("worker")
    .description("serve queued jobs of every tenant until SIGTERM (graceful)")
    .addOption(storeOption())
    .option("--concurrency <n>", "jobs worked at once", "1")
    .option(
      "--threads <n>",
      "worker threads that tokenize and chunk, shared by the jobs; 0 chunks on the main thread (default: cores - 2, at least 0)",
    )
    .action((flags, command: Command) => dispatch(flags, command, (ctx) => workerCommand(flags, ctx)));
}

function defineStatus(program: Command, dispatch: Dispatch): void {
  program
    .command("status")
    .description("a job's record, or the tenant's jobs")
    .argument("[jobId]")
    .addOption(storeOption())
    .addOption(tenantOption())
    .option("--json", "print JSON")
    .action((jobId: string | undefined, flags, command: Command) =>
      dispatch(flags, command, (ctx) => statusCommand(jobId, flags, ctx)),
    );
}

function defineEvents(program: Command, dispatch: Dispatch): void {
  program
    .command("events")
    .description("a job's progress events as JSON lines")
    .argument("<jobId>")
    .option("--follow", "wait for new events until the job ends")
    .addOption(storeOption())
    .addOption(tenantOption())
    .action((jobId: string, flags, command: Command) =>
      dispatch(flags, command, (ctx) => eventsCommand(jobId, flags, ctx)),
    );
}

function defineEstimate(program: Command, dispatch: Dispatch): void {
  program
    .command("estimate")
    .description("what extracting facts from an export would cost: requests, tokens, dollars (no key needed)")
    .argument(
      "<input>",
      "conversations.json, the export ZIP, an unzipped export directory, or an http(s) URL",
    )
    .option("--facts", "price fact extraction")
    .option("--model <model>", "the model that would extract facts (default: claude-haiku-4-5)")
    .option("--json", "print JSON")
    .action((input: string, flags, command: Command) =>
      dispatch(flags, command, (ctx) => estimateCommand(input, flags, ctx)),
    );
}

function defineExport(program: Command, dispatch: Dispatch): void {
  program
    .command("export")
    .description("what a job produced, or the tenant's library (--library), on stdout")
    .argument("[jobId]")
    .requiredOption("--what <what>", "conversations, chunks or facts")
    .option(
      "--library",
      "the latest version of every conversation across imports, instead of one job's output",
    )
    .addOption(
      new Option("--format <format>", "JSON lines or Markdown").choices(["jsonl", "md"]).default("jsonl"),
    )
    .addOption(storeOption())
    .addOption(tenantOption())
    .action((jobId: string | undefined, flags, command: Command) =>
      dispatch(flags, command, (ctx) => exportCommand(jobId, flags, ctx)),
    );
}

function defineCancel(program: Command, dispatch: Dispatch): void {
  program
    .command("cancel")
    .description("cancel a job (a running one stops at its next heartbeat)")
    .argument("<jobId>")
    .addOption(storeOption())
    .addOption(tenantOption())
    .action((jobId: string, flags, command: Command) =>
      dispatch(flags, command, (ctx) => cancelCommand(jobId, ctx)),
    );
}

function definePurge(program: Command, dispatch: Dispatch): void {
  program
    .command("purge")
    .description("delete a job (or every job of the tenant, --all) and what it produced")
    .argument("[jobId]")
    .option("--all", "every job of the tenant")
    .addOption(storeOption())
    .addOption(tenantOption())
    .action((jobId: string | undefined, flags, command: Command) =>
      dispatch(flags, command, (ctx) => purgeCommand(jobId, flags, ctx)),
    );
}
