import { defaultChunkerThreads } from "@threadmill/core/node";
import { CliError } from "./cli-error.js";

/** The most `--threads` accepts. */
export const MAX_THREADS = 64;

/**
 * `--threads <n>`: worker threads that tokenize and chunk (`0`: in this process's main thread).
 * @default every core but one, at least 1 (`defaultChunkerThreads()`)
 * @throws CliError (exit 2) for anything but a whole number from 0 to 64.
 */
export function parseThreads(value: string | undefined): number {
  if (value === undefined) return defaultChunkerThreads();
  if (!/^\d+$/.test(value.trim()) || Number(value) > MAX_THREADS) {
    throw new CliError(`--threads must be a whole number from 0 to ${MAX_THREADS}; got "${value}".`);
  }
  return Number(value);
}
