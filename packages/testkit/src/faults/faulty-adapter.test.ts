import { createMemoryAdapter } from "@threadmill/adapter-memory";
import { createRunner, type Adapter, LeaseLostError, type Pipeline } from "@threadmill/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createFaultyAdapter } from "./faulty-adapter.js";
import { createSyntheticPipeline, syntheticChunks, syntheticSource } from "./synthetic-pipeline.js";

const TENANT = "zombie-tenant";
const WRITES =
  /^(chunks\.upsert|conversations\.upsert|checkpoints\.save|events\.append|jobs\.transition|queue\.(release|complete|deadLetter|extend))$/;

const expectedIds = (items: number) =>
  Array.from({ length: items }, (_, i) => syntheticChunks(i, 3).map((c) => c.id))
    .flat()
    .sort();

function runnerOn(store: Adapter, pipeline: Pipeline) {
  return createRunner({
    store,
    pipelines: { synthetic: pipeline },
    sources: { synthetic: syntheticSource },
    leaseMs: 250,
    renewEveryMs: 80,
    pollMs: 20,
    retry: { minTimeoutMs: 10, maxTimeoutMs: 40 },
  });
}

const until = async (predicate: () => Promise<boolean>, timeoutMs = 10_000) => {
  const end = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe("zombie workers", () => {
  it("a worker frozen mid-write wakes after its lease was taken: its write is rejected and changes nothing", async () => {
    const store = createMemoryAdapter();
    const zombie = createFaultyAdapter(store);
    let frozen = false;
    const pipeline = createSyntheticPipeline({
      items: 8,
      itemsPerUnit: 2,
      // Freeze the process just before it sends the outputs of its third unit.
      onUnit: ({ item }) => {
        if (item === 4 && !frozen) {
          frozen = true;
          zombie.pause();
        }
      },
    });
    const { job } = await runnerOn(store, pipeline).submit({
      tenant: TENANT,
      pipeline: "synthetic",
      input: { kind: "synthetic" },
    });
    const zombieWork = runnerOn(zombie.adapter, pipeline).work();
    await until(async () => zombie.history.some((c) => c.result === "held"));
    const heldWrite = zombie.history.find(
      (c) => c.result === "held" && c.operation === "conversations.upsert",
    );
    expect(heldWrite).toBeDefined();

    // Another worker takes the job once the lease lapses and finishes it.
    const live = await runnerOn(store, pipeline).run(TENANT, job.id);
    expect(live).toMatchObject({ status: "succeeded", epoch: 2 });
    const checkpointBefore = await store.checkpoints.load(TENANT, job.id);
    const countsBefore = { ...live!.counts };

    zombie.resume();
    const result = await zombieWork;
    expect(result.runs[0]).toMatchObject({ outcome: "lease-lost", epoch: 1 });
    expect(heldWrite).toMatchObject({ result: "rejected", error: "LeaseLostError" });
    const wokeAt = heldWrite!.settledAt!;
    const acceptedAfterWake = zombie.history.filter(
      (c) => WRITES.test(c.operation) && c.settledAt !== null && c.settledAt >= wokeAt && c.result === "ok",
    );
    expect(acceptedAfterWake).toEqual([]);
    expect(await store.checkpoints.load(TENANT, job.id)).toEqual(checkpointBefore);
    expect((await store.jobs.get(TENANT, job.id))?.counts).toEqual(countsBefore);
    expect((await store.chunks.list(TENANT, { jobId: job.id })).map((c) => c.id).sort()).toEqual(
      expectedIds(8),
    );
  });

  it("property: frozen at any store call, a zombie's later writes are all rejected and the job ends right", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 40 }), async (pauseAt) => {
        const store = createMemoryAdapter();
        const pipeline = createSyntheticPipeline({ items: 6, itemsPerUnit: 1 });
        const zombie = createFaultyAdapter(store);
        zombie.pauseAt(pauseAt);
        const { job } = await runnerOn(store, pipeline).submit({
          tenant: TENANT,
          pipeline: "synthetic",
          input: { kind: "synthetic" },
        });
        const zombieWork = runnerOn(zombie.adapter, pipeline).work();
        await new Promise((r) => setTimeout(r, 30));
        const live = await runnerOn(store, pipeline).run(TENANT, job.id);
        expect(live?.status).toBe("succeeded");
        const takeover = performance.now();
        const final = await store.checkpoints.load(TENANT, job.id);
        zombie.resume();
        await zombieWork;
        const late = zombie.history.filter(
          (c) => WRITES.test(c.operation) && c.settledAt !== null && c.settledAt >= takeover,
        );
        for (const call of late) {
          expect(call.result, call.operation).toBe("rejected");
          expect(call.error).toBe(LeaseLostError.name);
        }
        expect(await store.checkpoints.load(TENANT, job.id)).toEqual(final);
        expect((await store.jobs.get(TENANT, job.id))?.status).toBe("succeeded");
        expect((await store.chunks.list(TENANT, { jobId: job.id })).map((c) => c.id).sort()).toEqual(
          expectedIds(6),
        );
      }),
      { numRuns: 12 },
    );
  });
});
