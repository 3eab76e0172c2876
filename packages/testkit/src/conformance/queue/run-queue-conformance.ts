import { describe } from "vitest";
import type { AdapterConformanceOptions } from "../conformance-context.js";
import { describeQueueClaim } from "./describe-queue-claim.js";
import { describeQueueClaimOrder } from "./describe-queue-claim-order.js";
import {
  describeQueueCompleteAndClaim,
  describeQueueCompleteAndClaimFencing,
} from "./describe-queue-complete-and-claim.js";
import { describeQueueLeases } from "./describe-queue-leases.js";
import { describeQueueStaleLeases } from "./describe-queue-stale-leases.js";
import { describeQueueTerminalWrites } from "./describe-queue-terminal-writes.js";
import { describeQueueValidation } from "./describe-queue-validation.js";

/**
 * Registers the Queue contract as vitest cases: atomic claims with fencing epochs, expiry, extend,
 * release with `runAt`, priorities, named claims, the atomic terminal writes, and the
 * `completeAndClaim` fast path (see `requireCompleteAndClaim`).
 */
export function runQueueConformance(options: AdapterConformanceOptions): void {
  // The groups register their cases in this order, which fixes the vitest test ids: keep it.
  describe(`${options.name}: Queue`, () => {
    describeQueueClaim(options);
    describeQueueLeases(options);
    describeQueueClaimOrder(options);
    describeQueueTerminalWrites(options);
    describeQueueStaleLeases(options);
    describeQueueValidation(options);
    describeQueueCompleteAndClaim(options);
    describeQueueCompleteAndClaimFencing(options);
  });
}
