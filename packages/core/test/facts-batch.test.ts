import type Anthropic from "@anthropic-ai/sdk";
import { afterEach, describe, expect, it } from "vitest";
import type { Runner } from "../src/index.js";
import {
  cleanFactsRun,
  type FactsSetup,
  factsExport,
  factsSetup,
  runToEnd,
  TENANT,
} from "./support/facts-setup.js";

let t: FactsSetup | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const FACTS = { requestTokens: 2500, batchSize: 4 };

async function messagesRun(bytes: Uint8Array) {
  const run = await cleanFactsRun(bytes, FACTS);
  return { facts: run.facts, spent: run.spentMicroUsd, requests: run.requests };
}

async function batchRun(runner: Runner) {
  const { job } = await runner.submit({
    tenant: TENANT,
    pipeline: "import",
    input: { kind: "memory" },
    options: { facts: { ...FACTS, batch: true } },
  });
  await runToEnd(runner, t!.store, job.id);
  const done = (await t!.store.jobs.get(TENANT, job.id))!;
  expect(done.status, JSON.stringify(done.error)).toBe("succeeded");
  const facts = await t!.store.facts!.list(TENANT, { limit: 10_000 });
  const spent = await t!.ledger.spent({ tenant: TENANT, jobId: job.id });
  expect(spent.reserved.microUsd).toBe(0);
  return { job: done, facts, spent: spent.spent.microUsd };
}

/**
 * A client whose first `times` batch creations reach the API and then throw, as a worker that dies
 * after submitting a batch and before saving its id.
 */
function crashingAfterCreate(real: Anthropic, times: number) {
  let crashes = 0;
  const client = {
    messages: Object.assign(Object.create(real.messages), {
      batches: Object.assign(Object.create(real.messages.batches), {
        create: async (...args: Parameters<Anthropic["messages"]["batches"]["create"]>) => {
          const batch = await real.messages.batches.create(...args);
          if (crashes++ < times) throw new Error("worker killed after submitting");
          return batch;
        },
      }),
    }),
  } as Anthropic;
  return { client, crashes: () => crashes };
}

const batchItems = (s: FactsSetup) => s.fake.log.filter((e) => e.kind === "batch_item");

describe("the facts stage in Batches mode", () => {
  it("gives the facts of the Messages API at half the price, results read out of order", async () => {
    const { bytes } = await factsExport(41, 24);
    const direct = await messagesRun(bytes);
    t = await factsSetup(bytes);
    const run = await batchRun(t.runner());
    expect(run.facts).toEqual(direct.facts);
    expect(t.fake.messageRequestCount()).toBe(0);
    expect(t.fake.batchIds().length).toBe(Math.ceil(direct.requests / FACTS.batchSize));
    expect(batchItems(t)).toHaveLength(direct.requests);
    // Half price, each request rounded up on its own.
    expect(Math.abs(run.spent - direct.spent / 2)).toBeLessThanOrEqual(direct.requests);
  });

  it("sends errored and expired requests once more through the Messages API, charging them nothing in the batch", async () => {
    const { bytes } = await factsExport(42, 24);
    const direct = await messagesRun(bytes);
    t = await factsSetup(bytes, {
      fake: {
        batches: { outcome: (_id, i) => (i % 4 === 1 ? "errored" : i % 4 === 2 ? "expired" : "succeeded") },
      },
    });
    const run = await batchRun(t.runner());
    expect(run.facts).toEqual(direct.facts);
    const failed = batchItems(t).filter((e) => e.result !== "succeeded").length;
    expect(failed).toBeGreaterThan(1);
    expect(t.fake.messageRequestCount()).toBe(failed);
    const billed = t.fake.log
      .filter((e) => e.usage && e.status === 200)
      .reduce(
        (n, e) =>
          n + (e.usage!.input_tokens + 5 * e.usage!.output_tokens) / (e.kind === "batch_item" ? 2 : 1),
        0,
      );
    expect(Math.abs(run.spent - billed)).toBeLessThanOrEqual(direct.requests);
  });

  it("never submits a batch twice when the worker dies between creating it and checkpointing its id", async () => {
    const { bytes } = await factsExport(43, 24);
    const direct = await messagesRun(bytes);
    t = await factsSetup(bytes);
    const crashing = crashingAfterCreate(t.client, 2);
    const run = await batchRun(t.runner({ client: crashing.client }));
    expect(crashing.crashes()).toBeGreaterThanOrEqual(2);
    expect(run.facts).toEqual(direct.facts);
    expect(t.fake.batchIds().length).toBe(Math.ceil(direct.requests / FACTS.batchSize));
    expect(batchItems(t)).toHaveLength(direct.requests);
  });

  it("two jobs with the same requests, both dying after creating their batches, each adopt their own", async () => {
    const { bytes } = await factsExport(45, 16);
    const direct = await messagesRun(bytes);
    t = await factsSetup(bytes);
    const runner = t.runner({ client: crashingAfterCreate(t.client, 2).client });
    const jobs = await Promise.all(
      ["tenant-a", "tenant-b"].map(async (tenant) => {
        const { job } = await runner.submit({
          tenant,
          pipeline: "import",
          input: { kind: "memory" },
          options: { facts: { ...FACTS, batch: true, batchSize: 100 } },
        });
        return job;
      }),
    );
    for (let i = 0; i < 200; i++) {
      await runner.work({ deadline: Date.now() + 30_000 });
      const states = await Promise.all(jobs.map((j) => t!.store.jobs.get(j.tenant, j.id)));
      if (states.every((j) => j!.status === "succeeded" || j!.status === "failed")) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    for (const job of jobs) {
      expect((await t.store.jobs.get(job.tenant, job.id))!.status).toBe("succeeded");
      const facts = await t.store.facts!.list(job.tenant, { limit: 10_000 });
      expect(facts.map((f) => f.id)).toEqual(direct.facts.map((f) => f.id));
    }
    // One batch per job, each request answered once per job: nothing submitted twice, nothing shared.
    expect(t.fake.batchIds()).toHaveLength(2);
    expect(batchItems(t)).toHaveLength(2 * direct.requests);
  });

  it("waits out a batch across several slices without holding a worker or spending attempts", async () => {
    const { bytes } = await factsExport(44, 8);
    t = await factsSetup(bytes, { fake: { batches: { pollsUntilEnded: 4 } } });
    const runner = t.runner();
    const { job } = await runner.submit({
      tenant: TENANT,
      pipeline: "import",
      input: { kind: "memory" },
      options: { facts: { ...FACTS, batch: true, batchSize: 100 } },
      maxAttempts: 1,
    });
    const reasons: (string | undefined)[] = [];
    for (let i = 0; i < 50; i++) {
      const slice = await runner.work({ deadline: Date.now() + 30_000 });
      reasons.push(...slice.runs.map((r) => r.reason));
      const status = (await t.store.jobs.get(TENANT, job.id))!.status;
      if (status === "succeeded" || status === "failed") break;
      await new Promise((r) => setTimeout(r, 25));
    }
    const done = (await t.store.jobs.get(TENANT, job.id))!;
    expect(done.status, JSON.stringify(done.error)).toBe("succeeded");
    expect(reasons.filter((r) => r === "wait").length).toBeGreaterThanOrEqual(4);
    expect(t.fake.batchIds()).toHaveLength(1);
  });
});
