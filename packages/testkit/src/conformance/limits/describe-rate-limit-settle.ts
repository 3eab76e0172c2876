import { createRateLimiter, RateLimitedError, type RateLimitRule } from "@threadmill/core";
import { describe, expect, it } from "vitest";
import { type LimitsSuite, sleep, uniqueName } from "./limits-suite-context.js";

const HOUR = 3_600_000;

/** Refunds and late charges through `hold.settle`. */
export function describeRateLimitSettle(suite: LimitsSuite): void {
  const limiterOf = (rules: readonly RateLimitRule[]) =>
    createRateLimiter({ store: suite.stores().rateLimits, name: uniqueName("settle"), rules, maxWaitMs: 0 });
  const left = async (limiter: ReturnType<typeof limiterOf>, key: string) =>
    (await limiter.acquire(key, { tokens: 0 })).remaining.tokens;

  describe("settle", () => {
    it("gives back what a call reserved and did not use", async () => {
      const limiter = limiterOf([{ name: "tokens", limit: 10, periodMs: HOUR }]);
      const key = uniqueName("key");
      const hold = await limiter.acquire(key, { tokens: 8 });
      expect(hold.remaining).toEqual({ tokens: 2 });
      await hold.settle({ tokens: 2 });
      expect(await left(limiter, key)).toBe(8);
      // Only the first settle counts.
      await hold.settle({ tokens: 0 });
      expect(await left(limiter, key)).toBe(8);
    });

    it("never refunds past a full bucket: after a refund bigger than what is still charged, the burst and no more is admitted", async () => {
      // 300 ms per unit; after 700 ms two units are back, so refunding all 10 would overfill by 2.
      const limiter = limiterOf([{ name: "tokens", limit: 10, periodMs: 3000 }]);
      const key = uniqueName("key");
      const hold = await limiter.acquire(key, { tokens: 10 });
      await sleep(700);
      await hold.settle({ tokens: 0 });
      expect(await left(limiter, key)).toBe(10);
      await limiter.acquire(key, { tokens: 10 });
      await expect(limiter.acquire(key, { tokens: 1 })).rejects.toSatisfy(RateLimitedError.isInstance);
    });

    it("charges units used beyond the reservation, even past the limit", async () => {
      const limiter = limiterOf([{ name: "tokens", limit: 10, periodMs: HOUR }]);
      const key = uniqueName("key");
      await (await limiter.acquire(key, { tokens: 3 })).settle({ tokens: 5 });
      expect(await left(limiter, key)).toBe(5);
      await (await limiter.acquire(key, { tokens: 5 })).settle({ tokens: 8 });
      // 13 of 10 used: one more unit waits until 4 units have come back.
      const error = await limiter.acquire(key, { tokens: 1 }).catch((e: unknown) => e);
      expect(RateLimitedError.isInstance(error)).toBe(true);
      const emissionMs = HOUR / 10;
      expect((error as RateLimitedError).retryAfterMs).toBeGreaterThan(3 * emissionMs);
      expect((error as RateLimitedError).retryAfterMs).toBeLessThanOrEqual(4 * emissionMs);
    });

    it("keeps the reservation of a rule left out of settle, and leaves concurrency holds to release", async () => {
      const limiter = limiterOf([
        { name: "requests", limit: 10, periodMs: HOUR },
        { name: "tokens", limit: 10, periodMs: HOUR },
        { name: "inFlight", concurrency: 1, holdMs: 60_000 },
      ]);
      const key = uniqueName("key");
      const hold = await limiter.acquire(key, { requests: 1, tokens: 6 });
      await hold.settle({ tokens: 1 });
      await expect(limiter.acquire(key, { requests: 0, tokens: 0 })).rejects.toSatisfy(
        RateLimitedError.isInstance,
      );
      await hold.release();
      const probe = await limiter.acquire(key, { requests: 0, tokens: 0 });
      expect(probe.remaining).toEqual({ requests: 9, tokens: 9, inFlight: 0 });
    });
  });
}
