import { createMemoryAdapter } from "@threadmill/adapter-memory";
import { describe, expect, it, vi } from "vitest";
import type { RateLimitStore } from "../ports/rate-limit-store.js";
import { createRateLimiter } from "./create-rate-limiter.js";

/** The memory store with its adjust and release spied on. */
function spiedStore() {
  const inner = createMemoryAdapter().rateLimits!;
  const store: RateLimitStore = {
    acquire: (request) => inner.acquire(request),
    adjust: vi.fn((request) => inner.adjust(request)),
    release: vi.fn((request) => inner.release(request)),
  };
  return store;
}

const HOUR = 3_600_000;

describe("RateLimitHold.settle", () => {
  const limiterOf = (store: RateLimitStore) =>
    createRateLimiter({
      store,
      name: "hold",
      maxWaitMs: 0,
      rules: [
        { name: "requests", limit: 10, periodMs: HOUR },
        { name: "tokens", limit: 100, periodMs: HOUR },
        { name: "inFlight", concurrency: 5, holdMs: HOUR },
      ],
    });

  it("sends one adjustment per rate rule whose use differs from its reservation", async () => {
    const store = spiedStore();
    const hold = await limiterOf(store).acquire("k", { tokens: 40 });
    await hold.settle({ requests: 1, tokens: 25 });
    expect(store.adjust).toHaveBeenCalledOnce();
    expect(store.adjust).toHaveBeenCalledWith({
      limiter: "hold",
      adjustments: [{ key: "k:tokens:k", group: "k:k", emissionMs: HOUR / 100, delta: -15 }],
    });
  });

  it("asks the store nothing when use equals the reservation, and counts only the first settle", async () => {
    const store = spiedStore();
    const limiter = limiterOf(store);
    await (await limiter.acquire("k", { tokens: 40 })).settle({ tokens: 40 });
    const hold = await limiter.acquire("k", { tokens: 10 });
    await hold.settle({ tokens: 5 });
    await hold.settle({ tokens: 0 });
    expect(store.adjust).toHaveBeenCalledOnce();
    expect((await limiter.acquire("k", { requests: 0, tokens: 0 })).remaining).toMatchObject({ tokens: 55 });
  });

  it("rejects a name that is not a rate rule, or an amount that is not an integer >= 0, and stays unsettled", async () => {
    const store = spiedStore();
    const limiter = limiterOf(store);
    const hold = await limiter.acquire("k", { tokens: 40 });
    await expect(hold.settle({ token: 10 })).rejects.toThrow(
      /^\[threadmill\] \[ratelimit\] actual names "token", which is not a rate rule\.$/,
    );
    await expect(hold.settle({ inFlight: 0 })).rejects.toThrow(/actual names "inFlight"/);
    await expect(hold.settle({ tokens: -1 })).rejects.toThrow(
      /actual\.tokens must be an integer >= 0 \(got -1\)/,
    );
    await expect(hold.settle({ tokens: 2.5 })).rejects.toThrow(RangeError);
    expect(store.adjust).not.toHaveBeenCalled();
    // The corrected call still counts.
    await hold.settle({ tokens: 10 });
    expect((await limiter.acquire("k", { requests: 0, tokens: 0 })).remaining).toMatchObject({ tokens: 90 });
  });
});

describe("RateLimitHold.release", () => {
  it("ends the hold on every concurrency rule once, and asks nothing of a limiter without one", async () => {
    const store = spiedStore();
    const limiter = createRateLimiter({
      store,
      name: "rel",
      rules: [
        { name: "perKey", concurrency: 1, holdMs: HOUR },
        { name: "all", concurrency: 10, holdMs: HOUR, scope: "global" },
      ],
    });
    const hold = await limiter.acquire("k");
    await hold.release();
    await hold.release();
    expect(store.release).toHaveBeenCalledOnce();
    expect(store.release).toHaveBeenCalledWith({
      limiter: "rel",
      keys: ["k:perKey:k", "g:all"],
      holdId: expect.any(String),
    });
    expect((await limiter.acquire("k", undefined, { maxWaitMs: 0 })).remaining).toEqual({
      perKey: 0,
      all: 9,
    });

    const rateOnly = createRateLimiter({ store, rules: [{ name: "r", limit: 1, periodMs: 1000 }] });
    await (await rateOnly.acquire("k")).release();
    expect(store.release).toHaveBeenCalledOnce();
  });
});
