import { expect, it } from "vitest";
import { TERMINAL_STATUSES } from "@threadmill/core";
import { simulateServerless } from "../serverless-simulator.js";
import { createSyntheticPipeline } from "../synthetic-pipeline.js";
import { fitsUnit } from "./describe-serverless-slices.js";
import { type FaultSuiteContext, TENANT } from "./fault-suite-context.js";

/**
 * The fault case of a unit longer than any invocation: no slice can finish it, so the job makes no
 * progress. It must fail with ATTEMPTS_EXHAUSTED after `maxAttempts` invocations, not hand itself
 * back forever, and must not leave a chunk written twice.
 */
export function describeUnitTooLong({
  leaseMs,
  create,
  runnerOn,
  submit,
  chunkIds,
}: FaultSuiteContext): void {
  it("a unit no invocation has time for fails the job with ATTEMPTS_EXHAUSTED after maxAttempts invocations", async () => {
    // A unit of 0.6 x leaseMs, invocations of 0.5 x leaseMs of which the runner uses 0.3 x leaseMs.
    const options = { items: 10, itemsPerUnit: 3, burnMs: Math.round(leaseMs / 5), sliceMs: 20 };
    const marginMs = Math.round(leaseMs / 5);
    const sliceMs = Math.round(leaseMs / 2);
    expect(fitsUnit(sliceMs, options.itemsPerUnit * options.burnMs, marginMs)).toBe(false);
    const store = await create();
    const jobId = await submit(store, createSyntheticPipeline(options), 3);
    const sim = await simulateServerless({
      store,
      createRunner: (view) =>
        runnerOn(view, createSyntheticPipeline(options), { deadlineMarginMs: marginMs }),
      sliceMs,
      overrunMs: 30,
      intervalMs: 10,
      done: async () => TERMINAL_STATUSES.has((await store.jobs.get(TENANT, jobId))!.status),
      maxInvocations: 40,
    });
    expect(sim.finished).toBe(true);
    expect(sim.invocations).toBeLessThanOrEqual(4);
    const job = await store.jobs.get(TENANT, jobId);
    expect(job).toMatchObject({ status: "failed" });
    expect(job?.error?.code).toBe("ATTEMPTS_EXHAUSTED");
    const ids = await chunkIds(store, jobId);
    expect(new Set(ids).size).toBe(ids.length);
  });
}
