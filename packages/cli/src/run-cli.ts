import { Command } from "commander";
import { CliError } from "./cli-error.js";
import { type CliIo, processIo } from "./cli-io.js";
import type { CommandContext } from "./command-context.js";
import { createCliRunner } from "./create-cli-runner.js";
import { defineCommands } from "./define-commands.js";
import type { Dispatch, SharedFlags } from "./shared-options.js";
import { EXIT_CODES } from "./exit-codes.js";
import { DEFAULT_STORE, parseStore } from "./parse-store.js";
import { reportCliError } from "./report-cli-error.js";

/** Options of `runCli`. */
export interface RunCliOptions {
  readonly io?: CliIo;
  /** Replaces the runner factory (tests). @default createCliRunner */
  readonly createRunner?: CommandContext["createRunner"];
  /** Shown by `--version`. */
  readonly version?: string;
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
  let exitCode: number = EXIT_CODES.ok;
  const program = createProgram(io, options.version);
  const dispatch: Dispatch = async (flags, command, handler) => {
    exitCode = await handler(commandContext(flags, command, io, argv, options));
  };
  defineCommands(program, dispatch);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return exitCode;
  } catch (error) {
    return reportCliError(io, error, argv.includes("--debug"));
  }
}

/** The root `threadmill` program: its global flags, and commander's output on the given streams. */
function createProgram(io: CliIo, version: string | undefined): Command {
  return new Command("threadmill")
    .description(
      "Import ChatGPT and Claude.ai exports into conversations and token-accurate chunks, as a durable job.",
    )
    .version(version ?? "0.0.0", "-V, --version")
    .option("--debug", "show stack traces and recovered errors")
    .option("--verbose", "list the parse issues an import reports")
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text, write) => write(`threadmill: ${text.replace(/^error: /, "").trimEnd()}\n`),
    });
}

/** What a command runs with, from its flags and the global ones. */
function commandContext(
  flags: SharedFlags,
  command: Command,
  io: CliIo,
  argv: readonly string[],
  options: RunCliOptions,
): CommandContext {
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
}
