import { createMemoryAdapter } from "@threadmill/adapter-memory";
import { type Adapter, createRunner, TERMINAL_STATUSES } from "@threadmill/core";
import { describe, expect, it } from "vitest";
import { simulateServerless } from "./serverless-simulator.js";
import {
  burnCpu,
  createSyntheticPipeline,
  type SyntheticPipelineOptions,
  syntheticSource,
} from "./synthetic-pipeline.js";

const TENANT = "serverless-tenant";

function makeRunner(store: Adapter, options: SyntheticPipelineOptions) {
  return createRunner({
    store,
    pipelines: { synthetic: createSyntheticPipeline(options) },
    sources: { synthetic: syntheticSource },
    leaseMs: 200,
    renewEveryMs: 60,
    pollMs: 20,
    deadlineMarginMs: 60,
    retry: { minTimeoutMs: 10, maxTimeoutMs: 40 },
  });
}

describe("simulateServerless", () => {
  it("kills an invocation that overruns its hard limit; the next invocations finish the job", async () => {
    const store = createMemoryAdapter();
    let blocked = false;
    const options: SyntheticPipelineOptions = {
      items: 6,
      itemsPerUnit: 1,
      onUnit: ({ item }) => {
        if (item === 3 && !blocked) {
          blocked = true;
          burnCpu(500); // stuck without yielding, past the 300 ms limit
        }
      },
    };
    const { job } = await makeRunner(store, options).submit({
      tenant: TENANT,
      pipeline: "synthetic",
      input: { kind: "synthetic" },
    });
    const sim = await simulateServerless({
      store,
      createRunner: (view) => makeRunner(view, options),
      sliceMs: 300,
      overrunMs: 20,
      intervalMs: 20,
      done: async () => TERMINAL_STATUSES.has((await store.jobs.get(TENANT, job.id))!.status),
      maxInvocations: 100,
    });
    expect(sim.finished).toBe(true);
    expect(sim.killed).toBeGreaterThanOrEqual(1);
    const final = await store.jobs.get(TENANT, job.id);
    expect(final).toMatchObject({ status: "succeeded", counts: { conversations: 6, chunks: 18 } });
  });
});
