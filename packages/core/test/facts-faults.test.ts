import { afterEach, describe, expect, it } from "vitest";
import { createRateLimiter } from "../src/index.js";
import {
  API_KEY,
  cleanFactsRun,
  type FactsSetup,
  factsExport,
  factsSetup,
  messageIdsOf,
  runToEnd,
  TENANT,
} from "./support/facts-setup.js";

let t: FactsSetup | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

type Fault = Parameters<FactsSetup["fake"]["fail"]>[1];

/** A clean run of the same export: the facts and requests every faulty run is held to. */
async function baseline(seed: number) {
  const { bytes } = await factsExport(seed, 12);
  const run = await cleanFactsRun(bytes, { requestTokens: 3000, concurrency: 1 });
  const sources = run.facts.flatMap((f) => f.sources.map((x) => x.messageId));
  const first = run.sent[0]!;
  return {
    bytes,
    ids: run.facts.map((f) => f.id),
    sources,
    requests: run.requests,
    firstHasFacts: sources.some((id) => first.has(id)),
  };
}

/** The first seed from `seed` whose first request holds planted facts (so losing it loses some). */
async function baselineWithFactsFirst(seed: number) {
  for (let s = seed; s < seed + 20; s++) {
    const base = await baseline(s);
    if (base.firstHasFacts) return base;
  }
  throw new Error("no seed put planted facts in the first request");
}

async function runWith(bytes: Uint8Array, faults: [number, Fault][]) {
  t = await factsSetup(bytes);
  for (const [count, fault] of faults) t.fake.fail(count, fault);
  const runner = t.runner();
  const { job } = await runner.submit({
    tenant: TENANT,
    pipeline: "import",
    input: { kind: "memory" },
    options: { facts: { requestTokens: 3000, concurrency: 1 } },
  });
  await runToEnd(runner, t.store, job.id);
  const done = (await t.store.jobs.get(TENANT, job.id))!;
  const ids = (await t.store.facts!.list(TENANT, { limit: 10_000 })).map((f) => f.id);
  const spent = await t.ledger.spent({ tenant: TENANT, jobId: job.id });
  expect(JSON.stringify({ log: t.fake.log, done })).not.toContain(API_KEY);
  return { done, ids, spent };
}

