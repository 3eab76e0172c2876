// Opens the Redis limits stores from settings in the environment, for the limits conformance suites:
// in the test's process and, through limits-process-module.ts, in their child processes.
//   THREADMILL_REDIS_PREFIX   the adapter's keyPrefix (required: every open reaches the same keys)
//   THREADMILL_REDIS_CLUSTER  `host:port,host:port,...` of a Redis Cluster, or else
//   THREADMILL_REDIS_URL      a single Redis (default redis://127.0.0.1:6379)
import { Cluster, Redis } from "ioredis";
import { createRedisAdapter } from "../src/index.js";

/** The stores on the Redis the environment names, with `close()` ending the client it opened. */
export async function openLimitsStores(env: NodeJS.ProcessEnv = process.env) {
  const keyPrefix = env.THREADMILL_REDIS_PREFIX;
  if (!keyPrefix) throw new Error("THREADMILL_REDIS_PREFIX is not set");
  const nodes = env.THREADMILL_REDIS_CLUSTER;
  const client = nodes
    ? new Cluster(
        nodes.split(",").map((node) => {
          const [host, port] = node.split(":");
          return { host: host!, port: Number(port) };
        }),
        { redisOptions: { maxRetriesPerRequest: 3 } },
      )
    : new Redis(env.THREADMILL_REDIS_URL ?? "redis://127.0.0.1:6379", { maxRetriesPerRequest: 3 });
  const adapter = createRedisAdapter({ client, keyPrefix });
  return {
    rateLimits: adapter.rateLimits,
    spend: adapter.spend,
    async close() {
      await adapter.close();
      await client.quit().catch(() => client.disconnect());
    },
  };
}

/**
 * The environment the child processes need besides the store's settings: tsx resolves
 * `@threadmill/*` to the sources through this package's tsconfig, whatever directory they start in.
 */
export const TSX_ENV = {
  TSX_TSCONFIG_PATH: new URL("../tsconfig.json", import.meta.url).pathname,
} as const;
