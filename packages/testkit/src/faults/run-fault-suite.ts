import { afterEach, describe, expect, it } from "vitest";
import {
  type Adapter,
  createRunner,
  LeaseLostError,
  type Pipeline,
  type Runner,
  TERMINAL_STATUSES,
} from "@threadmill/core";
import fc from "fast-check";
import { createFaultyAdapter } from "./faulty-adapter.js";
import { simulateServerless } from "./serverless-simulator.js";
import {
  createSyntheticPipeline,
  type SyntheticPipelineOptions,
  syntheticChunks,
  syntheticSource,
} from "./synthetic-pipeline.js";

/** Options of `runFaultSuite`. */
export interface FaultSuiteOptions {
  /** Shown in the suite's title. */
  readonly name: string;
  /** A fresh, isolated adapter (its own key prefix or schema) holding no job. */
  readonly create: () => Promise<Adapter>;
  /** Lease length of the runners under test (ms): long enough for a few store round trips. @default 400 */
  readonly leaseMs?: number;
  /** fast-check runs of each property. @default 8 */
  readonly numRuns?: number;
}

const TENANT = "fault-suite";
/** Properties run real leases and slices: on a loaded CI machine they take many times their usual few seconds. */
const PROPERTY_TIMEOUT_MS = 180_000;
const WRITES =
  /^(chunks\.upsert|conversations\.upsert|checkpoints\.save|events\.append|jobs\.transition|queue\.(release|complete|deadLetter|extend))$/;

const expectedIds = (items: number, chunksPerItem = 3) =>
  Array.from({ length: items }, (_, i) => syntheticChunks(i, chunksPerItem).map((c) => c.id))
    .flat()
    .sort();

/**
 * The runner's fault-injection suite on any adapter: a zombie frozen mid-write whose late writes are
 * rejected, the same at every store call (a property), a job driven through killed and overrunning
 * serverless invocations ending with exactly an uninterrupted run's chunks and counts (a property),
 * and a crash loop dead-lettered after `maxAttempts`. Registers vitest `describe`/`it` blocks.
 * @example
 * runFaultSuite({ name: "redis", create: async () => createRedisAdapter({ client, keyPrefix: uniquePrefix() }) });
 */
export function runFaultSuite(options: FaultSuiteOptions): void {
  const leaseMs = options.leaseMs ?? 400;
  const renewEveryMs = Math.round(leaseMs / 3);
  const numRuns = options.numRuns ?? 8;
  const opened: Adapter[] = [];
  const create = async () => {
    const adapter = await options.create();
    opened.push(adapter);
    return adapter;
  };
  const runnerOn = (store: Adapter, pipeline: Pipeline, extra: { deadlineMarginMs?: number } = {}): Runner =>
    createRunner({
      store,
      pipelines: { synthetic: pipeline },
      sources: { synthetic: syntheticSource },
      leaseMs,
      renewEveryMs,
      pollMs: 20,
      retry: { minTimeoutMs: 10, maxTimeoutMs: 40 },
      ...extra,
    });
  const submit = async (store: Adapter, pipeline: Pipeline, maxAttempts?: number) =>
    (
      await runnerOn(store, pipeline).submit({
        tenant: TENANT,
        pipeline: "synthetic",
        input: { kind: "synthetic" },
        ...(maxAttempts === undefined ? {} : { maxAttempts }),
      })
    ).job.id;
  const chunkIds = async (store: Adapter, jobId: string) =>
    (await store.chunks.list(TENANT, { jobId, limit: 100_000 })).map((c) => c.id);
  const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

  describe(`runner fault injection: ${options.name}`, () => {
    afterEach(async () => {
      for (const adapter of opened.splice(0)) await adapter.close();
    });

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
            async ({ itemsPerUnit, burnMs, slices, kills }) => {
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
              const jobId = await submit(store, createSyntheticPipeline(pipelineOptions));
              const sim = await simulateServerless({
                store,
                createRunner: (view) =>
                  runnerOn(view, createSyntheticPipeline(pipelineOptions), {
                    deadlineMarginMs: Math.round(leaseMs / 5),
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
  });
}
