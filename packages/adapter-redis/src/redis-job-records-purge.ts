import { LIBRARY_MEMBERSHIP } from "@threadmill/core";
import type { RedisContext } from "./redis-context.js";
import type { RecordKind } from "./redis-keys.js";

const PURGE_BATCH = 1000;

/**
 * Takes a job's records of one kind out of its membership, in batches, deleting those no other job
 * holds; with `keepLibrary` (retention's cleanup) those in the tenant's library stay. Idempotent.
 */
export async function purgeRedisJobRecords(
  ctx: RedisContext,
  kind: RecordKind,
  tenant: string,
  jobId: string,
  keepLibrary: boolean,
): Promise<void> {
  // No job has the reserved id; its "membership" is the library, which holds no references.
  if (jobId === LIBRARY_MEMBERSHIP) return;
  const keys = ctx.keys.records(tenant, kind);
  const scriptKeys = [keys.data, keys.ids, keys.membership(jobId), keys.refs, keys.jobs, keys.library];
  const operation = keepLibrary ? `cleanup ${kind}` : `purge ${kind}`;
  for (;;) {
    const [, left] = (await ctx.script("purgeRecordsOfJob", operation, scriptKeys, [
      jobId,
      PURGE_BATCH,
      keepLibrary ? "1" : "0",
    ])) as number[];
    if (!left) return;
  }
}
