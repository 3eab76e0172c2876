import { availableParallelism } from "node:os";
import { CliError } from "./cli-error.js";

/** The most `--threads` accepts. */
export const MAX_THREADS = 64;

/**
 * The default `--threads`: every core but two, at least 0. The main thread (reading, parsing and, on
 * the embedded store, PGlite itself) keeps one core busy and the store's writes a second one (PGlite
 * in the main thread, or a Postgres or Redis server on the same machine); a chunker thread only pays
 * off on a core beyond those. On 2 cores one thread took about the same time (within the machine's
 * noise) for 60-80 MB more: a 1 GB export peaked at 419 MB against 362 into PGlite, and at 310 MB
 * against 230 into Postgres (bench/RESULTS.md, e2e).
 */
export function defaultThreads(cores: number = availableParallelism()): number {
  return Math.max(0, cores - 2);
}

/**
 * `--threads <n>`: worker threads that tokenize and chunk (`0`: in this process's main thread).
 * @default every core but two, at least 0 (`defaultThreads()`)
 * @throws CliError (exit 2) for anything but a whole number from 0 to 64.
 */
export function parseThreads(value: string | undefined): number {
  if (value === undefined) return defaultThreads();
  if (!/^\d+$/.test(value.trim()) || Number(value) > MAX_THREADS) {
    throw new CliError(`--threads must be a whole number from 0 to ${MAX_THREADS}; got "${value}".`);
  }
  return Number(value);
}
