import { LIBRARY_MEMBERSHIP, type Lease, LeaseLostError, type MembershipChange } from "@threadmill/core";
import { checkFence, type RedisContext } from "./redis-context.js";
import type { RecordKind } from "./redis-keys.js";

/**
 * The reserved library id is no job's: a lease naming it is lost before any script runs, so that an
 * unfenced write (a Cluster) never turns the library into a job's membership with references.
 */
export function assertNotReserved(lease: Lease): void {
  if (lease.jobId === LIBRARY_MEMBERSHIP) throw new LeaseLostError(lease.jobId, lease.epoch, null);
}

/** The change's lists, each deduplicated; a list that is not an array is refused. */
function listsOf(kind: RecordKind, change: MembershipChange): [string[], string[], string[]] {
  return [change.hold, change.addToLibrary, change.removeFromLibrary].map((list) => {
    // A string spread into ARGV would change the library one character at a time.
    if (list !== undefined && !Array.isArray(list)) {
      throw new TypeError(`[threadmill] [redis] ${kind}.updateMembership needs arrays of ids.`);
    }
    return [...new Set(list ?? [])];
  }) as [string[], string[], string[]];
}

/**
 * `RecordStore.updateMembership` of one record kind: the whole change in one script, however many ids,
 * so a reader of the library sees all of it or none; a record leaving the library that no job
 * references any more is deleted in it. Fenced like `upsert` on a single Redis.
 */
export async function updateRedisMembership(
  ctx: RedisContext,
  kind: RecordKind,
  lease: Lease,
  change: MembershipChange,
): Promise<void> {
  assertNotReserved(lease);
  const [hold, add, remove] = listsOf(kind, change);
  const keys = ctx.keys.records(lease.tenant, kind);
  const fenced = !ctx.isCluster;
  const reply = await ctx.script(
    "updateMembership",
    `update ${kind} membership`,
    [
      keys.data,
      keys.ids,
      keys.membership(lease.jobId),
      keys.refs,
      keys.jobs,
      keys.library,
      fenced ? ctx.keys.job(lease.jobId) : keys.data,
    ],
    [
      fenced ? "1" : "0",
      lease.tenant,
      lease.epoch,
      lease.jobId,
      hold.length,
      add.length,
      ...hold,
      ...add,
      ...remove,
    ],
  );
  checkFence(reply, lease.jobId, lease.epoch);
}
