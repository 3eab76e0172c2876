/**
 * Runs a rate limiter's atomic check with the store's clock. Core owns the algorithms (GCRA with a
 * cost per call, refunds, a concurrency semaphore with expiring holds) and the Lua source. It
 * arrives with the rate-limiter work; until then no adapter implements it.
 */
export interface RateLimitStore {
  /**
   * Charges `cost` against `key`'s limit of `limit` per `periodMs` (burst `burst`), atomically.
   * `allowed: false` charges nothing and says when to retry.
   */
  check(
    key: string,
    request: {
      readonly cost: number;
      readonly limit: number;
      readonly periodMs: number;
      readonly burst?: number;
    },
  ): Promise<{ readonly allowed: boolean; readonly remaining: number; readonly retryAfterMs: number }>;
}
