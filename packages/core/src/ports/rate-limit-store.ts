/**
 * One rate dimension of a check, as the store runs it: GCRA with a cost. Core computes it from a
 * rule (`createRateLimiter`); the store keeps one number per key, its theoretical arrival time (TAT).
 */
export interface RateCharge {
  readonly kind: "rate";
  /** The dimension's key inside the limiter (`k:<rule>:<key>` or `g:<rule>`). */
  readonly key: string;
  /**
   * Rate dimensions of one group may be stored together (Redis keeps a group's TATs as fields of one
   * hash: one read and one write per check, however many dimensions it charges). Absent, the
   * dimension is a group of its own. Stores may ignore it.
   */
  readonly group?: string;
  /** Milliseconds one unit takes to come back: `periodMs / limit` (fractional). */
  readonly emissionMs: number;
  /** How far past the store's now the TAT may run after a charge: `burst * emissionMs`. */
  readonly toleranceMs: number;
  /** Units this call takes (an integer >= 0). */
  readonly cost: number;
}

/** One concurrency dimension of a check: at most `limit` holds at once, each expiring after `holdMs`. */
export interface ConcurrencyCharge {
  readonly kind: "concurrency";
  readonly key: string;
  readonly limit: number;
  readonly holdMs: number;
}

/** One dimension of a check. */
export type RateLimitCharge = RateCharge | ConcurrencyCharge;

/** One atomic check of several dimensions. */
export interface RateLimitAcquireRequest {
  /** The limiter's name. Every key of one limiter lives together (one Redis hash tag, one lock scope). */
  readonly limiter: string;
  readonly charges: readonly RateLimitCharge[];
  /** Names this call's concurrency holds (unique per call), for `release`. */
  readonly holdId: string;
}

/** What the store decided, on its own clock. */
export interface RateLimitDecision {
  /** Every dimension admitted the call and was charged; when `false`, nothing was recorded. */
  readonly allowed: boolean;
  /**
   * 0 when allowed; else whole milliseconds (>= 1) until every refusing dimension could admit this
   * cost (a concurrency dimension: until its earliest hold expires, sooner if one is released).
   */
  readonly retryAfterMs: number;
  /** Per charge, in request order: whole units left after this call (allowed) or now (denied), >= 0. */
  readonly remaining: readonly number[];
  /** Indexes of the charges that refused (empty when allowed). */
  readonly denied: readonly number[];
}

/** A correction of a rate dimension after the fact. */
export interface RateLimitAdjustment {
  readonly key: string;
  /** The rate dimension's group, as its charge gave it. */
  readonly group?: string;
  readonly emissionMs: number;
  /**
   * Units to give back (negative: the TAT moves back, never before the store's now, so a refund never
   * leaves more than a full bucket) or to take (positive: charged even past the limit, because they
   * were used).
   */
  readonly delta: number;
}

/**
 * Runs the rate limiter's atomic operations with the store's clock, never the caller's. Core owns the
 * algorithms (GCRA with a cost per call; a concurrency semaphore with expiring holds) and their Lua;
 * every adapter passes testkit's `runRateLimitStoreConformance`.
 */
export interface RateLimitStore {
  /**
   * Checks every charge at once: all are admitted and recorded, or none is (a denial records
   * nothing, though it may drop expired holds).
   */
  acquire(request: RateLimitAcquireRequest): Promise<RateLimitDecision>;
  /** Applies refunds and late charges to rate dimensions, atomically. */
  adjust(request: {
    readonly limiter: string;
    readonly adjustments: readonly RateLimitAdjustment[];
  }): Promise<void>;
  /** Ends the hold `holdId` on each concurrency key; a hold already expired or released is ignored. */
  release(request: {
    readonly limiter: string;
    readonly keys: readonly string[];
    readonly holdId: string;
  }): Promise<void>;
}
