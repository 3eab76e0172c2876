import {
  LIBRARY_MEMBERSHIP,
  type Lease,
  type ListRecordsOptions,
  type MembershipChange,
  type PurgeJobOptions,
  type RecordScope,
  type RecordStore,
} from "@threadmill/core";
import { checkFence, type RedisContext } from "./redis-context.js";
import type { RecordKeys, RecordKind } from "./redis-keys.js";
import { assertNotReserved, updateRedisMembership } from "./redis-membership-change.js";
import { recordCodec } from "./record-codec.js";
import { purgeRedisJobRecords } from "./redis-job-records-purge.js";

const BATCH_RECORDS = 500;
const BATCH_BYTES = 4 * 1024 * 1024;
const GET_BATCH = 1000;

/**
 * The ZSET a scope reads: one job's membership, the tenant's library, or every id of the tenant;
 * `null` for the reserved library id given as a job (no job has it, so it has nothing).
 */
function scopeIndex(keys: RecordKeys, scope: RecordScope | undefined): string | null {
  if (scope?.jobId === LIBRARY_MEMBERSHIP) return null;
  if (scope?.jobId !== undefined) return keys.membership(scope.jobId);
  return scope?.library ? keys.library : keys.ids;
}

/**
 * A sink (`ConversationStore`, `ChunkStore`, `FactStore` or `LibraryStore`) under the tenant's record
 * hash tag: data, the tenant's id index, per-job membership, the tenant's library and reference counts
 * share one slot, so each batch is one script. On a single Redis the script also checks the lease's
 * epoch (fenced); on a Cluster the job's key lives in another slot, so writes are unfenced and
 * idempotent by id.
 */
export function createRedisRecordStore<T extends { readonly id: string }>(
  ctx: RedisContext,
  kind: RecordKind,
): RecordStore<T> {
  const fenced = !ctx.isCluster;
  return {
    fenced,
    async upsert(lease: Lease, records: readonly T[]): Promise<void> {
      assertNotReserved(lease);
      const keys = ctx.keys.records(lease.tenant, kind);
      const scriptKeys = [
        keys.data,
        keys.ids,
        keys.membership(lease.jobId),
        keys.refs,
        keys.jobs,
        fenced ? ctx.keys.job(lease.jobId) : keys.data,
      ];
      // One batch per script keeps each script short; records are deduplicated by id (last wins).
      const byId = new Map<string, string>();
      for (const record of records) byId.set(record.id, recordCodec.encode(record));
      const entries = [...byId];
      let index = 0;
      do {
        const args: string[] = [];
        let bytes = 0;
        while (index < entries.length && args.length / 2 < BATCH_RECORDS && bytes < BATCH_BYTES) {
          const [id, text] = entries[index++]!;
          args.push(id, text);
          bytes += text.length;
        }
        const reply = await ctx.script("upsertRecords", `upsert ${kind}`, scriptKeys, [
          fenced ? "1" : "0",
          lease.tenant,
          lease.epoch,
          lease.jobId,
          ...args,
        ]);
        checkFence(reply, lease.jobId, lease.epoch);
      } while (index < entries.length);
    },
    updateMembership: (lease: Lease, change: MembershipChange) =>
      updateRedisMembership(ctx, kind, lease, change),
    async list(tenant: string, options?: ListRecordsOptions): Promise<T[]> {
      const keys = ctx.keys.records(tenant, kind);
      const index = scopeIndex(keys, options);
      if (index === null) return [];
      const limit = Math.max(0, Math.floor(options?.limit ?? 1000));
      const out: T[] = [];
      let after = options?.after ?? "";
      while (out.length < limit) {
        const want = Math.min(GET_BATCH, limit - out.length);
        const flat = (await ctx.script(
          `listRecords`,
          `list ${kind}`,
          [index, keys.data],
          [after, want],
        )) as string[];
        for (let i = 0; i + 1 < flat.length; i += 2) {
          if (flat[i + 1] !== "") out.push(recordCodec.decode<T>(flat[i + 1]!));
        }
        if (flat.length < want * 2) break;
        after = flat[flat.length - 2]!;
      }
      return out;
    },
    async get(tenant: string, ids: readonly string[]): Promise<T[]> {
      const keys = ctx.keys.records(tenant, kind);
      const out: T[] = [];
      const unique = [...new Set(ids)];
      for (let i = 0; i < unique.length; i += GET_BATCH) {
        const batch = unique.slice(i, i + GET_BATCH);
        if (batch.length === 0) break;
        const values = await ctx.call(`get ${kind}`, () => ctx.client.hmget(keys.data, ...batch));
        for (const value of values) if (value !== null) out.push(recordCodec.decode<T>(value));
      }
      return out;
    },
    async count(tenant: string, options?: RecordScope): Promise<number> {
      const index = scopeIndex(ctx.keys.records(tenant, kind), options);
      if (index === null) return 0;
      return ctx.call(`count ${kind}`, () => ctx.client.zcard(index));
    },
    purgeJob: (tenant: string, jobId: string, options?: PurgeJobOptions) =>
      purgeRedisJobRecords(ctx, kind, tenant, jobId, options?.keepLibrary === true),
    async purgeTenant(tenant: string): Promise<void> {
      const keys = ctx.keys.records(tenant, kind);
      const jobs = await ctx.call(`purge ${kind}`, () => ctx.client.smembers(keys.jobs));
      const all = [
        keys.data,
        keys.ids,
        keys.refs,
        keys.jobs,
        keys.library,
        ...jobs.map((id) => keys.membership(id)),
      ];
      for (let i = 0; i < all.length; i += 500) {
        await ctx.call(`purge ${kind}`, () => ctx.client.unlink(...all.slice(i, i + 500)));
      }
    },
  };
}
