import { ThreadmillError } from "@threadmill/core";
import { CliError } from "./cli-error.js";

/** The exit codes of every `threadmill` command (see the CLI section of the design). */
export const EXIT_CODES = {
  /** The command did its work (for `import`: the job succeeded). */
  ok: 0,
  /** The imported job failed or was cancelled; or an unexpected error. */
  failed: 1,
  /** Bad usage, unusable input, unknown job, or a store in use. */
  usage: 2,
  /** Interrupted by SIGINT after checkpointing. */
  sigint: 130,
  /** Interrupted by SIGTERM after checkpointing. */
  sigterm: 143,
} as const;

/** Error names (`ThreadmillError` subclasses and adapter errors) that mean bad input or usage: exit 2. */
const USAGE_ERROR_NAMES = new Set([
  "ExportFormatError",
  "ConflictError",
  "PgliteLockedError",
  "StoreLockedError",
]);

/** The exit code for an error that ended a command: a `CliError`'s own, 2 for unusable input, else 1. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof CliError) return error.exitCode;
  if (
    ThreadmillError.isInstance(error) &&
    (error.code === "EXPORT_FORMAT" || error.code === "STORE_LOCKED")
  ) {
    return EXIT_CODES.usage;
  }
  const name = (error as { name?: unknown } | null)?.name;
  if (typeof name === "string" && USAGE_ERROR_NAMES.has(name)) return EXIT_CODES.usage;
  return EXIT_CODES.failed;
}
