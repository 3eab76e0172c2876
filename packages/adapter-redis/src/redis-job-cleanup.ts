import { assertCleanupOptions, type CleanupOptions, type CleanupResult, type JobRef } from "@threadmill/core";
import type { RedisContext } from "./redis-context.js";
import { purgeRedisJobRecords } from "./redis-job-records-purge.js";
import type { RecordKind } from "./redis-keys.js";

const CLEANUP_BATCH = 500;
const CLEANING_PAGE = 100;
const KINDS: readonly RecordKind[] = ["conversations", "chunks", "facts", "library"];

/**
 * Purges the records of every job in the cleaning index, keeping the tenants' library, then takes the
 * job out of it: this call's jobs, and those of a cleanup that stopped between its two steps. Pushes
 * onto `removed` each job this call took out, so every job is reported once, by the call that
 * completed its removal, even when cleanups run side by side or one was cut short.
 */
async function purgeCleanedRecords(ctx: RedisContext, removed: JobRef[]): Promise<void> {
  for (;;) {
    const members = await ctx.call("cleanup", () =>
      ctx.client.zrange(ctx.keys.cleaning, 0, CLEANING_PAGE - 1),
    );
    if (members.length === 0) return;
    for (const member of members) {
      const cut = member.indexOf("|");
      const jobId = member.slice(0, cut);
      const tenant = member.slice(cut + 1);
      await Promise.all(KINDS.map((kind) => purgeRedisJobRecords(ctx, kind, tenant, jobId, true)));
      const taken = await ctx.call("cleanup", () => ctx.client.zrem(ctx.keys.cleaning, member));
      if (taken === 1) removed.push({ tenant, jobId });
    }
  }
}

/**
 * `JobAdmin.cleanup`: the coordination side of due finished jobs goes in scripts of at most
 * `CLEANUP_BATCH` jobs (atomic against `retry`), then their records, in the tenants' record slots.
 * `removed` (and `jobs`, its length) also holds jobs a cleanup cut short left for this one.
 */
export async function cleanupRedisJobs(ctx: RedisContext, options: CleanupOptions): Promise<CleanupResult> {
  assertCleanupOptions(options, "redis");
  let left = Math.floor(options.limit ?? 500);
  const removed: JobRef[] = [];
  let more: boolean;
  do {
    const batch = Math.min(left, CLEANUP_BATCH);
    const [, due] = (await ctx.coordination("cleanupJobs", "cleanup", [
      options.olderThanMs,
      batch,
    ])) as number[];
    more = due === 1;
    left -= batch;
    await purgeCleanedRecords(ctx, removed);
  } while (more && left > 0);
  return { jobs: removed.length, more, removed };
}
