import { describe } from "vitest";
import type { AdapterConformanceOptions } from "./conformance-context.js";
import { runJobStoreConformance } from "./job-store-conformance.js";

/**
 * Registers every port's conformance suite for one adapter as vitest `describe`/`it` blocks. Each
 * test gets a fresh adapter from `create` and closes it. Cases that need a capability the adapter
 * does not declare are registered as skipped, naming the capability.
 * @example
 * runAdapterConformance({
 *   name: "redis",
 *   create: async ({ eventRetention }) => createRedisAdapter({ client: new Redis(URL), keyPrefix: uniquePrefix(), eventRetention }),
 *   capabilities: { blockingRead: true },
 * });
 */
export function runAdapterConformance(options: AdapterConformanceOptions): void {
  describe(`adapter conformance: ${options.name}`, () => {
    runJobStoreConformance(options);
  });
}
