import { redactSecrets } from "@threadmill/core";
import { CommanderError } from "commander";
import { cleanMessage } from "./clean-message.js";
import type { CliIo } from "./cli-io.js";
import { EXIT_CODES, exitCodeFor } from "./exit-codes.js";

/**
 * Prints a failed command's error as one line on stderr (with its stack and causes when `debug`)
 * and returns the exit code it maps to.
 */
export function reportCliError(io: CliIo, error: unknown, debug: boolean): number {
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
