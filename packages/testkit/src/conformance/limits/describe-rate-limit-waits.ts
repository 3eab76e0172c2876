import { CancelledError, createRateLimiter, RateLimitedError, type RateLimitRule } from "@threadmill/core";
import { describe, expect, it } from "vitest";
import { type LimitsSuite, sleep, uniqueName } from "./limits-suite-context.js";

/** Concurrency holds (expiry, release) and waiting for a turn (maxWaitMs, signal). */
export function describeRateLimitWaits(suite: LimitsSuite): void {
  const limiterOf = (rules: readonly RateLimitRule[], maxWaitMs = 0) =>
    createRateLimiter({
      store: suite.stores().rateLimits,
      name: uniqueName("waits"),
      rules,
      maxWaitMs,
      pollMs: 20,
    });

  describe("holds and waiting", () => {
    it("gives a hold that is never released back after holdMs", async () => {
      const limiter = limiterOf([{ name: "inFlight", concurrency: 1, holdMs: 300 }]);
      const key = uniqueName("key");
      const started = performance.now();
      await limiter.acquire(key);
      const error = await limiter.acquire(key).catch((e: unknown) => e);
      expect(RateLimitedError.isInstance(error)).toBe(true);
      expect((error as RateLimitedError).retryAfterMs).toBeGreaterThan(0);
      expect((error as RateLimitedError).retryAfterMs).toBeLessThanOrEqual(300);
      await sleep(Math.max(0, 350 - (performance.now() - started)));
      expect((await limiter.acquire(key)).remaining).toEqual({ inFlight: 0 });
    });

    it("frees the slot at once on release, which is idempotent", async () => {
      const limiter = limiterOf([{ name: "inFlight", concurrency: 2, holdMs: 60_000 }]);
      const key = uniqueName("key");
      const a = await limiter.acquire(key);
      const b = await limiter.acquire(key);
      await expect(limiter.acquire(key)).rejects.toSatisfy(RateLimitedError.isInstance);
      await a.release();
      await a.release();
      const c = await limiter.acquire(key);
      expect(c.remaining).toEqual({ inFlight: 0 });
      await expect(limiter.acquire(key)).rejects.toSatisfy(RateLimitedError.isInstance);
      await Promise.all([b.release(), c.release()]);
    });

    it("waits within maxWaitMs for a released slot", async () => {
      const limiter = limiterOf([{ name: "inFlight", concurrency: 1, holdMs: 60_000 }], 5000);
      const key = uniqueName("key");
      const first = await limiter.acquire(key);
      const started = performance.now();
      const second = limiter.acquire(key);
      setTimeout(() => void first.release(), 150);
      await second;
      const waited = performance.now() - started;
      expect(waited).toBeGreaterThanOrEqual(140);
      expect(waited).toBeLessThan(2000);
    });

    it("waits for the budget to come back when maxWaitMs allows, and refuses at once when it does not", async () => {
      // 2 per 600 ms: once both are taken, the next unit is back about 300 ms later.
      const limiter = limiterOf([{ name: "requests", limit: 2, periodMs: 600 }], 2000);
      const key = uniqueName("key");
      await limiter.acquire(key, { requests: 2 });
      let started = performance.now();
      const error = await limiter.acquire(key, undefined, { maxWaitMs: 100 }).catch((e: unknown) => e);
      expect(RateLimitedError.isInstance(error)).toBe(true);
      expect(performance.now() - started).toBeLessThan(100);
      started = performance.now();
      await limiter.acquire(key);
      const waited = performance.now() - started;
      expect(waited).toBeGreaterThanOrEqual(150);
      expect(waited).toBeLessThan(1500);
    });

    it("rejects a waiting acquire with CancelledError when its signal aborts", async () => {
      const limiter = limiterOf([{ name: "requests", limit: 1, periodMs: 10_000 }], 30_000);
      const key = uniqueName("key");
      await limiter.acquire(key);
      const controller = new AbortController();
      const started = performance.now();
      setTimeout(() => controller.abort(), 100);
      const error = await limiter
        .acquire(key, undefined, { signal: controller.signal })
        .catch((e: unknown) => e);
      expect(CancelledError.isInstance(error)).toBe(true);
      expect(performance.now() - started).toBeLessThan(1000);
    });
  });
}
