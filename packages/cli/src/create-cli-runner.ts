import { type Adapter, createRateLimiter, createSpendLedger, type Runner } from "@threadmill/core";
import { anthropicLimitRules, createFactsStage } from "@threadmill/core/anthropic";
import { createImportPipeline, createRunner } from "@threadmill/core/node";
import { CliError } from "./cli-error.js";
import type { CliRunnerOptions } from "./command-context.js";

/**
 * Export bytes per unit (one checkpoint). Smaller than the pipeline's 8 MiB default: the CLI's peak
 * RSS follows the unit size (two units are in memory while one is written and the next is read;
 * PGlite's WebAssembly memory grows to its largest statement and never shrinks): 100 MB export,
 * PGlite, 1 thread: 519 MB at 8 MiB, 411 MB at 2 MiB; redis:// 348 -> 267 MB, at the same speed.
 */
export const CLI_BATCH_BYTES = 2 * 1024 * 1024;

/** `THREADMILL_ANTHROPIC_TIER`: the organisation's usage tier at Anthropic, 1 to 4. */
function tierOf(value: string | undefined): 1 | 2 | 3 | 4 {
  if (value === undefined || value === "") return 1;
  const tier = Number(value);
  if (tier === 1 || tier === 2 || tier === 3 || tier === 4) return tier;
  throw new CliError(`THREADMILL_ANTHROPIC_TIER must be 1, 2, 3 or 4; got "${value}".`);
}

/**
 * The facts stage of the CLI: the store's limiter (Anthropic's limits at `THREADMILL_ANTHROPIC_TIER`,
 * default 1) and ledger, a client made from the environment.
 */
function factsStage(adapter: Adapter, options: CliRunnerOptions) {
  const env = options.env ?? process.env;
  const tier = tierOf(env.THREADMILL_ANTHROPIC_TIER);
  return createFactsStage({
    store: adapter,
    client: async () => {
      const { default: Anthropic } = await import("@anthropic-ai/sdk");
      const baseURL = env.ANTHROPIC_BASE_URL;
      return new Anthropic({
        apiKey: env.ANTHROPIC_API_KEY ?? null,
        maxRetries: 0,
        ...(baseURL ? { baseURL } : {}),
      });
    },
    ...(adapter.rateLimits
      ? {
          limiter: createRateLimiter({
            store: adapter.rateLimits,
            name: "anthropic",
            rules: anthropicLimitRules({ tier }),
          }),
        }
      : {}),
    ...(adapter.spend ? { ledger: createSpendLedger({ store: adapter.spend }) } : {}),
  });
}

/**
 * The runner the CLI works jobs with: the stock import pipeline of `@threadmill/core/node` (ZIP
 * entries inflated with node:zlib, chunks made on `threads` worker threads while the main thread
 * parses and writes) followed by the facts stage (a no-op for jobs without `facts`), its file and
 * URL sources, and the default leases (15 s, renewed every 5 s).
 */
export function createCliRunner(adapter: Adapter, options: CliRunnerOptions = {}): Runner {
  const onIssue = options.onIssue;
  const imports = createImportPipeline({
    threads: options.threads ?? 0,
    batchBytes: CLI_BATCH_BYTES,
    ...(onIssue ? { onIssue: (issue) => onIssue(issue) } : {}),
  });
  return createRunner({
    store: adapter,
    pipelines: { import: { stages: [...imports.stages, factsStage(adapter, options)] } },
    ...(options.onError ? { onError: options.onError } : {}),
  });
}
