import {
  type Checkpoint,
  type Job,
  type Lease,
  LeaseLostError,
  type ProgressEvent,
  StorageError,
} from "@threadmill/core";

/** A job record the adapter may change in place; only copies ever leave the adapter. */
export type MutableJob = { -readonly [K in keyof Job]: Job[K] };

/** One job's event stream: retained events, the next sequence number and the trim watermark. */
export interface EventStream {
  readonly events: ProgressEvent[];
  nextSeq: number;
  /** Sequence number of the newest event removed by retention; 0 when none was. */
  trimmedThrough: number;
}

/** Records of one kind (conversations, chunks, facts or library versions) of one tenant, with their job memberships. */
export interface RecordTable {
  readonly records: Map<string, unknown>;
  /** jobId -> ids the job produced. */
  readonly byJob: Map<string, Set<string>>;
  /** id -> jobs that produced it. */
  readonly jobsOf: Map<string, Set<string>>;
  /** Ids in the tenant's library (not a reference: a purge ignores it). */
  readonly library: Set<string>;
  /** Sorted ids, per job (key `null`: the whole table), built on demand and dropped on any change. */
  readonly sorted: Map<string | null, string[]>;
}

/** Everything one tenant owns. */
export interface TenantState {
  readonly jobs: Map<string, MutableJob>;
  readonly checkpoints: Map<string, Checkpoint>;
  readonly events: Map<string, EventStream>;
  readonly conversations: RecordTable;
  readonly chunks: RecordTable;
  readonly facts: RecordTable;
  readonly library: RecordTable;
}

/**
 * The whole in-process store, shared by the ports of one adapter. Every port method runs its
 * critical section synchronously (no `await` between reading and writing), which is what makes each
 * method atomic in a single-threaded runtime.
 */
export interface MemoryState {
  readonly tenants: Map<string, TenantState>;
  readonly eventRetention: number;
  readonly now: () => number;
  closed: boolean;
  /** Wakes long-polling readers of a job's events. */
  readonly waiters: Map<string, Set<() => void>>;
}

/** A fresh, empty state. */
export function createMemoryState(options: { eventRetention: number; now: () => number }): MemoryState {
  return {
    tenants: new Map(),
    eventRetention: options.eventRetention,
    now: options.now,
    closed: false,
    waiters: new Map(),
  };
}

/** An empty record table. */
export function emptyTable(): RecordTable {
  return { records: new Map(), byJob: new Map(), jobsOf: new Map(), library: new Set(), sorted: new Map() };
}

/** The tenant's state, created on first write. */
export function tenantFor(state: MemoryState, tenant: string): TenantState {
  let t = state.tenants.get(tenant);
  if (!t) {
    t = {
      jobs: new Map(),
      checkpoints: new Map(),
      events: new Map(),
      conversations: emptyTable(),
      chunks: emptyTable(),
      facts: emptyTable(),
      library: emptyTable(),
    };
    state.tenants.set(tenant, t);
  }
  return t;
}

/**
 * A deep copy, Dates included, so callers never alias the store's objects. Plain objects, arrays and
 * Dates (what records, specs and events are made of) are copied by hand, about 6x faster than
 * `structuredClone` on chunks; anything else falls back to `structuredClone`.
 */
export function clone<T>(value: T): T {
  return copy(value) as T;
}

function copy(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (value instanceof Date) return new Date(value.getTime());
  if (Array.isArray(value)) {
    const out = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = copy(value[i]);
    return out;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return structuredClone(value);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const v = copy((value as Record<string, unknown>)[key]);
    // A JSON "__proto__" key is data, never the prototype.
    if (key === "__proto__")
      Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
    else out[key] = v;
  }
  return out;
}

/** Throws when the adapter was closed. */
export function assertOpen(state: MemoryState, operation: string): void {
  if (state.closed) {
    throw new StorageError({
      adapter: "memory",
      operation,
      retriable: false,
      message: "the adapter was closed; create a new one",
    });
  }
}

/** Throws a `TypeError` unless `value` is a non-empty string. */
export function assertId(value: unknown, what: string): asserts value is string {
  if (typeof value !== "string" || value.length === 0) {
    throw new TypeError(`[threadmill] [memory] ${what} must be a non-empty string, got ${typeof value}`);
  }
}

/** Throws a `RangeError` unless `value` is a positive finite number of milliseconds. */
export function assertDuration(value: unknown, what: string): asserts value is number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`[threadmill] [memory] ${what} must be a positive number of milliseconds`);
  }
}

/**
 * The job a lease may write to: it exists in the lease's tenant, is `running`, and its epoch is the
 * lease's. Synchronous, so the caller's write that follows is atomic with the check.
 * @throws LeaseLostError otherwise.
 */
export function fence(state: MemoryState, lease: Lease): MutableJob {
  if (typeof lease !== "object" || lease === null)
    throw new TypeError("[threadmill] [memory] lease required");
  const job = state.tenants.get(lease.tenant)?.jobs.get(lease.jobId);
  if (!job) throw new LeaseLostError(String(lease.jobId), lease.epoch, null);
  if (job.epoch !== lease.epoch || job.status !== "running") {
    throw new LeaseLostError(job.id, lease.epoch, job.epoch);
  }
  return job;
}

/** The key of a job's waiter set (JSON, so no separator can be forged by a tenant name). */
export function waiterKey(tenant: string, jobId: string): string {
  return JSON.stringify([tenant, jobId]);
}

/** Wakes every reader waiting on the job's events. */
export function wake(state: MemoryState, tenant: string, jobId: string): void {
  const key = waiterKey(tenant, jobId);
  const set = state.waiters.get(key);
  if (!set) return;
  state.waiters.delete(key);
  for (const fn of set) fn();
}

/** Appends an event to a job's stream, trimming to retention. Synchronous. Returns the stored event. */
export function appendEvent(
  state: MemoryState,
  tenant: TenantState,
  tenantName: string,
  jobId: string,
  event: Omit<ProgressEvent, "id">,
): ProgressEvent {
  let stream = tenant.events.get(jobId);
  if (!stream) {
    stream = { events: [], nextSeq: 1, trimmedThrough: 0 };
    tenant.events.set(jobId, stream);
  }
  const stored = { ...clone(event), id: String(stream.nextSeq) } as ProgressEvent;
  stream.nextSeq += 1;
  stream.events.push(stored);
  const excess = stream.events.length - state.eventRetention;
  if (excess > 0) {
    const removed = stream.events.splice(0, excess);
    stream.trimmedThrough = Number(removed[removed.length - 1]!.id);
  }
  wake(state, tenantName, jobId);
  return stored;
}

/** Removes the job's memberships from a table and every record no other job of the tenant references. */
export function purgeJobRecords(table: RecordTable, jobId: string, keepLibrary = false): boolean {
  const ids = table.byJob.get(jobId);
  if (!ids) return false;
  table.byJob.delete(jobId);
  table.sorted.clear();
  for (const id of ids) {
    const jobs = table.jobsOf.get(id);
    jobs?.delete(jobId);
    if (!jobs || jobs.size === 0) {
      table.jobsOf.delete(id);
      if (keepLibrary && table.library.has(id)) continue;
      table.records.delete(id);
      table.library.delete(id);
    }
  }
  return true;
}
