import {
  type EventLog,
  type EventReadOptions,
  type JobRef,
  type Lease,
  LeaseLostError,
  type NewProgressEvent,
  type ProgressEvent,
  progressEventSchema,
} from "@threadmill/core";
import {
  appendEvent,
  assertOpen,
  fence,
  type MemoryState,
  type MutableJob,
  clone,
  waiterKey,
} from "./memory-state.js";

const newEventSchema = progressEventSchema.omit({ id: true });

function isLease(target: Lease | JobRef): target is Lease {
  return "epoch" in target && typeof (target as Lease).epoch === "number";
}

/** Parses one of this log's ids; anything else reads as "before everything". */
function seqOf(id: string | null): number {
  if (id === null) return 0;
  return /^[1-9][0-9]{0,15}$/.test(id) ? Number(id) : -1;
}

/** The EventLog port over a memory state: ids are decimal sequence numbers per job. */
export function createMemoryEventLog(state: MemoryState): EventLog {
  const snapshot = (
    tenant: string,
    jobId: string,
    afterId: string | null,
    limit: number,
  ): ProgressEvent[] => {
    const t = state.tenants.get(tenant);
    const job = t?.jobs.get(jobId);
    if (!t || !job) return [];
    const stream = t.events.get(jobId);
    const after = seqOf(afterId);
    const out: ProgressEvent[] = [];
    if (stream && after < stream.trimmedThrough) out.push(resetEvent(job, String(stream.trimmedThrough)));
    if (stream) {
      for (const event of stream.events) {
        if (out.length >= limit) break;
        if (Number(event.id) > after) out.push(clone(event));
      }
    }
    return out.slice(0, limit);
  };

  function resetEvent(job: MutableJob, id: string): ProgressEvent {
    return {
      id,
      type: "reset",
      status: job.status,
      ...(job.stage === null ? {} : { stage: job.stage }),
      ...(job.progress === null
        ? {}
        : {
            done: job.progress.done,
            total: job.progress.total,
            ...(job.progress.unit === null ? {} : { unit: job.progress.unit }),
          }),
      attempt: job.attempts,
      epoch: job.epoch,
      at: state.now(),
    };
  }

  return {
    async append(target: Lease | JobRef, event: NewProgressEvent): Promise<string> {
      assertOpen(state, "events.append");
      if (typeof target !== "object" || target === null) {
        throw new TypeError("[threadmill] [memory] append needs a lease or { tenant, jobId }");
      }
      const parsed = newEventSchema.safeParse(event);
      if (!parsed.success) {
        throw new TypeError(`[threadmill] [memory] invalid progress event: ${parsed.error.message}`);
      }
      // Stored as the schema reads it: unknown fields dropped, an `undefined` field absent, like a column store.
      const stored = Object.fromEntries(
        Object.entries(parsed.data).filter(([, value]) => value !== undefined),
      ) as NewProgressEvent;
      let job: MutableJob;
      if (isLease(target)) {
        job = fence(state, target);
      } else {
        const found = state.tenants.get(target.tenant)?.jobs.get(target.jobId);
        if (!found) throw new LeaseLostError(String(target.jobId), 0, null);
        job = found;
      }
      return appendEvent(state, state.tenants.get(target.tenant)!, target.tenant, job.id, stored).id;
    },

    async read(
      tenant: string,
      jobId: string,
      afterId: string | null,
      options: EventReadOptions = {},
    ): Promise<ProgressEvent[]> {
      assertOpen(state, "events.read");
      const limit = options.limit ?? 100;
      if (!Number.isInteger(limit) || limit < 1) {
        throw new RangeError("[threadmill] [memory] read limit must be an integer >= 1");
      }
      const waitMs = options.waitMs ?? 0;
      const deadline = Date.now() + waitMs;
      for (;;) {
        const events = snapshot(tenant, jobId, afterId, limit);
        const remaining = deadline - Date.now();
        if (events.length > 0 || remaining <= 0 || state.closed || options.signal?.aborted) return events;
        if (!state.tenants.get(tenant)?.jobs.has(jobId)) return events;
        await new Promise<void>((resolve) => {
          const key = waiterKey(tenant, jobId);
          let set = state.waiters.get(key);
          if (!set) {
            set = new Set();
            state.waiters.set(key, set);
          }
          const done = () => {
            clearTimeout(timer);
            options.signal?.removeEventListener("abort", done);
            state.waiters.get(key)?.delete(done);
            resolve();
          };
          const timer = setTimeout(done, remaining);
          options.signal?.addEventListener("abort", done, { once: true });
          set.add(done);
        });
      }
    },
  };
}
