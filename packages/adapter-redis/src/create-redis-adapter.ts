import type {
  Adapter,
  CheckpointStore,
  ChunkStore,
  ConversationStore,
  EventLog,
  FactStore,
  JobAdmin,
  JobStore,
  LibraryStore,
  RateLimitStore,
  SpendLedgerStore,
} from "@threadmill/core";
import { createRedisCheckpointStore } from "./redis-checkpoint-store.js";
import { createRedisContext, type RedisClient } from "./redis-context.js";
import { createRedisEventLog } from "./redis-event-log.js";
import { createRedisJobAdmin } from "./redis-job-admin.js";
import { createRedisJobStore } from "./redis-job-store.js";
import { createRedisKeys } from "./redis-keys.js";
import { createRedisQueue, type RedisQueue } from "./redis-queue.js";
import { createRedisRateLimitStore } from "./redis-rate-limit-store.js";
import { createRedisRecordStore } from "./redis-record-store.js";
import { createRedisSpendLedger } from "./redis-spend-ledger.js";

/** Options of `createRedisAdapter`. */
export interface RedisAdapterOptions {
  /** An ioredis `Redis` or `Cluster` client. The adapter never closes it. */
  readonly client: RedisClient;
  /**
   * Prefix of every key; the queue's keys share the hash tag `{keyPrefix}`. Two adapters with
   * different prefixes on one Redis are fully separate. Must not contain `{` or `}`.
   * @default "threadmill"
   */
  readonly keyPrefix?: string;
  /** Events kept per job (older ones are trimmed; a reader behind them gets a `reset`). @default 1000 */
  readonly eventRetention?: number;
  /**
   * How long a finished job's record, checkpoint, events and idempotency key are kept, in ms; 0 keeps
   * them until purged. Nothing of a queued or running job ever expires. @default 604800000 (7 days)
   */
  readonly finishedJobRetentionMs?: number;
  /** Idle blocking connections (for long-polled event reads) kept open for reuse. @default 4 */
  readonly maxIdleBlockingConnections?: number;
}

/** The Redis adapter: every port, plus the queue's complete-and-claim fast path. */
export interface RedisAdapter extends Adapter {
  readonly queue: RedisQueue;
  readonly keyPrefix: string;
  /** The facts' store, under the tenant's record hash tag as conversations and chunks. */
  readonly facts: FactStore;
  /** The tenants' library versions, under the tenant's record hash tag as the other sinks. */
  readonly library: LibraryStore;
  /** The shared rate limiter's store: each limiter's keys under the hash tag `{keyPrefix:rl:<name>}`. */
  readonly rateLimits: RateLimitStore;
  /** The spend ledger's store: each tenant's keys under the hash tag `{keyPrefix:sp:<tenant>}`. */
  readonly spend: SpendLedgerStore;
  /** Jobs across tenants for operators: `find` (stuck or failed jobs), retention `cleanup`, `check`. */
  readonly admin: JobAdmin;
}

/**
 * Every threadmill port on Redis or Redis Cluster through the ioredis client you pass in: one Lua
 * script per operation, leases, rate limits and spend on the server clock, no I/O until first use.
 * @example
 * const adapter = createRedisAdapter({ client: new Redis(process.env.REDIS_URL), keyPrefix: "imports" });
 * const { job } = await adapter.jobs.create({ tenant: "user-1", pipeline: "import", input: { kind: "file", path } });
 */
export function createRedisAdapter(options: RedisAdapterOptions): RedisAdapter {
  const { client } = options;
  if (!client || typeof (client as { defineCommand?: unknown }).defineCommand !== "function") {
    throw new TypeError("[threadmill] [redis] createRedisAdapter needs an ioredis Redis or Cluster client.");
  }
  const keyPrefix = options.keyPrefix ?? "threadmill";
  if (keyPrefix === "" || /[{}]/.test(keyPrefix)) {
    throw new TypeError(
      `[threadmill] [redis] keyPrefix must be non-empty and free of { and }, got "${keyPrefix}".`,
    );
  }
  const clientPrefix = (client as { options?: { keyPrefix?: string } }).options?.keyPrefix;
  if (clientPrefix) {
    throw new TypeError(
      "[threadmill] [redis] the client has ioredis' keyPrefix set, which Lua-built keys cannot honour; pass keyPrefix to createRedisAdapter instead.",
    );
  }
  const eventRetention = options.eventRetention ?? 1000;
  if (!Number.isInteger(eventRetention) || eventRetention < 1) {
    throw new RangeError(
      `[threadmill] [redis] eventRetention must be a positive integer, got ${eventRetention}.`,
    );
  }
  const finishedJobRetentionMs = options.finishedJobRetentionMs ?? 7 * 24 * 3600 * 1000;
  if (!Number.isFinite(finishedJobRetentionMs) || finishedJobRetentionMs < 0) {
    throw new RangeError(
      `[threadmill] [redis] finishedJobRetentionMs must be >= 0, got ${finishedJobRetentionMs}.`,
    );
  }
  const ctx = createRedisContext({
    client,
    keys: createRedisKeys(keyPrefix),
    eventRetention,
    finishedJobRetentionMs: Math.floor(finishedJobRetentionMs),
    maxIdleBlockingConnections: options.maxIdleBlockingConnections ?? 4,
  });
  const conversations: ConversationStore = createRedisRecordStore(ctx, "conversations");
  const chunks: ChunkStore = createRedisRecordStore(ctx, "chunks");
  const facts: FactStore = createRedisRecordStore(ctx, "facts");
  const library: LibraryStore = createRedisRecordStore(ctx, "library");
  const jobs: JobStore = createRedisJobStore(ctx, [conversations, chunks, facts, library]);
  const queue = createRedisQueue(ctx);
  const checkpoints: CheckpointStore = createRedisCheckpointStore(ctx);
  const events: EventLog = createRedisEventLog(ctx);
  return {
    name: "redis",
    keyPrefix,
    jobs,
    queue,
    checkpoints,
    events,
    conversations,
    chunks,
    facts,
    library,
    rateLimits: createRedisRateLimitStore(ctx),
    spend: createRedisSpendLedger(ctx),
    admin: createRedisJobAdmin(ctx),
    capabilities: { blockingRead: true, fencedSinks: !ctx.isCluster },
    close: () => ctx.close(),
  };
}
