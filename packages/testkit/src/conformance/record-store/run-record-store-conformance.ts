import { describe } from "vitest";
import type { AdapterConformanceOptions } from "../conformance-context.js";
import { describeRecordFencing } from "./describe-record-fencing.js";
import { describeRecordIsolation } from "./describe-record-isolation.js";
import { describeRecordListing } from "./describe-record-listing.js";
import { describeRecordPurges } from "./describe-record-purges.js";
import { describeRecordUpserts } from "./describe-record-upserts.js";
import { KINDS } from "./record-store-context.js";

/**
 * Registers the ConversationStore and ChunkStore contracts as vitest cases: exact read-back of every
 * field (seed 004's silent column loss), idempotent upserts, per-job membership with shared records,
 * listing and paging, fencing when declared, and the store-level purges.
 */
export function runRecordStoreConformance(options: AdapterConformanceOptions): void {
  const fencedSinks = options.capabilities?.fencedSinks === true;

  for (const kind of KINDS) {
    // The groups register their cases in this order, which fixes the vitest test ids: keep it.
    describe(`${options.name}: ${kind.port === "chunks" ? "ChunkStore" : "ConversationStore"}`, () => {
      const context = { options, kind, fencedSinks };
      describeRecordUpserts(context);
      describeRecordListing(context);
      describeRecordIsolation(context);
      describeRecordFencing(context);
      describeRecordPurges(context);
    });
  }
}
