import { createImportPipeline, createRunner } from "@threadmill/core/node";
import { log, runnerLogger } from "./log.js";
import { openStore } from "./open-store.js";

/**
 * Render's background worker. On a redeploy Render sends SIGTERM and waits
 * `maxShutdownDelaySeconds` (30 s by default) before SIGKILL: the runner stops claiming, lets each
 * running unit finish or checkpoints it, and hands its jobs back to the queue, so the new instance
 * (or any other worker) resumes them at once, without spending an attempt.
 */
const GRACE_MS = Number(process.env.THREADMILL_GRACE_MS) || 20_000;
const concurrency = Number(process.env.THREADMILL_CONCURRENCY) || 2;
// A SIGTERMed worker lets its running unit finish before it hands the job back: 2 MB units keep
// that under a second (`pnpm bench redeploy`), at the cost of a checkpoint every 2 MB.
const batchBytes = Number(process.env.THREADMILL_BATCH_BYTES) || 2_000_000;

const store = await openStore();
const runner = createRunner({
  store: store.adapter,
  pipelines: { import: createImportPipeline({ batchBytes }) },
  ...(process.env.THREADMILL_WORKER_ID ? { workerId: process.env.THREADMILL_WORKER_ID } : {}),
  logger: runnerLogger,
});

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  const started = Date.now();
  log("stopping", { signal, workerId: runner.workerId, graceMs: GRACE_MS });
  await runner.stop({ graceMs: GRACE_MS });
  await store.close();
  log("stopped", { workerId: runner.workerId, ms: Date.now() - started });
  process.exit(0);
}
process.once("SIGTERM", () => void shutdown("SIGTERM"));
process.once("SIGINT", () => void shutdown("SIGINT"));

runner.start({ concurrency });
log("started", { workerId: runner.workerId, store: store.kind, concurrency });
