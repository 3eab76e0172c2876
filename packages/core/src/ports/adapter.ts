import type { CheckpointStore } from "./checkpoint-store.js";
import type { ChunkStore } from "./chunk-store.js";
import type { ConversationStore } from "./conversation-store.js";
import type { EventLog } from "./event-log.js";
import type { FactStore } from "./fact-store.js";
import type { JobAdmin } from "./job-admin.js";
import type { JobStore } from "./job-store.js";
import type { LibraryStore } from "./library-store.js";
import type { Queue } from "./queue.js";
import type { RateLimitStore } from "./rate-limit-store.js";
import type { SpendLedgerStore } from "./spend-ledger-store.js";

/** What an adapter can and cannot do, declared to the conformance suite and the runner. */
export interface AdapterCapabilities {
  /**
   * `EventLog.read` with `waitMs` wakes as soon as an event is appended (it blocks server-side or on
   * a notification) instead of on a poll interval; the conformance suite expects under 400 ms.
   */
  readonly blockingRead?: boolean;
  /**
   * The sinks (`conversations`, `chunks`, and `facts` and `library` when set) check the lease epoch in the same
   * atomic step as the write, so their `fenced` is `true`.
   */
  readonly fencedSinks?: boolean;
}

/** Every port an adapter implements, as one object. */
export interface Adapter {
  readonly name: string;
  readonly jobs: JobStore;
  readonly queue: Queue;
  readonly checkpoints: CheckpointStore;
  readonly events: EventLog;
  readonly conversations: ConversationStore;
  readonly chunks: ChunkStore;
  /** The sink of extracted facts (the facts stage's); every adapter of threadmill's has one. */
  readonly facts?: FactStore;
  /**
   * The versions of the tenants' conversations, which a re-import compares the export with; every
   * adapter of threadmill's has one. Without it, every import writes everything.
   */
  readonly library?: LibraryStore;
  /** The shared rate limiter's store (`createRateLimiter({ store: adapter.rateLimits })`); every adapter of threadmill's has one. */
  readonly rateLimits?: RateLimitStore;
  /** The spend ledger's store (`createSpendLedger({ store: adapter.spend })`); every adapter of threadmill's has one. */
  readonly spend?: SpendLedgerStore;
  /** Operations across tenants (find stuck or failed jobs, retention, a health check); every adapter of threadmill's has one. */
  readonly admin?: JobAdmin;
  readonly capabilities: AdapterCapabilities;
  /** Closes what the adapter opened itself (not the client it was handed). Idempotent. */
  close(): Promise<void>;
}
