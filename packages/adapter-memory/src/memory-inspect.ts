import type { Adapter } from "@threadmill/core";
import type { MemoryState } from "./memory-state.js";

const states = new WeakMap<Adapter, MemoryState>();

/** Links an adapter to its state so tests can count raw entries. Internal. */
export function registerMemoryState(adapter: Adapter, state: MemoryState): void {
  states.set(adapter, state);
}

/**
 * How many raw entries (jobs, checkpoints, event streams, records, memberships) of `tenant` the
 * memory adapter still holds: what a purge must bring to 0. For tests; not part of the public API.
 */
export function countMemoryEntries(adapter: Adapter, tenant: string): number {
  const state = states.get(adapter);
  if (!state) throw new TypeError("[threadmill] [memory] not a memory adapter");
  const t = state.tenants.get(tenant);
  if (!t) return 0;
  return (
    t.jobs.size +
    t.checkpoints.size +
    t.events.size +
    t.conversations.records.size +
    t.conversations.byJob.size +
    t.conversations.jobsOf.size +
    t.chunks.records.size +
    t.chunks.byJob.size +
    t.chunks.jobsOf.size +
    t.facts.records.size +
    t.facts.byJob.size +
    t.facts.jobsOf.size +
    t.library.records.size +
    t.library.byJob.size +
    t.library.jobsOf.size +
    t.conversations.library.size +
    t.chunks.library.size +
    t.facts.library.size +
    t.library.library.size
  );
}
