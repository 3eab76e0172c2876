// SCRIPT FLUSH over and over while concurrent acquires and reservations run, on a private redis-server
// (a flush would disturb other tests on the shared one): every call still gets its answer from the
// scripts (reloaded on NOSCRIPT), admission stays exact, and no error surfaces.
import {
  BudgetExceededError,
  createRateLimiter,
  createSpendLedger,
  RateLimitedError,
} from "@threadmill/core";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisAdapter } from "../src/index.js";
import { type LocalRedis, startLocalRedis } from "./local-redis.js";
import { clusterToolsAvailable } from "./redis-cluster.js";

const available = await clusterToolsAvailable();
if (!available && process.env.CI === "true") {
  throw new Error("redis-server is missing and CI=true: the SCRIPT FLUSH tests must run.");
}

describe.skipIf(!available)("limits through SCRIPT FLUSH", () => {
  let server: LocalRedis;
  let control: Redis;
  const clients: Redis[] = [];

  beforeAll(async () => {
    server = await startLocalRedis();
    control = new Redis(server.url);
    for (let i = 0; i < 4; i++) clients.push(new Redis(server.url));
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    control?.disconnect();
    await server?.stop();
  });

  /**
   * Starts `count` calls at once, in waves of 50 written a tick apart with a SCRIPT FLUSH (from another
   * connection) after each wave, so flushes land among calls the server has yet to run.
   */
  async function underFlushes(count: number, call: (i: number) => Promise<unknown>) {
    const noscriptsBefore = await noscripts();
    const calls: Promise<PromiseSettledResult<unknown>>[] = [];
    const flushes: Promise<unknown>[] = [];
    for (let i = 0; i < count; i++) {
      // Settled at once: a refusal may come back while later waves are still being written.
      calls.push(Promise.allSettled([call(i)]).then(([result]) => result!));
      if (i % 50 === 49) {
        flushes.push(control.script("FLUSH"));
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    const results = await Promise.all(calls);
    await Promise.all(flushes);
    return { results, noscripts: (await noscripts()) - noscriptsBefore };
  }

  async function noscripts(): Promise<number> {
    const info = String(await control.info("errorstats"));
    return Number(/errorstat_NOSCRIPT:count=(\d+)/.exec(info)?.[1] ?? 0);
  }

  function tally(results: PromiseSettledResult<unknown>[], refusal: (e: unknown) => boolean) {
    const reasons = results.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
    return {
      admitted: results.length - reasons.length,
      refused: reasons.filter(refusal).length,
      others: reasons.filter((e) => !refusal(e)).map(String),
    };
  }

  it("1,000 concurrent acquires at 100 an hour admit exactly 100, with no error", async () => {
    const limiters = clients.map((client) =>
      createRateLimiter({
        store: createRedisAdapter({ client, keyPrefix: "flush" }).rateLimits,
        name: "flushed",
        rules: [
          { name: "requests", limit: 100, periodMs: 3_600_000 },
          { name: "tokens", limit: 1_000_000, periodMs: 3_600_000, scope: "global" },
        ],
        maxWaitMs: 0,
      }),
    );
    // Each connection loads the script once (EVAL), so the run below goes by EVALSHA and meets NOSCRIPT.
    await Promise.all(limiters.map((limiter, i) => limiter.acquire(`warm-${i}`)));
    const run = await underFlushes(1000, (i) => limiters[i % 4]!.acquire("model", { tokens: 10 }));
    expect(tally(run.results, RateLimitedError.isInstance)).toEqual({
      admitted: 100,
      refused: 900,
      others: [],
    });
    expect(run.noscripts).toBeGreaterThan(0);
  });

  it("2 x 1,000 concurrent reservations admit exactly what fits the cap, with no error", async () => {
    const ledgers = clients.map((client) =>
      createSpendLedger({ store: createRedisAdapter({ client, keyPrefix: "flush" }).spend }),
    );
    await ledgers[0]!.setCaps({ tenant: "t" }, { microUsd: 123_456 });
    // Each connection loads the script once (EVAL), so the run below goes by EVALSHA and meets NOSCRIPT.
    await Promise.all(ledgers.map((ledger, i) => ledger.reserve({ tenant: `warm-${i}` }, { microUsd: 1 })));
    const run = await underFlushes(1000, (i) =>
      ledgers[i % 4]!.reserve({ tenant: "t", jobId: "j" }, { microUsd: 100 }),
    );
    expect(tally(run.results, BudgetExceededError.isInstance)).toEqual({
      admitted: 1000,
      refused: 0,
      others: [],
    });
    const run2 = await underFlushes(1000, (i) =>
      ledgers[i % 4]!.reserve({ tenant: "t", jobId: "j" }, { microUsd: 100 }),
    );
    // 1,234 x 100 fit under 123,456.
    expect(tally(run2.results, BudgetExceededError.isInstance)).toEqual({
      admitted: 234,
      refused: 766,
      others: [],
    });
    expect(run.noscripts + run2.noscripts).toBeGreaterThan(0);
  });
});
