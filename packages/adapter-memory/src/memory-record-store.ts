import {
  LIBRARY_MEMBERSHIP,
  type Lease,
  type ListRecordsOptions,
  type MembershipChange,
  type PurgeJobOptions,
  type RecordScope,
  type RecordStore,
} from "@threadmill/core";
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

/** The ids a scope reads: one job's, the library's, or (`null`) the whole table's. */
function scopeIds(t: RecordTable, scope: RecordScope): Iterable<string> | undefined {
  if (scope.jobId !== undefined) return t.byJob.get(scope.jobId);
  return scope.library ? t.library : t.records.keys();
}

/** The scope's ids in ascending order, cached until the table changes. */
function sortedIds(t: RecordTable, scope: RecordScope): string[] {
  const key = scope.jobId ?? (scope.library ? LIBRARY_MEMBERSHIP : null);
  let ids = t.sorted.get(key);
  if (!ids) {
    ids = [...(scopeIds(t, scope) ?? [])].sort();
    t.sorted.set(key, ids);
  }
  return ids;
}

/** Adds `jobId` to the holders of an existing record. */
function hold(t: RecordTable, jobId: string, id: string): void {
  let mine = t.byJob.get(jobId);
  if (!mine) {
    mine = new Set();
    t.byJob.set(jobId, mine);
  }
  mine.add(id);
  let jobs = t.jobsOf.get(id);
  if (!jobs) {
    jobs = new Set();
    t.jobsOf.set(id, jobs);
  }
  jobs.add(jobId);
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

/** A fenced RecordStore over one table (conversations, chunks, facts or library versions) of a memory state. */
export function createMemoryRecordStore<T extends { readonly id: string }>(
  state: MemoryState,
  kind: "conversations" | "chunks" | "facts" | "library",
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
      const mine = t.byJob.get(lease.jobId);
      if (copies.some((r) => !mine?.has(r.id))) t.sorted.clear();
      for (const record of copies) {
        t.records.set(record.id, record);
        hold(t, lease.jobId, record.id);
      }
    },

    async updateMembership(lease: Lease, change: MembershipChange): Promise<void> {
      assertOpen(state, `${kind}.updateMembership`);
      const lists = [change.hold ?? [], change.addToLibrary ?? [], change.removeFromLibrary ?? []];
      for (const list of lists) {
        if (!Array.isArray(list))
          throw new TypeError(`[threadmill] [memory] ${kind}.updateMembership needs arrays`);
        for (const id of list) assertId(id, `${kind} record id`);
      }
      fence(state, lease);
      const t = table(state.tenants.get(lease.tenant)!);
      t.sorted.clear();
      const [holds, adds, removes] = lists as [string[], string[], string[]];
      for (const id of holds) if (t.records.has(id)) hold(t, lease.jobId, id);
      for (const id of removes) {
        // Cleanup kept it only for the library: held by no job, it goes when it leaves.
        if (t.library.delete(id) && !t.jobsOf.has(id)) t.records.delete(id);
      }
      for (const id of adds) if (t.records.has(id)) t.library.add(id);
    },

    async list(tenant: string, options: ListRecordsOptions = {}): Promise<T[]> {
      assertOpen(state, `${kind}.list`);
      const ten = state.tenants.get(tenant);
      if (!ten) return [];
      const t = table(ten);
      const limit = options.limit ?? 1000;
      const ids = sortedIds(t, options);
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

    async count(tenant: string, options: RecordScope = {}): Promise<number> {
      assertOpen(state, `${kind}.count`);
      const ten = state.tenants.get(tenant);
      if (!ten) return 0;
      const t = table(ten);
      if (options.jobId !== undefined) return t.byJob.get(options.jobId)?.size ?? 0;
      return options.library ? t.library.size : t.records.size;
    },

    async purgeJob(tenant: string, jobId: string, options?: PurgeJobOptions): Promise<void> {
      assertOpen(state, `${kind}.purgeJob`);
      const ten = state.tenants.get(tenant);
      if (ten) purgeJobRecords(table(ten), jobId, options?.keepLibrary === true);
    },

    async purgeTenant(tenant: string): Promise<void> {
      assertOpen(state, `${kind}.purgeTenant`);
      const ten = state.tenants.get(tenant);
      if (!ten) return;
      const t = table(ten);
      t.records.clear();
      t.byJob.clear();
      t.jobsOf.clear();
      t.library.clear();
      t.sorted.clear();
    },
  };
}
