import type { Adapter, ChunkStore, ConversationStore, FactStore, LibraryStore } from "@threadmill/core";
import { createMemoryCheckpointStore } from "./memory-checkpoint-store.js";
import { createMemoryEventLog } from "./memory-event-log.js";
import { createMemoryJobAdmin } from "./memory-job-admin.js";
import { registerMemoryState } from "./memory-inspect.js";
import { createMemoryJobStore } from "./memory-job-store.js";
import { createMemoryQueue } from "./memory-queue.js";
import { createMemoryRateLimitStore } from "./memory-rate-limit-store.js";
import { createMemoryRecordStore } from "./memory-record-store.js";
import { createMemorySpendLedger } from "./memory-spend-ledger.js";
import { createMemoryState } from "./memory-state.js";

/** Options of `createMemoryAdapter`. */
export interface MemoryAdapterOptions {
  /** Events kept per job; older ones are trimmed and a reader behind them gets a `reset` first. @default 1000 */
  readonly eventRetention?: number;
  /**
   * The store's clock, in epoch milliseconds. Leases, `runAt`, rate limits and spend periods are on
   * this clock. @default Date.now (rate limits and spend: the process's monotonic clock from its
   * start, so a caller changing `Date.now` cannot move them)
   */
  readonly now?: () => number;
}

/**
 * Every threadmill port in this process's memory: the reference adapter, for
 * tests, the CLI's `--store memory` and single-process use. Each method is atomic (its read and write
 * run with no `await` between them), sink writes are fenced by the lease epoch, event reads
 * long-poll without busy-waiting, and every record is copied on the way in and out. Nothing
 * survives the process.
 * @example
 * const adapter = createMemoryAdapter();
 * const { job } = await adapter.jobs.create({ tenant: "u1", pipeline: "import", input: { kind: "file", path: "x.json" } });
 * const claim = await adapter.queue.claim("worker-1", 15_000);
 */
export function createMemoryAdapter(options: MemoryAdapterOptions = {}): Adapter {
  const eventRetention = options.eventRetention ?? 1000;
  if (!Number.isInteger(eventRetention) || eventRetention < 1) {
    throw new RangeError("[threadmill] [memory] eventRetention must be an integer >= 1");
  }
  const state = createMemoryState({ eventRetention, now: options.now ?? Date.now });
  const storeClock = options.now ?? (() => performance.timeOrigin + performance.now());
  const rateLimits = createMemoryRateLimitStore(storeClock);
  const spend = createMemorySpendLedger(storeClock);
  const adapter: Adapter = {
    name: "memory",
    jobs: createMemoryJobStore(state),
    queue: createMemoryQueue(state),
    checkpoints: createMemoryCheckpointStore(state),
    events: createMemoryEventLog(state),
    conversations: createMemoryRecordStore(state, "conversations") as ConversationStore,
    chunks: createMemoryRecordStore(state, "chunks") as ChunkStore,
    facts: createMemoryRecordStore(state, "facts") as FactStore,
    library: createMemoryRecordStore(state, "library") as LibraryStore,
    rateLimits,
    spend,
    admin: createMemoryJobAdmin(state),
    capabilities: { blockingRead: true, fencedSinks: true },
    async close() {
      if (state.closed) return;
      state.closed = true;
      const waiters = [...state.waiters.values()];
      state.waiters.clear();
      for (const set of waiters) for (const fn of set) fn();
      state.tenants.clear();
      rateLimits.clear();
      spend.clear();
    },
  };
  registerMemoryState(adapter, state);
  return adapter;
}
