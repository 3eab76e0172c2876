import { expect, it } from "vitest";
import { TERMINAL_STATUSES } from "@threadmill/core";
import fc from "fast-check";
import { simulateServerless } from "../serverless-simulator.js";
import { createSyntheticPipeline, type SyntheticPipelineOptions } from "../synthetic-pipeline.js";
import { type FaultSuiteContext, PROPERTY_TIMEOUT_MS, TENANT } from "./fault-suite-context.js";

/**
 * Whether an invocation of `sliceMs` has time for one unit, with room to spare: the runner stops
 * `marginMs` before its deadline, so a unit longer than what is left can never finish there.
 */
export const fitsUnit = (sliceMs: number, unitMs: number, marginMs: number): boolean =>
  sliceMs - marginMs >= 2 * unitMs + 20;

/**
 * The fault property of serverless slices: a job driven through killed and overrunning invocations ends
 * with exactly an uninterrupted run's chunks and counts. Each cycle of slices holds one with time for a
 * unit, and the job has attempts to spare: a unit no invocation has time for can never finish
 * (`describeUnitTooLong`), and attempts running out is the crash loop's case.
 */
export function describeServerlessSlices({
  leaseMs,
  numRuns,
  create,
  runnerOn,
  submit,
  chunkIds,
}: FaultSuiteContext): void {
  it(
    "property: through killed and overrunning serverless slices, the chunks and counts equal an uninterrupted run's",
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            itemsPerUnit: fc.integer({ min: 1, max: 3 }),
            burnMs: fc.constantFrom(0, 10, 40),
            slices: fc.array(fc.integer({ min: leaseMs * 0.5, max: leaseMs * 2 }), {
              minLength: 1,
              maxLength: 6,
            }),
            kills: fc.array(
              fc.option(
                fc.record({
                  call: fc.integer({ min: 1, max: 30 }),
                  when: fc.constantFrom("before", "after"),
                }),
                { nil: null },
              ),
              { maxLength: 6 },
            ),
          }),
          async ({ itemsPerUnit, burnMs, slices: drawn, kills }) => {
            const marginMs = Math.round(leaseMs / 5);
            const slices = drawn.some((ms) => fitsUnit(ms, itemsPerUnit * burnMs, marginMs))
              ? drawn
              : [...drawn.slice(0, -1), leaseMs * 2];
            const pipelineOptions: SyntheticPipelineOptions = {
              items: 10,
              itemsPerUnit,
              burnMs,
              sliceMs: 20,
            };
            const baselineStore = await create();
            const baselineJob = await submit(baselineStore, createSyntheticPipeline(pipelineOptions));
            await runnerOn(baselineStore, createSyntheticPipeline(pipelineOptions)).work();
            const baseline = await baselineStore.jobs.get(TENANT, baselineJob);
            expect(baseline?.status).toBe("succeeded");
            const baselineIds = (await chunkIds(baselineStore, baselineJob)).sort();

            const store = await create();
            // An invocation without progress spends an attempt (a kill, a slice too short for the unit
            // it is in): enough attempts that 6 kills and a cycle's short slices in a row never use them
            // all. Running out of attempts is the crash loop's and the unit-too-long case's to test.
            const jobId = await submit(store, createSyntheticPipeline(pipelineOptions), 20);
            const sim = await simulateServerless({
              store,
              createRunner: (view) =>
                runnerOn(view, createSyntheticPipeline(pipelineOptions), {
                  deadlineMarginMs: marginMs,
                }),
              sliceMs: (n) => slices[n % slices.length]!,
              killAt: (n) => kills[n] ?? null,
              overrunMs: 30,
              intervalMs: 10,
              done: async () => TERMINAL_STATUSES.has((await store.jobs.get(TENANT, jobId))!.status),
              maxInvocations: 400,
            });
            expect(sim.finished).toBe(true);
            const final = await store.jobs.get(TENANT, jobId);
            expect(final?.status).toBe("succeeded");
            const ids = await chunkIds(store, jobId);
            expect(new Set(ids).size).toBe(ids.length);
            expect([...ids].sort()).toEqual(baselineIds);
            // Counts move with checkpoints: a repeated unit is never counted twice.
            expect(final?.counts).toEqual(baseline?.counts);
          },
        ),
        { numRuns },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
}
