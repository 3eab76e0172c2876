import type { RateLimitStore, SpendLedgerStore } from "@threadmill/core";

/** The limits stores of one adapter, opened on its storage. */
export interface OpenedLimitsStores {
  readonly rateLimits: RateLimitStore;
  readonly spend: SpendLedgerStore;
  /** Closes what `open` opened. */
  close(): Promise<void>;
}

/**
 * What `runRateLimitStoreConformance` and `runSpendLedgerConformance` take. Cases isolate themselves
 * by unique limiter names and tenants, so every `open` may reach the same storage.
 */
export interface LimitsConformanceOptions {
  /** Shown in the suite's title, for example `"redis"`. */
  readonly name: string;
  /**
   * Opens the stores on the adapter's storage. Every call reaches the same storage (a new connection
   * to the same Redis prefix, Postgres schema or PGlite directory), so a store opened after another
   * was closed sees what it wrote when `durable` is true. Each suite holds one opened set at a time in
   * this process (opened before its first case, closed after its last, and closed before it is opened
   * again for the restart case), so a PGlite directory is never opened twice at once.
   */
  readonly open: () => Promise<OpenedLimitsStores>;
  /** Whether what a store wrote survives its `close` (false for memory; its restart case is skipped, naming this). */
  readonly durable: boolean;
  /**
   * An absolute path to a module exporting `open(): Promise<OpenedLimitsStores>` that reaches the same
   * storage from another process (it reads its settings from `process.env`, which the suite passes
   * through as it is when the children start). When given, the multi-process cases run in 4 child
   * processes, `node --import tsx [--import <repo>/scripts/register-lua-text.mjs] <testkit's
   * limits-worker>`, started in this module's directory (so tsx maps `@threadmill/*` by the nearest
   * tsconfig.json), two of them with `Date.now` 2 s ahead; both suites of a test file share them.
   * When absent (memory, PGlite), the same calls run concurrently in this process.
   */
  readonly processModule?: string;
  /** Empties the store's script cache mid-run (Redis: `SCRIPT FLUSH`); absent: that case is skipped. */
  readonly flushScripts?: () => Promise<void>;
}
