import { describeRateLimitBursts } from "./describe-rate-limit-bursts.js";
import { describeRateLimitCosts } from "./describe-rate-limit-costs.js";
import { describeRateLimitScriptFlush } from "./describe-rate-limit-script-flush.js";
import { describeRateLimitSettle } from "./describe-rate-limit-settle.js";
import { describeRateLimitWaits } from "./describe-rate-limit-waits.js";
import type { LimitsConformanceOptions } from "./limits-conformance-options.js";
import { describeLimitsSuite } from "./limits-suite-context.js";

/**
 * Registers the `RateLimitStore` conformance suite, run through `createRateLimiter`: exact admission
 * of concurrent bursts from 4 processes with skewed clocks (one or several dimensions), costs,
 * refusals that record nothing, refunds and late charges, holds, waiting, and a flushed script cache.
 * @example
 * import { runRateLimitStoreConformance } from "@threadmill/testkit/vitest";
 *
 * runRateLimitStoreConformance({
 *   name: "redis",
 *   open: () => openRedisLimits(),
 *   durable: true,
 *   processModule: fileURLToPath(new URL("./limits-process.ts", import.meta.url)),
 *   flushScripts: () => admin.script("FLUSH").then(() => {}),
 * });
 */
export function runRateLimitStoreConformance(options: LimitsConformanceOptions): void {
  describeLimitsSuite("rate limit store conformance", options, (suite) => {
    describeRateLimitBursts(suite);
    describeRateLimitCosts(suite);
    describeRateLimitSettle(suite);
    describeRateLimitWaits(suite);
    describeRateLimitScriptFlush(suite);
  });
}
