import { createRateLimiter, RateLimitedError } from "@threadmill/core";
import { describe, expect, it } from "vitest";
import { type LimitsSuite, uniqueName } from "./limits-suite-context.js";

const HOUR = 3_600_000;

/** A store whose scripts are cached server-side (Redis) still decides exactly after the cache is emptied. */
export function describeRateLimitScriptFlush(suite: LimitsSuite): void {
  const { flushScripts } = suite.options;
  const title =
    "decides exactly when the script cache is flushed mid-burst, and settles and releases after it";

  describe("script cache", () => {
    if (!flushScripts) {
      it.skip(`${title} [needs the flushScripts option: this store caches no scripts]`, () => {});
      return;
    }
    it(title, async () => {
      const limiter = createRateLimiter({
        store: suite.stores().rateLimits,
        name: uniqueName("flush"),
        rules: [
          { name: "requests", limit: 40, periodMs: HOUR },
          { name: "inFlight", concurrency: 1000, holdMs: 60_000 },
        ],
        maxWaitMs: 0,
      });
      const key = uniqueName("key");
      const calls = () => Array.from({ length: 50 }, () => limiter.acquire(key));
      const before = calls();
      await flushScripts();
      const after = calls();
      const outcomes = await Promise.allSettled([...before, ...after]);
      const holds = outcomes.flatMap((o) => (o.status === "fulfilled" ? [o.value] : []));
      const refusals = outcomes.flatMap((o) => (o.status === "rejected" ? [o.reason as unknown] : []));
      expect(refusals.filter((e) => !RateLimitedError.isInstance(e))).toEqual([]);
      expect(holds).toHaveLength(40);

      await flushScripts();
      await holds[0]!.settle({ requests: 0 });
      await flushScripts();
      await Promise.all(holds.map((hold) => hold.release()));
      const probe = await limiter.acquire(key, { requests: 0 });
      expect(probe.remaining).toEqual({ requests: 1, inFlight: 999 });
    });
  });
}
