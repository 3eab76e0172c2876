import { describe } from "vitest";
import type { AdapterConformanceOptions } from "../conformance-context.js";
import { describeAdapterClose } from "./describe-adapter-close.js";
import { describeJobStoreCancel } from "./describe-job-store-cancel.js";
import { describeJobStoreCreate } from "./describe-job-store-create.js";
import { describeJobStoreKeys } from "./describe-job-store-keys.js";
import { describeJobStoreReads } from "./describe-job-store-reads.js";
import { describeJobStoreRetry } from "./describe-job-store-retry.js";
import { describeJobStoreTransition } from "./describe-job-store-transition.js";
import { describeJobStoreValidation } from "./describe-job-store-validation.js";

/**
 * Registers the JobStore contract as vitest cases: atomic create with idempotency and singleton
 * keys, read-back of every field, listing, cancel flags, compare-and-set transitions and retry.
 */
export function runJobStoreConformance(options: AdapterConformanceOptions): void {
  // The groups register their cases in this order, which fixes the vitest test ids: keep it.
  describe(`${options.name}: JobStore`, () => {
    describeJobStoreCreate(options);
    describeJobStoreKeys(options);
    describeJobStoreReads(options);
    describeAdapterClose(options);
    describeJobStoreCancel(options);
    describeJobStoreTransition(options);
    describeJobStoreRetry(options);
    describeJobStoreValidation(options);
  });
}
