import type { Adapter, Runner } from "@threadmill/core";
import { createImportPipeline, createRunner } from "@threadmill/core/node";
import type { CliRunnerOptions } from "./command-context.js";

/**
 * Export bytes per unit (one checkpoint). Smaller than the pipeline's 8 MiB default: the CLI's peak
 * RSS follows the unit size (two units are in memory while one is written and the next is read;
 * PGlite's WebAssembly memory grows to its largest statement and never shrinks): 100 MB export,
 * PGlite, 1 thread: 519 MB at 8 MiB, 411 MB at 2 MiB; redis:// 348 -> 267 MB, at the same speed.
 */
export const CLI_BATCH_BYTES = 2 * 1024 * 1024;

/**
 * The runner the CLI works jobs with: the stock import pipeline of `@threadmill/core/node` (ZIP
 * entries inflated with node:zlib, chunks made on `threads` worker threads while the main thread
 * parses and writes), its file and URL sources, and the default leases (15 s, renewed every 5 s).
 */
export function createCliRunner(adapter: Adapter, options: CliRunnerOptions = {}): Runner {
  const onIssue = options.onIssue;
  return createRunner({
    store: adapter,
    pipelines: {
      import: createImportPipeline({
        threads: options.threads ?? 0,
        batchBytes: CLI_BATCH_BYTES,
        ...(onIssue ? { onIssue: (issue) => onIssue(issue) } : {}),
      }),
    },
    ...(options.onError ? { onError: options.onError } : {}),
  });
}
