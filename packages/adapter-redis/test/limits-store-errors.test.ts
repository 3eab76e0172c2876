// A Redis that is down (a client to a closed port, retries off): every rate limit and spend call
// fails with StorageError, never with anything that looks like a rate limit or a budget, and the
// limiter's onStoreError decides what a caller sees.
import { createServer } from "node:net";
import {
  BudgetExceededError,
  createRateLimiter,
  createSpendLedger,
  RateLimitedError,
  StorageError,
} from "@threadmill/core";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { createRedisAdapter } from "../src/index.js";

const port = await new Promise<number>((resolve, reject) => {
  const server = createServer();
  server.once("error", reject);
  server.listen(0, "127.0.0.1", () => {
    const address = server.address();
    server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
  });
});

/** Resolves with what `run` rejected with; fails the test when it resolves. */
async function failureOf(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error("expected a failure");
}

function expectStorageError(error: unknown): void {
  expect(StorageError.isInstance(error), String(error)).toBe(true);
  expect(RateLimitedError.isInstance(error)).toBe(false);
  expect(BudgetExceededError.isInstance(error)).toBe(false);
  expect((error as StorageError).adapter).toBe("redis");
}

describe("limits on a Redis that is down", () => {
  const client = new Redis({
    host: "127.0.0.1",
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1_000,
  });
  client.on("error", () => {});
  const adapter = createRedisAdapter({ client, keyPrefix: "down" });
  const rules = [
    { name: "requests", limit: 10, periodMs: 1_000 },
    { name: "inFlight", concurrency: 2, holdMs: 1_000 },
  ];
  afterAll(() => client.disconnect());

  it("fails every store call with StorageError", async () => {
    const { rateLimits, spend } = adapter;
    const charge = { kind: "rate", key: "k:r:x", emissionMs: 100, toleranceMs: 1_000, cost: 1 } as const;
    const calls: (() => Promise<unknown>)[] = [
      () => rateLimits.acquire({ limiter: "l", charges: [charge], holdId: "h" }),
      () => rateLimits.adjust({ limiter: "l", adjustments: [{ key: "k:r:x", emissionMs: 100, delta: -1 }] }),
      () => rateLimits.release({ limiter: "l", keys: ["k:c:x"], holdId: "h" }),
      () => spend.setCaps({ tenant: "t" }, { microUsd: 1 }),
      () =>
        spend.reserve({ id: "r", scope: { tenant: "t" }, amount: { microUsd: 1, tokens: 0 }, ttlMs: 1_000 }),
      () => spend.settle({ tenant: "t", id: "r", actual: { microUsd: 1, tokens: 0 } }),
      () => spend.read({ tenant: "t", jobId: "j" }),
    ];
    for (const call of calls) expectStorageError(await failureOf(call));
  });

  it('rejects with that StorageError under onStoreError "deny" (the default)', async () => {
    const limiter = createRateLimiter({ store: adapter.rateLimits, rules, onStoreError: "deny" });
    expectStorageError(await failureOf(() => limiter.acquire("model")));
    const ledger = createSpendLedger({ store: adapter.spend });
    expectStorageError(await failureOf(() => ledger.reserve({ tenant: "t" }, { microUsd: 5 })));
  });

  it('lets the call through unchecked under onStoreError "allow"', async () => {
    const limiter = createRateLimiter({ store: adapter.rateLimits, rules, onStoreError: "allow" });
    const hold = await limiter.acquire("model");
    expect(hold.checked).toBe(false);
    await hold.settle({ requests: 0 });
    await hold.release();
  });
});
