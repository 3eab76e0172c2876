import { createRateLimiter, type RateLimitRule } from "@threadmill/core";
import { describe, expect, it } from "vitest";
import { FLEET_CASE_TIMEOUT_MS } from "./limits-fleet.js";
import type { AcquireBurstPhase, AcquireBurstResult } from "./limits-phases.js";
import { type LimitsSuite, uniqueName, withFlippingClock } from "./limits-suite-context.js";

const HOUR = 3_600_000;
const MONTH = 30 * 24 * HOUR;

/** Asserts the participants admitted `admitted` in all and refused the rest with well-formed RateLimitedErrors. */
function expectAdmitted(results: readonly AcquireBurstResult[], calls: number, admitted: number) {
  const sum = (count: (r: AcquireBurstResult) => number) => results.reduce((total, r) => total + count(r), 0);
  expect({
    admitted: sum((r) => r.admitted),
    rateLimited: sum((r) => r.rateLimited),
    other: results.flatMap((r) => r.other),
    retryAfterMsOutOfRange: results.flatMap((r) => r.badRetry),
  }).toEqual({ admitted, rateLimited: calls - admitted, other: [], retryAfterMsOutOfRange: [] });
}

function burst(fields: Omit<AcquireBurstPhase, "kind">): AcquireBurstPhase {
  return { kind: "acquireBurst", ...fields };
}

/**
 * Exact admission under concurrent bursts from 4 processes (or 4 concurrent stand-ins in one), with
 * their wall clocks 2 s apart: the store decides on its own clock, atomically.
 */
export function describeRateLimitBursts(suite: LimitsSuite): void {
  const where = suite.options.processModule ? "4 processes" : "one process (no processModule)";

  describe(`concurrent bursts from ${where}`, { timeout: FLEET_CASE_TIMEOUT_MS }, () => {
    it("admits exactly 100 of 1,000 concurrent acquires against 100 per hour with a burst of 100", async () => {
      const fleet = await suite.fleet();
      const rules: RateLimitRule[] = [{ name: "requests", limit: 100, periodMs: HOUR, burst: 100 }];
      const phase = burst({
        limiter: uniqueName("burst"),
        rules,
        key: uniqueName("model"),
        calls: 1000 / fleet.size,
        maxRetryAfterMs: HOUR / 100,
      });
      const results = await fleet.runAll(() => phase);
      expectAdmitted(results, 1000, 100);
      const limiter = createRateLimiter({ store: suite.stores().rateLimits, name: phase.limiter, rules });
      const probe = await limiter.acquire(phase.key, { requests: 0 }, { maxWaitMs: 0 });
      expect(probe.remaining).toEqual({ requests: 0 });
    });

    it("admits exactly 100 of 1,000 three-dimension acquires where output tokens run out, recording nothing of the refused ones", async () => {
      const fleet = await suite.fleet();
      // Monthly periods: nothing comes back while the test runs, so every remaining below is exact.
      const rules: RateLimitRule[] = [
        { name: "requests", limit: 1000, periodMs: MONTH },
        { name: "inputTokens", limit: 100_000, periodMs: MONTH },
        { name: "outputTokens", limit: 10_000, periodMs: MONTH },
      ];
      const cost = { requests: 1, inputTokens: 500, outputTokens: 100 };
      const phase = burst({
        limiter: uniqueName("tokens"),
        rules,
        key: uniqueName("model"),
        cost,
        calls: 1000 / fleet.size,
        maxRetryAfterMs: (MONTH / 10_000) * 100,
      });
      const results = await fleet.runAll(() => phase);
      expectAdmitted(results, 1000, 100);
      const limiter = createRateLimiter({ store: suite.stores().rateLimits, name: phase.limiter, rules });
      const probe = await limiter.acquire(
        phase.key,
        { requests: 0, inputTokens: 0, outputTokens: 0 },
        { maxWaitMs: 0 },
      );
      expect(probe.remaining).toEqual({ requests: 900, inputTokens: 50_000, outputTokens: 0 });
    });

    it("admits exactly 5 per 10 s from processes whose Date.now differ by 2 s (one emission interval)", async () => {
      const fleet = await suite.fleet();
      // 2 s is one unit of this rule: on the callers' clocks, a process ahead would find a sixth unit,
      // or (when it charged first) the others would be told to wait about 2 s longer than one unit.
      const phase = burst({
        limiter: uniqueName("skew"),
        rules: [{ name: "requests", limit: 5, periodMs: 10_000 }],
        key: uniqueName("model"),
        calls: 40,
        maxRetryAfterMs: 2000,
      });
      const run = () => fleet.runAll(() => phase);
      const results = fleet.separate ? await run() : await withFlippingClock(run);
      expectAdmitted(results, 40 * fleet.size, 5);
    });
  });
}
