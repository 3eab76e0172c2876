import { describe } from "vitest";
import type { AdapterConformanceOptions } from "../conformance-context.js";
import { describeClaimRaces } from "./describe-claim-races.js";
import { describeWriteRaces } from "./describe-write-races.js";

/**
 * Registers races between operations that touch the same job, each run several times, asserting that
 * every outcome is one of the serial orders: a stale worker's renewal against a new claim, a cancel
 * against a claim, a purge against a worker's writes (no resurrection), and a retry against a create
 * holding the same singleton key.
 */
export function runRaceConformance(options: AdapterConformanceOptions): void {
  // The groups register their cases in this order, which fixes the vitest test ids: keep it.
  describe(`${options.name}: races`, () => {
    describeClaimRaces(options);
    describeWriteRaces(options);
  });
}
