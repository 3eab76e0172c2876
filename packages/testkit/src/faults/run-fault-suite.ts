import { afterEach, describe } from "vitest";
import type { Adapter } from "@threadmill/core";
import { describeCrashLoop } from "./fault-suite/describe-crash-loop.js";
import { describeServerlessSlices } from "./fault-suite/describe-serverless-slices.js";
import { describeUnitTooLong } from "./fault-suite/describe-unit-too-long.js";
import { describeZombieWrites } from "./fault-suite/describe-zombie-writes.js";
import { createFaultSuiteContext } from "./fault-suite/fault-suite-context.js";

/** Options of `runFaultSuite`. */
export interface FaultSuiteOptions {
  /** Shown in the suite's title. */
  readonly name: string;
  /** A fresh, isolated adapter (its own key prefix or schema) holding no job. */
  readonly create: () => Promise<Adapter>;
  /** Lease length of the runners under test (ms): long enough for a few store round trips. @default 400 */
  readonly leaseMs?: number;
  /** fast-check runs of each property. @default 8 */
  readonly numRuns?: number;
}

/**
 * The runner's fault-injection suite on any adapter: a zombie frozen mid-write whose late writes are
 * rejected, the same at every store call (a property), a job driven through killed and overrunning
 * serverless invocations ending with exactly an uninterrupted run's chunks and counts (a property),
 * a crash loop dead-lettered after `maxAttempts`, and a unit too long for any invocation failing the job. Registers vitest `describe`/`it` blocks.
 * @example
 * runFaultSuite({ name: "redis", create: async () => createRedisAdapter({ client, keyPrefix: uniquePrefix() }) });
 */
export function runFaultSuite(options: FaultSuiteOptions): void {
  const context = createFaultSuiteContext({
    create: options.create,
    leaseMs: options.leaseMs ?? 400,
    numRuns: options.numRuns ?? 8,
  });
  // The groups register their cases in this order, which fixes the vitest test ids: keep it.
  describe(`runner fault injection: ${options.name}`, () => {
    afterEach(context.closeOpened);
    describeZombieWrites(context);
    describeServerlessSlices(context);
    describeCrashLoop(context);
    describeUnitTooLong(context);
  });
}
