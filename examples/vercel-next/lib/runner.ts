import type { Runner } from "@threadmill/core";
import { createImportPipeline, createRunner } from "@threadmill/core/node";
import { paced } from "./paced";
import { appStore } from "./store";

const shared = globalThis as { __threadmillRunner?: Promise<Runner> };

function importPipeline() {
  const batchBytes = Number(process.env.THREADMILL_BATCH_BYTES) || undefined;
  // Chunking on the function's own thread: a Vercel function has one or two vCPUs.
  const pipeline = createImportPipeline({ threads: 0, ...(batchBytes ? { batchBytes } : {}) });
  const delayMs = Number(process.env.THREADMILL_UNIT_DELAY_MS) || 0;
  return delayMs > 0 ? { stages: pipeline.stages.map((stage) => paced(stage, delayMs)) } : pipeline;
}

/** The import runner over the app's store; resolves `{ kind: "file" }` inputs (local uploads). */
export function appRunner(): Promise<Runner> {
  // A dead instance's job is claimed again once its lease expires (15 s by default; tests shorten it).
  const leaseMs = Number(process.env.THREADMILL_LEASE_MS) || undefined;
  shared.__threadmillRunner ??= appStore().then(({ adapter }) =>
    createRunner({
      store: adapter,
      pipelines: { import: importPipeline() },
      ...(leaseMs ? { leaseMs } : {}),
    }),
  );
  return shared.__threadmillRunner;
}
