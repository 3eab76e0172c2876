import type { Adapter, Runner } from "@threadmill/core";
import { createImportPipeline, createRunner } from "@threadmill/core/node";
import type { CliRunnerOptions } from "./command-context.js";

/**
 * The runner the CLI works jobs with: the stock import pipeline of `@threadmill/core/node` (ZIP
 * entries inflated with node:zlib), its file and URL sources, and the default leases (15 s, renewed
 * every 5 s).
 */
export function createCliRunner(adapter: Adapter, options: CliRunnerOptions = {}): Runner {
  return createRunner({
    store: adapter,
    pipelines: {
      import: createImportPipeline(options.onIssue ? { onIssue: (issue) => options.onIssue?.(issue) } : {}),
    },
    ...(options.onError ? { onError: options.onError } : {}),
  });
}
