import { describe } from "vitest";
import { runAdminConformance } from "./admin/run-admin-conformance.js";
import { runCheckpointStoreConformance } from "./checkpoint-store-conformance.js";
import type { AdapterConformanceOptions } from "./conformance-context.js";
import { runEventLogConformance } from "./event-log/run-event-log-conformance.js";
import { runJobStoreConformance } from "./job-store/run-job-store-conformance.js";
import { runPurgeConformance } from "./purge/run-purge-conformance.js";
import { runQueueConformance } from "./queue/run-queue-conformance.js";
import { runRaceConformance } from "./race/run-race-conformance.js";
import { runRecordStoreConformance } from "./record-store/run-record-store-conformance.js";
import { runReimportConformance } from "./reimport/run-reimport-conformance.js";
import { runTenantIsolationConformance } from "./tenant-isolation/run-tenant-isolation-conformance.js";

/**
 * Registers every port's conformance suite for one adapter as vitest `describe`/`it` blocks: JobStore,
 * Queue, CheckpointStore, EventLog, ConversationStore, ChunkStore, FactStore and LibraryStore (see
 * `requireFacts`, `requireLibrary`), purge, tenant isolation, races, a re-import through the runner, and `admin` (see `requireAdmin`).
 * Each test gets a fresh adapter from `create` and closes it. Cases that need a capability the
 * adapter does not declare are registered as skipped, with the capability named in the title.
 * @example
 * import { runAdapterConformance } from "@threadmill/testkit/vitest";
 *
 * runAdapterConformance({
 *   name: "redis",
 *   create: async ({ eventRetention }) =>
 *     createRedisAdapter({ client: new Redis(REDIS_URL), keyPrefix: uniquePrefix(), eventRetention }),
 *   capabilities: { blockingRead: true },
 * });
 */
export function runAdapterConformance(options: AdapterConformanceOptions): void {
  describe(`adapter conformance: ${options.name}`, () => {
    runJobStoreConformance(options);
    runQueueConformance(options);
    runCheckpointStoreConformance(options);
    runEventLogConformance(options);
    runRecordStoreConformance(options);
    runPurgeConformance(options);
    runTenantIsolationConformance(options);
    runRaceConformance(options);
    runReimportConformance(options);
    runAdminConformance(options);
  });
}
