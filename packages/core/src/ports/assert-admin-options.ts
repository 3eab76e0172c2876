import type { CleanupOptions, FindJobsOptions } from "./job-admin.js";

function assertCount(value: number | undefined, name: string, adapter: string): void {
  if (value !== undefined && !(Number.isFinite(value) && value >= 0)) {
    throw new RangeError(
      `[threadmill] [${adapter}] ${name} must be a finite number >= 0, got ${String(value)}`,
    );
  }
}

/**
 * Checks `JobAdmin.cleanup`'s options before anything is deleted: a typo that turned the age into
 * `NaN` or a negative number must not empty the store.
 * @throws RangeError naming the option.
 */
export function assertCleanupOptions(options: CleanupOptions, adapter: string): void {
  if (typeof options?.olderThanMs !== "number") {
    throw new RangeError(`[threadmill] [${adapter}] cleanup needs olderThanMs, a number of milliseconds`);
  }
  assertCount(options.olderThanMs, "olderThanMs", adapter);
  assertCount(options.limit, "limit", adapter);
}

/**
 * Checks `JobAdmin.find`'s options.
 * @throws RangeError naming the option.
 */
export function assertFindJobsOptions(options: FindJobsOptions | undefined, adapter: string): void {
  assertCount(options?.limit, "limit", adapter);
  assertCount(options?.queuedGraceMs, "queuedGraceMs", adapter);
}
