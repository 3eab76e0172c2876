import { describeSpendBursts } from "./describe-spend-bursts.js";
import { describeSpendDurability } from "./describe-spend-durability.js";
import { describeSpendReads } from "./describe-spend-reads.js";
import { describeSpendSettle } from "./describe-spend-settle.js";
import type { LimitsConformanceOptions } from "./limits-conformance-options.js";
import { describeLimitsSuite } from "./limits-suite-context.js";

/**
 * Registers the `SpendLedgerStore` conformance suite, run through `createSpendLedger`: exact
 * admission of concurrent reservations from 4 processes against tenant and job caps, settling, a
 * dead worker's reservation charged when it expires, reads, caps, tenant isolation and restarts.
 * @example
 * import { runSpendLedgerConformance } from "@threadmill/testkit/vitest";
 *
 * runSpendLedgerConformance({
 *   name: "postgres",
 *   open: () => openPostgresLimits(),
 *   durable: true,
 *   processModule: fileURLToPath(new URL("./limits-process.ts", import.meta.url)),
 * });
 */
export function runSpendLedgerConformance(options: LimitsConformanceOptions): void {
  describeLimitsSuite("spend ledger conformance", options, (suite) => {
    describeSpendBursts(suite);
    describeSpendSettle(suite);
    describeSpendReads(suite);
    describeSpendDurability(suite);
  });
}
