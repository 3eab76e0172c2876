import { createRateLimiter, RateLimitedError, type RateLimitRule } from "@threadmill/core";
import { describe, expect, it } from "vitest";
import { type LimitsSuite, uniqueName } from "./limits-suite-context.js";

const HOUR = 3_600_000;

/** `promise`'s rejection, which must be a RateLimitedError. */
async function refusal(promise: Promise<unknown>): Promise<RateLimitedError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!RateLimitedError.isInstance(error)) {
    throw new Error(
      `expected a RateLimitedError, got ${error === undefined ? "an admission" : String(error)}`,
    );
  }
  return error;
}

/** Costs, refusals, `remaining`, `retryAfterMs` and scopes, one call at a time. */
export function describeRateLimitCosts(suite: LimitsSuite): void {
  const limiterOf = (rules: readonly RateLimitRule[], name = uniqueName("limiter")) =>
    createRateLimiter({ store: suite.stores().rateLimits, name, rules, maxWaitMs: 0 });

  describe("costs and refusals", () => {
    it("refuses a cost above what remains, consuming nothing, then admits a smaller one", async () => {
      const limiter = limiterOf([{ name: "tokens", limit: 10, periodMs: HOUR }]);
      const key = uniqueName("key");
      expect((await limiter.acquire(key, { tokens: 7 })).remaining).toEqual({ tokens: 3 });
      await refusal(limiter.acquire(key, { tokens: 4 }));
      await refusal(limiter.acquire(key, { tokens: 4 }));
      expect((await limiter.acquire(key, { tokens: 0 })).remaining).toEqual({ tokens: 3 });
      expect((await limiter.acquire(key, { tokens: 3 })).remaining).toEqual({ tokens: 0 });
      await refusal(limiter.acquire(key, { tokens: 1 }));
    });

    it("records nothing in the other dimensions when one refuses", async () => {
      const limiter = limiterOf([
        { name: "requests", limit: 10, periodMs: HOUR },
        { name: "tokens", limit: 100, periodMs: HOUR },
        { name: "inFlight", concurrency: 2, holdMs: 60_000 },
      ]);
      const key = uniqueName("key");
      const first = await limiter.acquire(key, { requests: 1, tokens: 90 });
      expect(first.remaining).toEqual({ requests: 9, tokens: 10, inFlight: 1 });
      const error = await refusal(limiter.acquire(key, { requests: 5, tokens: 20 }));
      expect(error.message).toContain("(tokens)");
      // Neither the requests nor the concurrency slot of the refused call was taken.
      const next = await limiter.acquire(key, { requests: 9, tokens: 10 });
      expect(next.remaining).toEqual({ requests: 0, tokens: 0, inFlight: 0 });
    });

    it("reports remaining per charge in request order, and which charges refused, from the store", async () => {
      const { rateLimits } = suite.stores();
      const limiter = uniqueName("raw");
      const charges = [
        { kind: "rate", key: "k:a:x", emissionMs: 1000, toleranceMs: 5000, cost: 2 },
        { kind: "concurrency", key: "k:c:x", limit: 3, holdMs: 60_000 },
        { kind: "rate", key: "k:b:x", emissionMs: 1000, toleranceMs: 4000, cost: 4 },
      ] as const;
      const admitted = await rateLimits.acquire({ limiter, holdId: "h1", charges: [...charges] });
      expect(admitted).toEqual({ allowed: true, retryAfterMs: 0, remaining: [3, 2, 0], denied: [] });
      const denied = await rateLimits.acquire({ limiter, holdId: "h2", charges: [...charges] });
      expect(denied.allowed).toBe(false);
      expect(denied.denied).toEqual([2]);
      // Denied: what every charge has left now, the admitting ones included; nothing was recorded.
      expect(denied.remaining).toEqual([3, 2, 0]);
      expect(denied.retryAfterMs).toBeGreaterThan(3000);
      expect(denied.retryAfterMs).toBeLessThanOrEqual(4000);
    });

    it("gives a retryAfterMs above 0 and at most the emission interval times the cost", async () => {
      // 1 unit per second: after the burst, a cost of 3 needs about 3 s, a cost of 1 about 1 s.
      const limiter = limiterOf([{ name: "requests", limit: 10, periodMs: 10_000 }]);
      const key = uniqueName("key");
      await limiter.acquire(key, { requests: 10 });
      const three = await refusal(limiter.acquire(key, { requests: 3 }));
      expect(three.retryAfterMs).toBeGreaterThan(2000);
      expect(three.retryAfterMs).toBeLessThanOrEqual(3000);
      const one = await refusal(limiter.acquire(key, { requests: 1 }));
      expect(one.retryAfterMs).toBeGreaterThan(0);
      expect(one.retryAfterMs).toBeLessThanOrEqual(1000);
    });

    it("shares a global rule across keys and keeps a key rule per key", async () => {
      const limiter = limiterOf([
        { name: "perKey", limit: 3, periodMs: HOUR },
        { name: "all", limit: 5, periodMs: HOUR, scope: "global" },
      ]);
      const [a, b] = [uniqueName("a"), uniqueName("b")];
      for (let i = 0; i < 3; i += 1) await limiter.acquire(a);
      expect((await refusal(limiter.acquire(a))).message).toContain("(perKey)");
      expect((await limiter.acquire(b)).remaining).toEqual({ perKey: 2, all: 1 });
      expect((await limiter.acquire(b)).remaining).toEqual({ perKey: 1, all: 0 });
      expect((await refusal(limiter.acquire(b))).message).toContain("(all)");
    });

    it("keeps limiters of different names apart and shares one name between instances", async () => {
      const rules: RateLimitRule[] = [{ name: "requests", limit: 2, periodMs: HOUR }];
      const name = uniqueName("shared");
      const key = uniqueName("key");
      await limiterOf(rules, name).acquire(key, { requests: 2 });
      await refusal(limiterOf(rules, name).acquire(key));
      expect((await limiterOf(rules).acquire(key)).remaining).toEqual({ requests: 1 });
    });
  });
}
