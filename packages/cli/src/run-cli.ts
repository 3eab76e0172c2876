import { Command, CommanderError, Option } from "commander";
import { CliError } from "./cli-error.js";
import { cleanMessage } from "./clean-message.js";
import { type CliIo, processIo } from "./cli-io.js";
import { cancelCommand } from "./commands/cancel-command.js";
import { eventsCommand } from "./commands/events-command.js";
import { exportCommand } from "./commands/export-command.js";
import { importCommand } from "./commands/import-command.js";
import { purgeCommand } from "./commands/purge-command.js";
import { statusCommand } from "./commands/status-command.js";
import { workerCommand } from "./commands/worker-command.js";
import type { CommandContext } from "./command-context.js";
import { createCliRunner } from "./create-cli-runner.js";
import { EXIT_CODES, exitCodeFor } from "./exit-codes.js";
import { DEFAULT_STORE, parseStore } from "./parse-store.js";
import { redactSecrets } from "@threadmill/core";

/** Options of `runCli`. */
export interface RunCliOptions {
  readonly io?: CliIo;
  /** Replaces the runner factory (tests). @default createCliRunner */
  readonly createRunner?: CommandContext["createRunner"];
  /** Shown by `--version`. */
  readonly version?: string;
}

interface SharedFlags {
  readonly store?: string;
  readonly tenant?: string;
}

/**
 * Runs the `threadmill` command line on `argv` (the arguments after the program name) and resolves
 * to the exit code: 0 done, 1 the imported job failed or was cancelled, 2 bad usage / unusable
 * input / unknown job / store in use, 130 / 143 interrupted by SIGINT / SIGTERM after checkpointing.
 * Errors are one line on stderr, without a stack trace unless `--debug`, and never hold a secret.
 * @example
 * process.exitCode = await runCli(process.argv.slice(2));
 */
export async function runCli(argv: readonly string[], options: RunCliOptions = {}): Promise<number> {
  const io = options.io ?? processIo();
  const debug = argv.includes("--debug");
  let exitCode: number = EXIT_CODES.ok;

  const program = new Command("threadmill")
    .description(
      "Import ChatGPT and Claude.ai exports into conversations and token-accurate chunks, as a durable job.",
    )
    .version(options.version ?? "0.0.0", "-V, --version")
    .option("--debug", "show stack traces and recovered errors")
    .option("--verbose", "list the parse issues an import reports")
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text, write) => write(`threadmill: ${text.replace(/^error: /, "").trimEnd()}\n`),
    });

  const storeOption = () =>
    new Option("--store <store>", "a directory (embedded PGlite), redis://..., postgres://... or memory")
      .env("THREADMILL_STORE")
      .default(DEFAULT_STORE);
  const tenantOption = () => new Option("--tenant <id>", "the end user the jobs belong to").default("local");

  const context = (flags: SharedFlags, command: Command): CommandContext => {
    const globals = command.optsWithGlobals() as { debug?: boolean; verbose?: boolean };
    const tenant = flags.tenant ?? "local";
    if (tenant.trim() === "" || tenant.length > 200)
      throw new CliError("--tenant must be 1 to 200 characters.");
    return {
      io,
      store: parseStore(flags.store ?? DEFAULT_STORE, io.cwd),
      tenant,
      debug: globals.debug === true,
      verbose: globals.verbose === true,
      argv,
      createRunner: options.createRunner ?? createCliRunner,
    };
  };

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
    .option("--facts", "extract facts with an LLM (arrives with LLM extraction)")
    .option("--budget-usd <n>", "spending cap of fact extraction (arrives with LLM extraction)")
    .option(
      "--threads <n>",
      "worker threads that tokenize and chunk; 0 chunks on the main thread (default: cores - 1, at least 1)",
    )
    .option("--detach", "queue the job and exit; `threadmill worker` runs it")
    .option("--json", "progress events and the summary as JSON lines on stdout")
    .action(async (input: string, flags, command: Command) => {
      exitCode = await importCommand(input, flags, context(flags, command));
    });

  program
    .command("worker")
    .description("serve queued jobs of every tenant until SIGTERM (graceful)")
    .addOption(storeOption())
    .option("--concurrency <n>", "jobs worked at once", "1")
    .option(
      "--threads <n>",
      "worker threads that tokenize and chunk, shared by the jobs; 0 chunks on the main thread (default: cores - 1, at least 1)",
    )
    .action(async (flags, command: Command) => {
      exitCode = await workerCommand(flags, context(flags, command));
    });

  program
    .command("status")
    .description("a job's record, or the tenant's jobs")
    .argument("[jobId]")
    .addOption(storeOption())
    .addOption(tenantOption())
    .option("--json", "print JSON")
    .action(async (jobId: string | undefined, flags, command: Command) => {
      exitCode = await statusCommand(jobId, flags, context(flags, command));
    });

  program
    .command("events")
    .description("a job's progress events as JSON lines")
    .argument("<jobId>")
    .option("--follow", "wait for new events until the job ends")
    .addOption(storeOption())
    .addOption(tenantOption())
    .action(async (jobId: string, flags, command: Command) => {
      exitCode = await eventsCommand(jobId, flags, context(flags, command));
    });

  program
    .command("export")
    .description("what a job produced, on stdout")
    .argument("<jobId>")
    .requiredOption("--what <what>", "conversations, chunks or facts (facts arrive with LLM extraction)")
    .addOption(
      new Option("--format <format>", "JSON lines or Markdown").choices(["jsonl", "md"]).default("jsonl"),
    )
    .addOption(storeOption())
    .addOption(tenantOption())
    .action(async (jobId: string, flags, command: Command) => {
      exitCode = await exportCommand(jobId, flags, context(flags, command));
    });

  program
    .command("cancel")
    .description("cancel a job (a running one stops at its next heartbeat)")
    .argument("<jobId>")
    .addOption(storeOption())
    .addOption(tenantOption())
    .action(async (jobId: string, flags, command: Command) => {
      exitCode = await cancelCommand(jobId, context(flags, command));
    });

  program
    .command("purge")
    .description("delete a job (or every job of the tenant, --all) and what it produced")
    .argument("[jobId]")
    .option("--all", "every job of the tenant")
    .addOption(storeOption())
    .addOption(tenantOption())
    .action(async (jobId: string | undefined, flags, command: Command) => {
      exitCode = await purgeCommand(jobId, flags, context(flags, command));
    });

  try {
    await program.parseAsync([...argv], { from: "user" });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return EXIT_CODES.ok;
      // commander already printed its one-line message.
      return EXIT_CODES.usage;
    }
    const code = exitCodeFor(error);
    const message = cleanMessage(String((error as Error)?.message ?? error));
    io.stderr.write(`threadmill: ${message}\n`);
    if (debug && error instanceof Error && error.stack) {
      io.stderr.write(`${redactSecrets(error.stack)}\n`);
      let cause = (error as { cause?: unknown }).cause;
      while (cause instanceof Error) {
        io.stderr.write(`caused by: ${redactSecrets(cause.stack ?? cause.message)}\n`);
        cause = (cause as { cause?: unknown }).cause;
      }
    }
    return code;
  }
}
