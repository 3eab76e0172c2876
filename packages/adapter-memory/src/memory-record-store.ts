import type { Lease, ListRecordsOptions, RecordStore } from "@threadmill/core";
import {
  assertId,
  assertOpen,
  clone,
  fence,
  type MemoryState,
  purgeJobRecords,
  type RecordTable,
  type TenantState,
} from "./memory-state.js";

/** The table's ids (or one job's) in ascending order, cached until the table changes. */
function sortedIds(t: RecordTable, jobId: string | null): string[] {
  let ids = t.sorted.get(jobId);
  if (!ids) {
    ids = [...(jobId === null ? t.records.keys() : (t.byJob.get(jobId) ?? []))].sort();
    t.sorted.set(jobId, ids);
  }
  return ids;
}

/** Index of the first id greater than `after` in sorted `ids` (binary search). */
function firstAfter(ids: readonly string[], after: string): number {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ids[mid]! <= after) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A fenced RecordStore over one table (conversations, chunks or facts) of a memory state. */
export function createMemoryRecordStore<T extends { readonly id: string }>(
  state: MemoryState,
  kind: "conversations" | "chunks" | "facts",
): RecordStore<T> {
  const table = (t: TenantState): RecordTable => t[kind];

  return {
    fenced: true,

    async upsert(lease: Lease, records: readonly T[]): Promise<void> {
      assertOpen(state, `${kind}.upsert`);
      if (!Array.isArray(records)) throw new TypeError(`[threadmill] [memory] ${kind}.upsert needs an array`);
      for (const record of records) assertId(record?.id, `${kind} record id`);
      const copies = records.map((r) => clone(r));
      fence(state, lease);
      const t = table(state.tenants.get(lease.tenant)!);
      let mine = t.byJob.get(lease.jobId);
      if (!mine) {
        mine = new Set();
        t.byJob.set(lease.jobId, mine);
      }
      if (copies.some((r) => !mine.has(r.id))) t.sorted.clear();
      for (const record of copies) {
        t.records.set(record.id, record);
        mine.add(record.id);
        let jobs = t.jobsOf.get(record.id);
        if (!jobs) {
          jobs = new Set();
          t.jobsOf.set(record.id, jobs);
        }
        jobs.add(lease.jobId);
      }
    },

    async list(tenant: string, options: ListRecordsOptions = {}): Promise<T[]> {
      assertOpen(state, `${kind}.list`);
      const ten = state.tenants.get(tenant);
      if (!ten) return [];
      const t = table(ten);
      const limit = options.limit ?? 1000;
      const ids = sortedIds(t, options.jobId ?? null);
      const from = options.after === undefined ? 0 : firstAfter(ids, options.after);
      return ids.slice(from, from + Math.max(0, limit)).map((id) => clone(t.records.get(id) as T));
    },

    async get(tenant: string, ids: readonly string[]): Promise<T[]> {
      assertOpen(state, `${kind}.get`);
      const ten = state.tenants.get(tenant);
      if (!ten) return [];
      const t = table(ten);
      const out: T[] = [];
      for (const id of new Set(ids)) {
        const record = t.records.get(id);
        if (record !== undefined) out.push(clone(record as T));
      }
      return out;
    },

    async count(tenant: string, options: { readonly jobId?: string } = {}): Promise<number> {
      assertOpen(state, `${kind}.count`);
      const ten = state.tenants.get(tenant);
      if (!ten) return 0;
      const t = table(ten);
      return options.jobId === undefined ? t.records.size : (t.byJob.get(options.jobId)?.size ?? 0);
    },

    async purgeJob(tenant: string, jobId: string): Promise<void> {
      assertOpen(state, `${kind}.purgeJob`);
      const ten = state.tenants.get(tenant);
      if (ten) purgeJobRecords(table(ten), jobId);
    },

    async purgeTenant(tenant: string): Promise<void> {
      assertOpen(state, `${kind}.purgeTenant`);
      const ten = state.tenants.get(tenant);
      if (!ten) return;
      const t = table(ten);
      t.records.clear();
      t.byJob.clear();
      t.jobsOf.clear();
      t.sorted.clear();
    },
  };
}
