import { createMemoryAdapter } from "@threadmill/adapter-memory";
import { type Adapter, createRunner, TERMINAL_STATUSES } from "@threadmill/core";
import fc from "fast-check";
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

/** The chunk ids and counts of an uninterrupted run. */
async function uninterrupted(options: SyntheticPipelineOptions) {
  const store = createMemoryAdapter();
  const runner = makeRunner(store, options);
  const { job } = await runner.submit({
    tenant: TENANT,
    pipeline: "synthetic",
    input: { kind: "synthetic" },
  });
  await runner.work();
  const done = await store.jobs.get(TENANT, job.id);
  expect(done?.status).toBe("succeeded");
  const chunks = await store.chunks.list(TENANT, { jobId: job.id, limit: 100_000 });
  return { ids: chunks.map((c) => c.id), counts: done!.counts };
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

  it("property: over kill points and slice lengths, the chunk set equals an uninterrupted run's, nothing twice, job succeeded", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          itemsPerUnit: fc.integer({ min: 1, max: 3 }),
          burnMs: fc.constantFrom(0, 10, 40),
          slices: fc.array(fc.integer({ min: 120, max: 600 }), { minLength: 1, maxLength: 6 }),
          kills: fc.array(
            fc.option(
              fc.record({ call: fc.integer({ min: 1, max: 30 }), when: fc.constantFrom("before", "after") }),
              {
                nil: null,
              },
            ),
            { maxLength: 6 },
          ),
        }),
        async ({ itemsPerUnit, burnMs, slices, kills }) => {
          const options: SyntheticPipelineOptions = { items: 10, itemsPerUnit, burnMs, sliceMs: 20 };
          const baseline = await uninterrupted(options);
          const store = createMemoryAdapter();
          const { job } = await makeRunner(store, options).submit({
            tenant: TENANT,
            pipeline: "synthetic",
            input: { kind: "synthetic" },
          });
          const sim = await simulateServerless({
            store,
            createRunner: (view) => makeRunner(view, options),
            sliceMs: (n) => slices[n % slices.length]!,
            killAt: (n) => kills[n] ?? null,
            overrunMs: 30,
            intervalMs: 10,
            done: async () => TERMINAL_STATUSES.has((await store.jobs.get(TENANT, job.id))!.status),
            maxInvocations: 400,
          });
          expect(sim.finished).toBe(true);
          const final = await store.jobs.get(TENANT, job.id);
          expect(final?.status).toBe("succeeded");
          const ids = (await store.chunks.list(TENANT, { jobId: job.id, limit: 100_000 })).map((c) => c.id);
          expect(new Set(ids).size).toBe(ids.length);
          expect([...ids].sort()).toEqual([...baseline.ids].sort());
          // Counts move with checkpoints: a repeated unit is never counted twice.
          expect(final?.counts).toEqual(baseline.counts);
        },
      ),
      { numRuns: 10 },
    );
  });
});
