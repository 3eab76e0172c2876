import { LeaseLostError, StorageError, ThreadmillError } from "@threadmill/core";
import type { SqlExecutor } from "./sql-executor.js";

/** What every port of one SQL adapter shares. */
export interface SqlContext {
  readonly db: SqlExecutor;
  /** The quoted schema name. */
  readonly s: string;
  readonly eventRetention: number;
  /** How often a long-polling event read looks again (ms). */
  readonly eventPollMs: number;
  /** Whether sink writes check the lease epoch (jobs in this same database). */
  readonly fencedSinks: boolean;
  /** SQL fragment ending a `RETURNING` list that sends NOTIFY on the jobs channel, or "" when off. */
  readonly notifySql: string;
  /** How a job's records are purged in batches (internal; tests make the batches small). */
  readonly purge: PurgeTuning;
  closed: boolean;
  /** Runs a statement, wrapping driver failures in `StorageError` (ours pass through). */
  run<T = Record<string, unknown>>(
    operation: string,
    text: string,
    params?: readonly unknown[],
  ): Promise<T[]>;
  /**
   * Runs `fn`'s statements in one transaction on one connection (safe behind a transaction pooler:
   * nothing outlives the transaction), wrapping failures as `run` does; a throw rolls it back.
   */
  transaction<T>(operation: string, fn: (run: SqlRun) => Promise<T>): Promise<T>;
}

/** One statement inside `SqlContext.transaction`. */
export type SqlRun = <T = Record<string, unknown>>(text: string, params?: readonly unknown[]) => Promise<T[]>;

/** How the purges batch (see sql-purge-records.ts). */
export interface PurgeTuning {
  /** Memberships of each kind deleted per transaction. */
  readonly batch: number;
  /** Called after each committed batch but the last: a test's crash between batches. */
  readonly afterBatch?: () => void | Promise<void>;
}

/**
 * Memberships of each kind a purge step deletes (and records it may delete) per transaction: a few
 * thousand rows keep every statement far below a short `statement_timeout` (Supabase's), while a job
 * of 260k chunks takes about a hundred steps.
 */
export const PURGE_BATCH = 2000;

/** A shared context over an executor. */
export function createSqlContext(
  db: SqlExecutor,
  options: {
    s: string;
    eventRetention: number;
    eventPollMs: number;
    fencedSinks: boolean;
    notifySql: string;
    purge?: PurgeTuning;
  },
): SqlContext {
  const closedError = (operation: string) =>
    new StorageError({
      adapter: db.adapter,
      operation,
      retriable: false,
      message: "the adapter was closed; create a new one",
    });
  const ctx: SqlContext = {
    db,
    ...options,
    purge: options.purge ?? { batch: PURGE_BATCH },
    closed: false,
    async run<T>(operation: string, text: string, params: readonly unknown[] = []): Promise<T[]> {
      if (ctx.closed) throw closedError(operation);
      try {
        return await db.query<T>(text, params);
      } catch (error) {
        throw wrapError(db.adapter, operation, error);
      }
    },
    async transaction<T>(operation: string, fn: (run: SqlRun) => Promise<T>): Promise<T> {
      if (ctx.closed) throw closedError(operation);
      try {
        return await db.transaction((tx) =>
          fn(<R>(text: string, params: readonly unknown[] = []) => tx.query<R>(text, params)),
        );
      } catch (error) {
        throw wrapError(db.adapter, operation, error);
      }
    },
  };
  return ctx;
}

/** Our own errors pass through; driver errors become a `StorageError` naming the adapter. */
export function wrapError(adapter: "postgres" | "pglite", operation: string, error: unknown): unknown {
  if (ThreadmillError.isInstance(error)) return error;
  if (error instanceof TypeError || error instanceof RangeError) return error;
  return new StorageError({ adapter, operation, cause: error });
}

/** `LeaseLostError` for a fenced write that matched no row; `current` is the job's epoch, or null when gone. */
export function leaseLost(jobId: string, epoch: number, current: unknown): LeaseLostError {
  return new LeaseLostError(jobId, epoch, current === null || current === undefined ? null : Number(current));
}

/** The Postgres error's SQLSTATE and constraint, when the error came from the server. */
export function pgErrorInfo(error: unknown): { code?: string; constraint?: string } {
  const e = (error as { cause?: unknown })?.cause ?? error;
  if (e && typeof e === "object") {
    const o = e as { code?: unknown; constraint_name?: unknown; constraint?: unknown };
    return {
      code: typeof o.code === "string" ? o.code : undefined,
      constraint:
        typeof o.constraint_name === "string"
          ? o.constraint_name
          : typeof o.constraint === "string"
            ? o.constraint
            : undefined,
    };
  }
  return {};
}

/** Throws a `TypeError` unless `value` is a non-empty string. */
export function assertId(value: unknown, what: string): asserts value is string {
  if (typeof value !== "string" || value.length === 0) {
    throw new TypeError(`[threadmill] ${what} must be a non-empty string, got ${typeof value}`);
  }
}

/** Throws a `RangeError` unless `value` is a positive finite number of milliseconds. */
export function assertDuration(value: unknown, what: string): asserts value is number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`[threadmill] ${what} must be a positive number of milliseconds`);
  }
}

/** Throws a `TypeError` unless `lease` looks like a Lease. */
export function assertLease(lease: unknown): void {
  const l = lease as { tenant?: unknown; jobId?: unknown; epoch?: unknown } | null;
  if (
    typeof l !== "object" ||
    l === null ||
    typeof l.jobId !== "string" ||
    typeof l.tenant !== "string" ||
    typeof l.epoch !== "number"
  ) {
    throw new TypeError("[threadmill] a lease ({ tenant, jobId, epoch, ... }) is required");
  }
}

/** SQL: a timestamptz column as epoch milliseconds (float8, exact to the ms). */
export const ms = (col: string): string => `floor(extract(epoch from ${col}) * 1000)::float8`;
/** SQL: an epoch-milliseconds parameter as timestamptz. */
export const ts = (param: string): string => `to_timestamp(${param}::float8 / 1000)`;

/**
 * The clock the limits functions decide on, passed as their `p_now`: `null` on Postgres (the
 * server's `clock_timestamp()`); on PGlite, which runs in this process and whose clock follows
 * `Date.now`, the process's monotonic clock, so a caller moving `Date.now` cannot move the limits.
 */
export function limitsNow(ctx: SqlContext): number | null {
  return ctx.db.adapter === "pglite" ? performance.timeOrigin + performance.now() : null;
}