describe("the facts stage under every fault of the fake", () => {
  it("retries 429 (after its retry-after), 529 and 500, charging nothing for them", async () => {
    const base = await baseline(21);
    const { done, ids, spent } = await runWith(base.bytes, [
      [1, { kind: "rate_limit", retryAfterS: 0.2 }],
      [1, { kind: "overloaded" }],
      [1, { kind: "server" }],
    ]);
    expect(done.status).toBe("succeeded");
    expect(ids).toEqual(base.ids);
    expect(done.counts.factRequests).toBe(base.requests + 3);
    const log = t!.fake.log.filter((e) => e.kind === "messages");
    expect(log.slice(0, 4).map((e) => e.status)).toEqual([429, 529, 500, 200]);
    expect(log[1]!.at - log[0]!.at).toBeGreaterThanOrEqual(190);
    const billed = log
      .filter((e) => e.usage)
      .reduce((n, e) => n + e.usage!.input_tokens + 5 * e.usage!.output_tokens, 0);
    expect(spent.spent.microUsd).toBe(billed);
  });

  it("sends a timed-out request again, and keeps the timed-out try charged (it may have been paid)", async () => {
    const base = await baseline(25);
    t = await factsSetup(base.bytes);
    t.fake.fail(1, { kind: "slow", delayMs: 600 });
    const Anthropic = (await import("@anthropic-ai/sdk")).default;
    const impatient = new Anthropic({ apiKey: API_KEY, baseURL: t.fake.url, maxRetries: 0, timeout: 200 });
    const runner = t.runner({ client: impatient, reservationTtlMs: 300 });
    const { job } = await runner.submit({
      tenant: TENANT,
      pipeline: "import",
      input: { kind: "memory" },
      options: { facts: { requestTokens: 3000, concurrency: 1 } },
    });
    await runToEnd(runner, t.store, job.id);
    const done = (await t.store.jobs.get(TENANT, job.id))!;
    expect(done.status).toBe("succeeded");
    expect((await t.store.facts!.list(TENANT, { limit: 10_000 })).map((f) => f.id)).toEqual(base.ids);
    expect(done.counts.factRequests).toBe(base.requests + 1);
    await new Promise((r) => setTimeout(r, 700));
    // The answered requests' cost, plus the timed-out try's whole reservation: more than the answers.
    const log = t.fake.log.filter((e) => e.kind === "messages");
    const billed = log
      .filter((e) => e.status === 200 && e.usage)
      .reduce((n, e) => n + e.usage!.input_tokens + 5 * e.usage!.output_tokens, 0);
    const spent = await t.ledger.spent({ tenant: TENANT, jobId: job.id });
    expect(spent.reserved.microUsd).toBe(0);
    expect(spent.spent.microUsd).toBeGreaterThan(billed + 8192 * 5);
  });

  it("splits an answer cut by max_tokens in two, and both halves are answered", async () => {
    const base = await baseline(22);
    const { done, ids } = await runWith(base.bytes, [[1, { kind: "max_tokens" }]]);
    expect(done.status).toBe("succeeded");
    expect(ids).toEqual(base.ids);
    const log = t!.fake.log.filter((e) => e.kind === "messages");
    expect(log[0]!.stopReason).toBe("max_tokens");
    const text = (i: number) => JSON.stringify(log[i]!.body).length;
    // The two halves together hold what the first request held.
    expect(text(1) + text(2)).toBeGreaterThan(text(0));
    expect(Math.max(text(1), text(2))).toBeLessThan(text(0));
    expect(done.counts.factRequests).toBe(base.requests + 2);
  });

  for (const kind of ["invalid", "refusal", "text"] as const) {
    it(`sends a request answered "${kind}" once more, then reports it, never repairing it`, async () => {
      const base = await baselineWithFactsFirst(23);
      const once = await runWith(base.bytes, [[1, { kind }]]);
      expect(once.done.status).toBe("succeeded");
      expect(once.ids).toEqual(base.ids);
      expect(once.done.counts.factIssues ?? 0).toBe(0);
      await t!.close();

      const twice = await runWith(base.bytes, [[2, { kind }]]);
      expect(twice.done.status).toBe("succeeded");
      expect(twice.done.counts.factIssues).toBe(1);
      // The first request's messages gave no fact at all (none repaired or invented from them)...
      const lost = messageIdsOf(t!.fake.log.find((e) => e.kind === "messages")!.body);
      expect(lost.size).toBeGreaterThan(0);
      const facts = await t!.store.facts!.list(TENANT, { limit: 10_000 });
      expect(facts.flatMap((f) => f.sources).filter((s) => lost.has(s.messageId))).toEqual([]);
      expect(twice.ids.every((id) => base.ids.includes(id))).toBe(true);
      // ...where a clean run found some.
      expect(base.sources.filter((id) => lost.has(id)).length).toBeGreaterThan(0);
      expect(twice.done.counts.factRequests).toBe(base.requests + 1);
    });
  }

  it("fails the job with a typed, fatal ProviderError when the key is refused, sending nothing more", async () => {
    const { bytes } = await factsExport(24, 4);
    t = await factsSetup(bytes);
    const wrong = t.runner({
      client: new (await import("@anthropic-ai/sdk")).default({
        apiKey: "sk-ant-wrong-key-123",
        baseURL: t.fake.url,
        maxRetries: 0,
      }),
    });
    const { job } = await wrong.submit({
      tenant: TENANT,
      pipeline: "import",
      input: { kind: "memory" },
      options: { facts: true },
    });
    await runToEnd(wrong, t.store, job.id);
    const done = (await t.store.jobs.get(TENANT, job.id))!;
    expect(done.status).toBe("failed");
    expect(done.error).toMatchObject({ code: "PROVIDER", name: "ProviderError", retriable: false });
    expect(done.error!.message).toContain("401");
    expect(done.error!.message).not.toContain("wrong-key");
    expect(t.fake.log.filter((e) => e.kind === "messages")).toHaveLength(1);
  });
});

describe("the facts stage's bookkeeping when a request never leaves", () => {
  it("settles at zero what the limiter refused, so only answers are charged", async () => {
    const { bytes } = await factsExport(26, 12);
    const store = (await import("@threadmill/adapter-memory")).createMemoryAdapter();
    // Room for one request's 8,192 reserved output tokens a minute: the others wait 50 ms, then give up.
    const limiter = createRateLimiter({
      store: store.rateLimits!,
      name: "anthropic",
      rules: [{ name: "outputTokens", limit: 9_000, periodMs: 60_000 }],
      maxWaitMs: 50,
    });
    t = await factsSetup(bytes, { store, limiter });
    const runner = t.runner();
    const { job } = await runner.submit({
      tenant: TENANT,
      pipeline: "import",
      input: { kind: "memory" },
      options: { facts: { requestTokens: 3000, concurrency: 3 } },
    });
    await runner.work({ deadline: Date.now() + 5_000 });
    const spent = await t.ledger.spent({ tenant: TENANT, jobId: job.id });
    const billed = t.fake.log
      .filter((e) => e.kind === "messages" && e.usage)
      .reduce((n, e) => n + e.usage!.input_tokens + 5 * e.usage!.output_tokens, 0);
    expect(t.fake.messageRequestCount()).toBeGreaterThan(0);
    expect(spent.reserved).toEqual({ microUsd: 0, tokens: 0 });
    expect(spent.spent.microUsd).toBe(billed);
  });
});
