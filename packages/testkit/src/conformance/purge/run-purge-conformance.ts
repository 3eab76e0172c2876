import { describe } from "vitest";
import type { AdapterConformanceOptions } from "../conformance-context.js";
import { describePurgeBoundaries } from "./describe-purge-boundaries.js";
import { describePurgeJob } from "./describe-purge-job.js";
import { describePurgeRawEntries } from "./describe-purge-raw-entries.js";

/**
 * Registers the purge contract (users who ask to be forgotten) as vitest cases: `purge` and
 * `purgeTenant` leave nothing of the job or tenant behind, read back through every port, while
 * other jobs' shared records and other tenants survive.
 */
export function runPurgeConformance(options: AdapterConformanceOptions): void {
  // The groups register their cases in this order, which fixes the vitest test ids: keep it.
  describe(`${options.name}: purge`, () => {
    describePurgeJob(options);
    describePurgeRawEntries(options);
    describePurgeBoundaries(options);
  });
}
