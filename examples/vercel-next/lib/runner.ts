import { type Adapter, createRateLimiter, createSpendLedger, type Runner } from "@threadmill/core";
import { anthropicLimitRules, createFactsStage } from "@threadmill/core/anthropic";
import { createImportPipeline, createRunner } from "@threadmill/core/node";
import { paced } from "./paced";
import { appStore } from "./store";
import { storageSources } from "./upload-input";

const shared = globalThis as { __threadmillRunner?: Promise<Runner> };

/**
 * Fact extraction, for jobs whose options ask for `facts`: every request passes the rate limiter all
 * instances share and reserves its cost in the spend ledger first, so a budget is a hard cap across
 * every function invocation. `ANTHROPIC_API_KEY` (and `ANTHROPIC_BASE_URL` for a proxy or the tests'
 * fake) configure the client; the key never reaches a log or an error.
 */
function factsStage(adapter: Adapter) {
  const tier = Number(process.env.THREADMILL_ANTHROPIC_TIER) || 1;
  return createFactsStage({
    store: adapter,
    client: async () => {
      const { default: Anthropic } = await import("@anthropic-ai/sdk");
      const baseURL = process.env.ANTHROPIC_BASE_URL;
      return new Anthropic({
        apiKey: process.env.ANTHROPIC_API_KEY ?? null,
        maxRetries: 0, // the stage retries, honouring retry-after, within the rate limiter
        ...(baseURL ? { baseURL } : {}),
      });
    },
    ...(adapter.rateLimits
      ? {
          limiter: createRateLimiter({
            store: adapter.rateLimits,
            name: "anthropic",
            rules: anthropicLimitRules({ tier: tier as 1 | 2 | 3 | 4 }),
          }),
        }
      : {}),
    ...(adapter.spend ? { ledger: createSpendLedger({ store: adapter.spend }) } : {}),
  });
}

function importStages() {
  const batchBytes = Number(process.env.THREADMILL_BATCH_BYTES) || undefined;
  // Chunking on the function's own thread: a Vercel function has one or two vCPUs.
  return createImportPipeline({ threads: 0, ...(batchBytes ? { batchBytes } : {}) }).stages;
}

/**
 * The runner over the app's store: import, then facts when a job asks for them. Resolves
 * `{ kind: "file" }` inputs (local uploads) and `{ kind: "supabase" }` ones (Supabase Storage).
 */
export function appRunner(): Promise<Runner> {
  // A dead instance's job is claimed again once its lease expires (15 s by default; tests shorten it).
  const leaseMs = Number(process.env.THREADMILL_LEASE_MS) || undefined;
  const delayMs = Number(process.env.THREADMILL_UNIT_DELAY_MS) || 0;
  shared.__threadmillRunner ??= Promise.all([appStore(), storageSources()]).then(([{ adapter }, sources]) => {
    const stages = [...importStages(), factsStage(adapter)];
    return createRunner({
      store: adapter,
      sources,
      pipelines: { import: { stages: delayMs > 0 ? stages.map((stage) => paced(stage, delayMs)) : stages } },
      ...(leaseMs ? { leaseMs } : {}),
    });
  });
  return shared.__threadmillRunner;
}
