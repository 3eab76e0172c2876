// A worker process for the chaos tests: the runner on this adapter, serving every tenant, with the
// stock import pipeline (file sources) and testkit's deterministic synthetic pipeline (CPU-burning,
// yielding units). Configured by env: REDIS_URL, KEY_PREFIX, WORKER_ID, LEASE_MS, RENEW_MS, POLL_MS,
// BATCH (conversations per import unit), ITEMS, BURN_MS, GRACE_MS.
// On SIGTERM it stops (checkpoint and release within GRACE_MS) and exits 143.
import { createImportPipeline, createRunner } from "@threadmill/core/node";
import { Redis } from "ioredis";
import { createSyntheticPipeline, syntheticSource } from "../../testkit/src/faults/synthetic-pipeline.js";
import { createRedisAdapter } from "../src/index.js";

const env = (name: string, fallback?: string): string => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`chaos worker: ${name} is required`);
  return value;
};

const client = new Redis(env("REDIS_URL"), { connectionName: `tm-worker-${env("WORKER_ID")}` });
client.on("error", () => {});
const store = createRedisAdapter({ client, keyPrefix: env("KEY_PREFIX") });
const runner = createRunner({
  store,
  workerId: env("WORKER_ID"),
  leaseMs: Number(env("LEASE_MS", "2000")),
  renewEveryMs: Number(env("RENEW_MS", "500")),
  pollMs: Number(env("POLL_MS", "200")),
  pipelines: {
    import: createImportPipeline({ batchConversations: Number(env("BATCH", "10")) }),
    synthetic: createSyntheticPipeline({
      items: Number(env("ITEMS", "30")),
      itemsPerUnit: 2,
      chunksPerItem: 3,
      burnMs: Number(env("BURN_MS", "40")),
    }),
  },
  sources: { synthetic: syntheticSource },
  retry: { retries: 2, minTimeoutMs: 50, maxTimeoutMs: 500 },
});

process.on("SIGTERM", () => {
  const at = Date.now();
  void runner.stop({ graceMs: Number(env("GRACE_MS", "5000")) }).finally(async () => {
    process.stdout.write(`${JSON.stringify({ stopped: Date.now() - at })}\n`);
    await store.close();
    client.disconnect();
    process.exit(143);
  });
});

runner.start({ concurrency: 1 });
process.stdout.write(`${JSON.stringify({ ready: env("WORKER_ID") })}\n`);
