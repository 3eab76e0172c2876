export type { Adapter, AdapterCapabilities } from "./adapter.js";
export type { Checkpoint, CheckpointStore } from "./checkpoint-store.js";
export type { ChunkSink, ChunkStore } from "./chunk-store.js";
export type { ConversationStore, StoredConversation } from "./conversation-store.js";
export type { FactStore } from "./fact-store.js";
export {
  type NewProgressEvent,
  PROGRESS_EVENT_TYPES,
  type ProgressEvent,
  progressEventSchema,
  TERMINAL_EVENT_TYPES,
} from "./event.js";
export type { EventLog, EventReadOptions } from "./event-log.js";
export {
  type Job,
  type JobError,
  type JobProgress,
  type JobSpec,
  type JobStatus,
  type SourceRef,
  TERMINAL_STATUSES,
} from "./job.js";
export type { CreateJobResult, JobPatch, JobStore, ListJobsOptions } from "./job-store.js";
export {
  type CleanupOptions,
  type CleanupResult,
  DEFAULT_QUEUED_GRACE_MS,
  type FindJobsOptions,
  type JobAdmin,
  type StoreCheck,
} from "./job-admin.js";
export { assertCleanupOptions, assertFindJobsOptions } from "./assert-admin-options.js";
export type { JobRef, Lease } from "./lease.js";
export type {
  Claim,
  ClaimNextOptions,
  ClaimOptions,
  CompleteAndClaimResult,
  CompleteOutcome,
  ExtendResult,
  Queue,
  ReleaseOptions,
} from "./queue.js";
export type {
  ConcurrencyCharge,
  RateCharge,
  RateLimitAcquireRequest,
  RateLimitAdjustment,
  RateLimitCharge,
  RateLimitDecision,
  RateLimitStore,
} from "./rate-limit-store.js";
export type { LibraryStore } from "./library-store.js";
export {
  LIBRARY_MEMBERSHIP,
  type ListRecordsOptions,
  type MembershipChange,
  type PurgeJobOptions,
  type RecordScope,
  type RecordStore,
} from "./record-store.js";
export type { OpenedSource, Source } from "./source.js";
export type {
  SpendAmount,
  SpendCaps,
  SpendLedgerStore,
  SpendRefusal,
  SpendReservation,
  SpendScope,
  SpendTotals,
} from "./spend-ledger-store.js";
export { assertCheckpoint, assertJobSpec } from "./assert-job-spec.js";
