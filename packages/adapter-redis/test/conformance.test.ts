import { runAdapterConformance } from "@threadmill/testkit/vitest";
import { afterAll, describe, it } from "vitest";
import { createRedisAdapter } from "../src/index.js";
import { tenantEntryCounter } from "./tenant-entries.js";
import { deletePrefix, newClient, redisAvailable, uniquePrefix } from "./redis-env.js";

if (redisAvailable) {
  const client = newClient();
  const prefixes: string[] = [];
  afterAll(async () => {
    for (const prefix of prefixes) await deletePrefix(client, prefix);
    client.disconnect();
  });
  runAdapterConformance({
    name: "redis",
    create: async ({ eventRetention }) => {
      const keyPrefix = uniquePrefix("conf");
      prefixes.push(keyPrefix);
      return createRedisAdapter({ client, keyPrefix, eventRetention });
    },
    capabilities: { blockingRead: true, fencedSinks: true },
    requireFacts: true,
    requireLibrary: true,
    requireAdmin: true,
    requireCompleteAndClaim: true,
    countTenantEntries: tenantEntryCounter(client),
  });
} else {
  describe("adapter conformance: redis", () => {
    it.skip("needs Redis at 127.0.0.1:6379 (REDIS_URL); set CI=true to make its absence fail", () => {});
  });
}
