// testkit's fault-injection suite for the runner on this adapter (zombie writes rejected at every store
// call, killed and overrunning serverless slices, a crash loop dead-lettered, a unit too long for any
// invocation), on the shared Redis.
import { runFaultSuite } from "@threadmill/testkit/vitest";
import { afterAll, describe, it } from "vitest";
import { createRedisAdapter } from "../src/index.js";
import { deletePrefix, newClient, redisAvailable, uniquePrefix } from "./redis-env.js";

if (redisAvailable) {
  const client = newClient();
  const prefixes: string[] = [];
  afterAll(async () => {
    for (const prefix of prefixes) await deletePrefix(client, prefix);
    client.disconnect();
  });
  runFaultSuite({
    name: "redis",
    create: async () => {
      const keyPrefix = uniquePrefix("faultsuite");
      prefixes.push(keyPrefix);
      return createRedisAdapter({ client, keyPrefix });
    },
    // A loaded 2-core machine needs more than the default 400 ms for a few round trips.
    leaseMs: 1000,
  });
} else {
  describe("fault suite: redis", () => {
    it.skip("needs Redis at 127.0.0.1:6379 (REDIS_URL); set CI=true to make its absence fail", () => {});
  });
}
