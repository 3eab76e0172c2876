import type {
  Adapter,
  ChunkStore,
  ConversationStore,
  FactStore,
  JobAdmin,
  LibraryStore,
  RateLimitStore,
  SpendLedgerStore,
} from "@threadmill/core";
import { createSqlCheckpointStore } from "./sql-checkpoint-store.js";
import { createSqlContext, type PurgeTuning, type SqlContext } from "./sql-context.js";
import { createSqlEventLog } from "./sql-event-log.js";
import type { SqlExecutor } from "./sql-executor.js";
import { createSqlJobAdmin } from "./sql-job-admin.js";
import { createSqlJobStore } from "./sql-job-store.js";
import { createSqlQueue, type SqlQueue } from "./sql-queue.js";
import { createSqlRateLimitStore } from "./sql-rate-limit-store.js";
import { createSqlRecordStore } from "./sql-record-store.js";
import { createSqlSpendLedger } from "./sql-spend-ledger.js";

/** Options shared by the Postgres and PGlite adapters. */
export interface SqlAdapterOptions {
  /** Events kept per job; a reader behind the trimmed ones gets a `reset` first. @default 1000 */
  readonly eventRetention?: number;
  /** How often a long-polling `events.read` looks for new events, in ms. @default 100 */
  readonly eventPollMs?: number;
  /**
   * Whether sink writes check the lease epoch in the same statement. Turn it off only when the jobs
   * live in another store (Redis coordination, Postgres sinks): then writes are unfenced. @default true
   */
  readonly fencedSinks?: boolean;
}

/** The NOTIFY channel on which a schema's adapter announces claimable jobs. */
export function jobsChannel(schemaName: string): string {
  return `threadmill_jobs_${schemaName}`.slice(0, 63);
}

/** A Postgres or PGlite adapter: every port, and a queue with the `completeAndClaim` fast path. */
export interface SqlAdapter extends Adapter {
  readonly queue: SqlQueue;
  /** The facts' store (tables `facts` and `fact_jobs`, indexed by migration 6). */
  readonly facts: FactStore;
  /** The conversations' versions and the tenants' libraries (tables `library_versions` and `library_version_jobs`, migration 7). */
  readonly library: LibraryStore;
  /** The rate limiter's store (migration 4's functions): `createRateLimiter({ store: adapter.rateLimits })`. */
  readonly rateLimits: RateLimitStore;
  /** The spend ledger's store (migration 5's functions): `createSpendLedger({ store: adapter.spend })`. */
  readonly spend: SpendLedgerStore;
  /** Operations across tenants: find stuck or failed jobs, retention's cleanup (indexed by migration 8), the store check. */
  readonly admin: JobAdmin;
}

/** An adapter over an executor, plus the context its ports share. */
export function createSqlAdapter(
  name: string,
  db: SqlExecutor,
  schema: string,
  options: SqlAdapterOptions & {
    readonly notifyChannel?: string | null;
    /** Internal: the purges' batch size (tests). */
    readonly purge?: PurgeTuning;
  },
  onClose: () => Promise<void>,
): { adapter: SqlAdapter; ctx: SqlContext } {
  const eventRetention = options.eventRetention ?? 1000;
  if (!Number.isInteger(eventRetention) || eventRetention < 1) {
    throw new RangeError("[threadmill] eventRetention must be an integer >= 1");
  }
  const eventPollMs = options.eventPollMs ?? 100;
  if (!(eventPollMs > 0)) throw new RangeError("[threadmill] eventPollMs must be > 0");
  const channel = options.notifyChannel ?? null;
  if (channel !== null && !/^[A-Za-z0-9_]+$/.test(channel))
    throw new TypeError("[threadmill] bad NOTIFY channel");
  const ctx = createSqlContext(db, {
    s: schema,
    eventRetention,
    eventPollMs,
    fencedSinks: options.fencedSinks ?? true,
    notifySql: channel === null ? "" : `, pg_notify('${channel}', '') is null as notified`,
    purge: options.purge,
  });
  let closing: Promise<void> | null = null;
  const adapter: SqlAdapter = {
    name,
    jobs: createSqlJobStore(ctx),
    queue: createSqlQueue(ctx),
    checkpoints: createSqlCheckpointStore(ctx),
    events: createSqlEventLog(ctx),
    conversations: createSqlRecordStore(ctx, "conversations") as ConversationStore,
    chunks: createSqlRecordStore(ctx, "chunks") as ChunkStore,
    facts: createSqlRecordStore(ctx, "facts") as FactStore,
    library: createSqlRecordStore(ctx, "library") as LibraryStore,
    rateLimits: createSqlRateLimitStore(ctx),
    spend: createSqlSpendLedger(ctx),
    admin: createSqlJobAdmin(ctx),
    capabilities: { blockingRead: false, fencedSinks: ctx.fencedSinks },
    close() {
      ctx.closed = true;
      closing ??= onClose();
      return closing;
    },
  };
  return { adapter, ctx };
}
