import { beforeAll, beforeEach, describe } from "vitest";
import { type AdapterConformanceOptions, DEFAULT_RETENTION } from "../conformance-context.js";
import { describeRecordFencing } from "./describe-record-fencing.js";
import { describeRecordIsolation } from "./describe-record-isolation.js";
import { describeRecordLibrary } from "./describe-record-library.js";
import { describeRecordListing } from "./describe-record-listing.js";
import { describeRecordPurges } from "./describe-record-purges.js";
import { describeRecordUpserts } from "./describe-record-upserts.js";
import { KINDS, type SinkKind } from "./record-store-context.js";

/**
 * Registers the ConversationStore, ChunkStore, FactStore and LibraryStore contracts as vitest cases: exact read-back
 * of every field (seed 004's silent column loss), idempotent upserts, per-job membership with shared
 * records, listing and paging, fencing when declared, the store-level purges, and the tenant's
 * library (atomic membership changes, held records, library membership being no reference).
 */
export function runRecordStoreConformance(options: AdapterConformanceOptions): void {
  const fencedSinks = options.capabilities?.fencedSinks === true;

  for (const kind of KINDS) {
    // The groups register their cases in this order, which fixes the vitest test ids: keep it.
    describe(`${options.name}: ${kind.title}`, () => {
      if (kind.port === "facts" && options.requireFacts !== true) skipUnlessPresent(options, kind);
      if (kind.port === "library" && options.requireLibrary !== true) skipUnlessPresent(options, kind);
      const context = { options, kind, fencedSinks };
      describeRecordUpserts(context);
      describeRecordListing(context);
      describeRecordIsolation(context);
      describeRecordFencing(context);
      describeRecordPurges(context);
      describeRecordLibrary(context);
    });
  }
}

/** Skips the kind's cases when the adapter has no such store (optional for adapters of users). */
function skipUnlessPresent(options: AdapterConformanceOptions, kind: SinkKind): void {
  let present = false;
  beforeAll(async () => {
    const probe = await options.create({ eventRetention: DEFAULT_RETENTION });
    present = probe[kind.port] !== undefined;
    await probe.close();
  });
  beforeEach((context) => {
    context.skip(
      !present,
      `the adapter has no adapter.${kind.port} (optional for your own adapters; requireFacts / requireLibrary make it fail)`,
    );
  });
}
