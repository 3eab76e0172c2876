import type { Sql } from "postgres";
import {
  createSqlAdapter,
  jobsChannel,
  type SqlAdapter,
  type SqlAdapterOptions,
} from "./create-sql-adapter.js";
import { listenForJobs } from "./listen-for-jobs.js";
import { migrate } from "./migrate.js";
import { createPostgresExecutor } from "./postgres-executor.js";
import { quoteSchema } from "./quote-schema.js";
import type { SqlExecutor } from "./sql-executor.js";

/** Options of `createPostgresAdapter`. */
export interface PostgresAdapterOptions extends SqlAdapterOptions {
  /**
   * Your postgres.js client. Direct connection or a transaction pooler (Supavisor port 6543,
   * PgBouncer): every statement is sent unprepared and holds no session state; the few
   * transactions (`sql.begin`) end within the call.
   * Never closed by the adapter.
   */
  readonly sql: Sql;
  /** Schema of threadmill's tables. @default "threadmill" */
  readonly schema?: string;
  /** Run `migrate()` before the first statement (idempotent, safe under concurrency). @default false */
  readonly migrate?: boolean;
  /**
   * Send `NOTIFY` (in the same statement) when a job becomes claimable by `create`, `release` or
   * `retry`, so workers that `listenForJobs` on a direct connection start it within milliseconds.
   * Polling stays the baseline; through a transaction pooler LISTEN does not work. @default false
   */
  readonly notify?: boolean;
  /**
   * Send the adapter's statements as named prepared statements (planned once per connection). Only
   * on a direct or session-mode connection: through a transaction pooler prepared statements break.
   * @default false
   */
  readonly prepare?: boolean;
  /**
   * A postgres.js client on a direct or session-mode connection (LISTEN needs a session; through a
   * transaction pooler it does not work). Given it, `queue.onClaimable` LISTENs there (one dedicated
   * connection, opened for the first subscriber) and relays the `notify: true` adapters'
   * notifications, so the runner's idle workers claim a new job at once instead of at their next
   * poll. Often the same client as `sql`. Never closed by the adapter (`close()` unlistens).
   */
  readonly listen?: Sql;
}

/**
 * Every threadmill port on Postgres through postgres.js: one statement per call (purges, cleanup and
 * a library swap that removes records run short transactions), claims with `FOR UPDATE SKIP LOCKED`,
 * every lease-holding write fenced by the epoch in the same statement, the database clock for
 * leases, rate limits and spend. Driver failures become `StorageError`s.
 * @example
 * const sql = postgres(process.env.DATABASE_URL!, { prepare: false, fetch_types: false });
 * await migrate(sql);
 * const adapter = createPostgresAdapter({ sql });
 */
export function createPostgresAdapter(options: PostgresAdapterOptions): SqlAdapter {
  if (typeof options?.sql !== "function") {
    throw new TypeError("[threadmill] [postgres] createPostgresAdapter needs { sql }: a postgres.js client");
  }
  const schemaName = options.schema ?? "threadmill";
  const schema = quoteSchema(schemaName);
  let db: SqlExecutor = createPostgresExecutor(options.sql, options.prepare === true);
  if (options.migrate) {
    const base = db;
    let ready: Promise<unknown> | null = null;
    const gate = () => {
      ready ??= migrate(base, { schema: schemaName }).catch((error) => {
        ready = null;
        throw error;
      });
      return ready;
    };
    db = {
      ...base,
      query: async (text, params) => {
        await gate();
        return base.query(text, params);
      },
      transaction: async (fn) => {
        await gate();
        return base.transaction(fn);
      },
    } as SqlExecutor;
  }
  if (options.listen !== undefined && typeof options.listen?.listen !== "function") {
    throw new TypeError("[threadmill] [postgres] listen must be a postgres.js client");
  }
  const wake = options.listen ? wakeOnNotify(options.listen, schemaName) : null;
  const { adapter } = createSqlAdapter(
    "postgres",
    db,
    schema,
    { ...options, notifyChannel: options.notify ? jobsChannel(schemaName) : null },
    async () => {
      await wake?.close();
    },
  );
  if (wake) adapter.queue.onClaimable = wake.onClaimable;
  return adapter;
}

/**
 * `Queue.onClaimable` over LISTEN: subscribes on the first listener and relays every notification
 * to all listeners. A failed LISTEN is tried again by the next subscriber; polling covers the gap.
 */
function wakeOnNotify(sql: Sql, schemaName: string) {
  const listeners = new Set<() => void>();
  let subscription: Promise<{ unlisten: () => Promise<void> } | null> | null = null;
  let closed = false;
  const fire = () => {
    for (const listener of [...listeners]) listener();
  };
  return {
    onClaimable(listener: () => void): () => void {
      listeners.add(listener);
      if (!closed) {
        subscription ??= listenForJobs({ sql, schema: schemaName, onJob: fire }).catch(() => {
          subscription = null;
          return null;
        });
      }
      return () => {
        listeners.delete(listener);
      };
    },
    async close(): Promise<void> {
      closed = true;
      listeners.clear();
      const current = await subscription;
      subscription = null;
      await current?.unlisten().catch(() => undefined);
    },
  };
}
