import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_FACTS_MODEL, priceOf } from "../src/anthropic/model-prices.js";
import { maxRequestCostMicroUsd } from "../src/anthropic/request-cost.js";
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

// A small max_tokens: every request reserves it at the output price, and the caps here are a few requests.
const FACTS = { requestTokens: 2500, concurrency: 3, maxTokens: 1024 };

async function uncapped(bytes: Uint8Array) {
  const run = await cleanFactsRun(bytes, FACTS);
  return { spent: run.spentMicroUsd, facts: run.facts.map((f) => f.id), requests: run.requests };
}

describe("the facts stage's budget", () => {
  it("never passes a job's cap below the estimate, says so plainly, and goes on without paying twice once raised", async () => {
    const { bytes } = await factsExport(31, 30);
    const full = await uncapped(bytes);
    expect(full.requests).toBeGreaterThan(6);
    t = await factsSetup(bytes);
    const runner = t.runner();
    const budgetUsd = full.spent / 1e6 / 3;
    const { job } = await runner.submit({
      tenant: TENANT,
      pipeline: "import",
      input: { kind: "memory" },
      options: { facts: { ...FACTS, budgetUsd } },
    });
    await runToEnd(runner, t.store, job.id);
    const stopped = (await t.store.jobs.get(TENANT, job.id))!;
    expect(stopped.status).toBe("failed");
    expect(stopped.error).toMatchObject({ code: "BUDGET_EXCEEDED", retriable: false });
    expect(stopped.error!.message).toMatch(/the job's budget of .* reached/);
    expect(stopped.progress).toMatchObject({ unit: "conversations", total: 30 });
    expect(stopped.progress!.done).toBeGreaterThan(0);
    expect(stopped.progress!.done).toBeLessThan(30);
    const scope = { tenant: TENANT, jobId: job.id };
    const capped = await t.ledger.spent(scope);
    expect(capped.spent.microUsd).toBeLessThanOrEqual(Math.round(budgetUsd * 1e6));
    expect(capped.spent.microUsd).toBeGreaterThan(0);
    expect(capped.reserved.microUsd).toBe(0);
    const sentBefore = t.fake.messageRequestCount();
    expect(sentBefore).toBeLessThan(full.requests);

    // Raise the cap, retry: the job ends, and the whole run cost what an uncapped one did.
    await t.ledger.setCaps(scope, { microUsd: full.spent * 10 });
    await runner.retry(TENANT, job.id);
    await runToEnd(runner, t.store, job.id);
    expect((await t.store.jobs.get(TENANT, job.id))!.status).toBe("succeeded");
    expect((await t.ledger.spent(scope)).spent.microUsd).toBe(full.spent);
    expect(t.fake.messageRequestCount()).toBe(full.requests);
    expect((await t.store.facts!.list(TENANT, { limit: 10_000 })).map((f) => f.id)).toEqual(full.facts);
  });

  it("runs fewer requests at once, rather than stopping, when the budget fits the run but not concurrency x the most a request may cost", async () => {
    // A large max_tokens: each request reserves far more than it will cost.
    const wide = { ...FACTS, maxTokens: 16_384 };
    const { bytes } = await factsExport(33, 20);
    const run = await cleanFactsRun(bytes, wide);
    const full = { spent: run.spentMicroUsd, requests: run.requests };
    expect(full.requests).toBeGreaterThan(3);
    // The most one request may cost: what each reserves before it is sent.
    const most = maxRequestCostMicroUsd(
      wide.requestTokens,
      wide.maxTokens,
      priceOf(DEFAULT_FACTS_MODEL)!,
      false,
    );
    // Room for the whole run and for its last request's reservation, but not for three reservations at once.
    const budget = full.spent + most * 1.05;
    expect(budget).toBeLessThan(FACTS.concurrency * most); // three at once could never all reserve
    t = await factsSetup(bytes);
    const runner = t.runner();
    const { job } = await runner.submit({
      tenant: TENANT,
      pipeline: "import",
      input: { kind: "memory" },
      options: { facts: { ...wide, budgetUsd: budget / 1e6 } },
    });
    await runToEnd(runner, t.store, job.id);
    const ended = (await t.store.jobs.get(TENANT, job.id))!;
    expect(ended.error).toBeNull();
    expect(ended.status).toBe("succeeded");
    expect((await t.ledger.spent({ tenant: TENANT, jobId: job.id })).spent.microUsd).toBe(full.spent);
    expect(t.fake.messageRequestCount()).toBe(full.requests);
  });

  it("stops at the tenant's monthly cap too", async () => {
    const { bytes } = await factsExport(32, 20);
    const full = await uncapped(bytes);
    t = await factsSetup(bytes);
    const cap = Math.floor(full.spent / 2);
    await t.ledger.setCaps({ tenant: TENANT }, { microUsd: cap });
    const runner = t.runner();
    const { job } = await runner.submit({
      tenant: TENANT,
      pipeline: "import",
      input: { kind: "memory" },
      options: { facts: FACTS },
    });
    await runToEnd(runner, t.store, job.id);
    const stopped = (await t.store.jobs.get(TENANT, job.id))!;
    expect(stopped.error).toMatchObject({ code: "BUDGET_EXCEEDED" });
    expect(stopped.error!.message).toContain("the tenant's monthly budget");
    expect((await t.ledger.spent({ tenant: TENANT })).spent.microUsd).toBeLessThanOrEqual(cap);
  });
});
