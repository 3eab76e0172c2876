import { expect, it } from "vitest";
import { LeaseLostError } from "@threadmill/core";
import fc from "fast-check";
import { createFaultyAdapter } from "../faulty-adapter.js";
import { createSyntheticPipeline } from "../synthetic-pipeline.js";
import {
  type FaultSuiteContext,
  PROPERTY_TIMEOUT_MS,
  TENANT,
  WRITES,
  expectedIds,
} from "./fault-suite-context.js";

/**
 * Fault cases of a zombie worker: frozen mid-write, or at any store call (a property), it wakes after its
 * lease was taken and every later write of it is rejected.
 */
export function describeZombieWrites({
  numRuns,
  create,
  runnerOn,
  submit,
  chunkIds,
  delay,
}: FaultSuiteContext): void {
  it("a worker frozen mid-write wakes after its lease was taken: its write is rejected and changes nothing", async () => {
    const store = await create();
    const zombie = createFaultyAdapter(store);
    let frozen = false;
    const pipeline = createSyntheticPipeline({
      items: 8,
      itemsPerUnit: 2,
      onUnit: ({ item }) => {
        if (item === 4 && !frozen) {
          frozen = true;
          zombie.pause(); // the process stops just before it sends its third unit's outputs
        }
      },
    });
    const jobId = await submit(store, pipeline);
    const zombieWork = runnerOn(zombie.adapter, pipeline).work();
    while (!zombie.history.some((c) => c.result === "held")) await delay(5);
    const heldWrite = zombie.history.find(
      (c) => c.result === "held" && c.operation === "conversations.upsert",
    );
    expect(heldWrite).toBeDefined();

    const live = await runnerOn(store, pipeline).run(TENANT, jobId);
    expect(live).toMatchObject({ status: "succeeded", epoch: 2 });
    const checkpoint = await store.checkpoints.load(TENANT, jobId);

    zombie.resume();
    const result = await zombieWork;
    expect(result.runs[0]).toMatchObject({ outcome: "lease-lost", epoch: 1 });
    expect(heldWrite).toMatchObject({ result: "rejected", error: "LeaseLostError" });
    const accepted = zombie.history.filter(
      (c) =>
        WRITES.test(c.operation) &&
        c.result === "ok" &&
        c.settledAt !== null &&
        c.settledAt >= heldWrite!.settledAt!,
    );
    expect(accepted).toEqual([]);
    expect(await store.checkpoints.load(TENANT, jobId)).toEqual(checkpoint);
    expect((await store.jobs.get(TENANT, jobId))?.counts).toEqual(live!.counts);
    expect((await chunkIds(store, jobId)).sort()).toEqual(expectedIds(8));
  });

  it(
    "property: frozen at any store call, a zombie's later writes are all rejected and the job ends right",
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 40 }), async (pauseAt) => {
          const store = await create();
          const pipeline = createSyntheticPipeline({ items: 6, itemsPerUnit: 1 });
          const zombie = createFaultyAdapter(store);
          zombie.pauseAt(pauseAt);
          const jobId = await submit(store, pipeline);
          const zombieWork = runnerOn(zombie.adapter, pipeline).work();
          await delay(30);
          const live = await runnerOn(store, pipeline).run(TENANT, jobId);
          expect(live?.status).toBe("succeeded");
          const takeover = performance.now();
          const checkpoint = await store.checkpoints.load(TENANT, jobId);
          zombie.resume();
          await zombieWork;
          for (const call of zombie.history) {
            if (!WRITES.test(call.operation) || call.settledAt === null || call.settledAt < takeover)
              continue;
            expect(call.result, call.operation).toBe("rejected");
            expect(call.error).toBe(LeaseLostError.name);
          }
          expect(await store.checkpoints.load(TENANT, jobId)).toEqual(checkpoint);
          expect((await store.jobs.get(TENANT, jobId))?.status).toBe("succeeded");
          expect((await chunkIds(store, jobId)).sort()).toEqual(expectedIds(6));
        }),
        { numRuns },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
}
