import type { JobAdmin } from "@threadmill/core";
import type { RedisContext } from "./redis-context.js";
import { findRedisJobs } from "./redis-find-jobs.js";
import { cleanupRedisJobs } from "./redis-job-cleanup.js";

/** The `JobAdmin` port on the adapter's admin indexes (`find`, `cleanup`) and a round trip (`check`). */
export function createRedisJobAdmin(ctx: RedisContext): JobAdmin {
  return {
    find: (options) => findRedisJobs(ctx, options),
    cleanup: (options) => cleanupRedisJobs(ctx, options),
    async check() {
      // A key of the queue's slot: on a Cluster this reaches the master the scripts run on.
      await ctx.call("check", () => ctx.client.exists(ctx.keys.ready));
      return {};
    },
  };
}
