import { expect, it } from "vitest";
import { createFaultyAdapter } from "../faulty-adapter.js";
import { createSyntheticPipeline } from "../synthetic-pipeline.js";
import { type FaultSuiteContext, TENANT } from "./fault-suite-context.js";

/**
 * The fault case of a crash loop: a job whose worker dies before any checkpoint is dead-lettered after
 * `maxAttempts`.
 */
export function describeCrashLoop({ leaseMs, create, runnerOn, submit, delay }: FaultSuiteContext): void {
  it("a crash loop that never checkpoints is dead-lettered after maxAttempts", async () => {
    const store = await create();
    const pipeline = createSyntheticPipeline({ items: 4 });
    const jobId = await submit(store, pipeline, 3);
    for (let i = 0; i < 3; i++) {
      // Each process dies at its 4th store call: after claiming, before any checkpoint.
      const view = createFaultyAdapter(store, { killAt: { call: 4, when: "before" } });
      void runnerOn(view.adapter, pipeline).work();
      const until = Date.now() + leaseMs * 10;
      while (!view.killed && Date.now() < until) await delay(5);
      expect(view.killed).toBe(true);
      await delay(leaseMs + 50);
    }
    const result = await runnerOn(store, pipeline).work();
    expect(result.runs).toEqual([expect.objectContaining({ outcome: "failed" })]);
    const job = await store.jobs.get(TENANT, jobId);
    expect(job).toMatchObject({ status: "failed", attempts: 4 });
    expect(job?.error?.code).toBe("ATTEMPTS_EXHAUSTED");
  });
}
