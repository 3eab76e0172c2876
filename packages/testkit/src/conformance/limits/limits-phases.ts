import {
  BudgetExceededError,
  createRateLimiter,
  createSpendLedger,
  RateLimitedError,
  type RateLimitCost,
  type RateLimitRule,
  type SpendAmount,
  type SpendReservation,
  type SpendScope,
} from "@threadmill/core";
import type { OpenedLimitsStores } from "./limits-conformance-options.js";

/** `calls` concurrent `acquire`s of one limiter with `maxWaitMs: 0`, as one process's share of a burst. */
export interface AcquireBurstPhase {
  readonly kind: "acquireBurst";
  readonly limiter: string;
  readonly rules: readonly RateLimitRule[];
  readonly key: string;
  readonly cost?: RateLimitCost;
  readonly calls: number;
  /** A refusal's `retryAfterMs` above this (or below 1) is counted in `badRetry`. */
  readonly maxRetryAfterMs: number;
}

/** What one process saw of its burst of acquires. */
export interface AcquireBurstResult {
  readonly admitted: number;
  readonly rateLimited: number;
  /** Refusals whose `retryAfterMs` was not in [1, maxRetryAfterMs]. */
  readonly badRetry: readonly number[];
  /** Anything thrown that was not a `RateLimitedError` (its name and message). */
  readonly other: readonly string[];
}

/** `calls` concurrent reservations of `amount` through `createSpendLedger`. */
export interface ReserveBurstPhase {
  readonly kind: "reserveBurst";
  readonly scope: SpendScope;
  readonly amount: SpendAmount;
  readonly calls: number;
  readonly ttlMs: number;
}

/** What one process saw of its burst of reservations. */
export interface ReserveBurstResult {
  readonly admitted: number;
  /** Refusals per `<scope>/<unit>/<limit>` of their `BudgetExceededError`. */
  readonly refusals: Readonly<Record<string, number>>;
  readonly other: readonly string[];
}

/** One reservation, returned and then never settled (the process is killed after it). */
export interface ReserveOncePhase {
  readonly kind: "reserveOnce";
  readonly scope: SpendScope;
  readonly amount: SpendAmount;
  readonly ttlMs: number;
}

/** The participant's `Date.now()`, to check its clock shift. */
export interface ClockPhase {
  readonly kind: "clock";
}

/** What a phase gives back, per phase. */
export interface LimitsPhaseResults {
  readonly acquireBurst: AcquireBurstResult;
  readonly reserveBurst: ReserveBurstResult;
  readonly reserveOnce: { readonly reservation: SpendReservation };
  readonly clock: { readonly now: number };
}

/** One step of the multi-process cases, run by each process (or in-process stand-in) at once. */
export type LimitsPhase = AcquireBurstPhase | ReserveBurstPhase | ReserveOncePhase | ClockPhase;

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * Counts the calls of a burst that went through, hands each refusal of the expected kind to
 * `onRefusal`, and describes any other error (which the cases require to be none).
 */
function tally<E>(
  outcomes: readonly PromiseSettledResult<unknown>[],
  isRefusal: (error: unknown) => error is E,
  onRefusal: (error: E) => void,
): { admitted: number; other: string[] } {
  let admitted = 0;
  const other: string[] = [];
  for (const outcome of outcomes) {
    if (outcome.status === "fulfilled") admitted += 1;
    else if (isRefusal(outcome.reason)) onRefusal(outcome.reason);
    else other.push(describeError(outcome.reason));
  }
  return { admitted, other };
}

async function acquireBurst(
  stores: OpenedLimitsStores,
  phase: AcquireBurstPhase,
): Promise<AcquireBurstResult> {
  const limiter = createRateLimiter({ store: stores.rateLimits, name: phase.limiter, rules: phase.rules });
  const outcomes = await Promise.allSettled(
    Array.from({ length: phase.calls }, () => limiter.acquire(phase.key, phase.cost, { maxWaitMs: 0 })),
  );
  let rateLimited = 0;
  const badRetry: number[] = [];
  const { admitted, other } = tally(outcomes, RateLimitedError.isInstance, (error) => {
    rateLimited += 1;
    if (!(error.retryAfterMs >= 1 && error.retryAfterMs <= phase.maxRetryAfterMs)) {
      badRetry.push(error.retryAfterMs);
    }
  });
  return { admitted, rateLimited, badRetry, other };
}

async function reserveBurst(
  stores: OpenedLimitsStores,
  phase: ReserveBurstPhase,
): Promise<ReserveBurstResult> {
  const ledger = createSpendLedger({ store: stores.spend });
  const outcomes = await Promise.allSettled(
    Array.from({ length: phase.calls }, () =>
      ledger.reserve(phase.scope, phase.amount, { ttlMs: phase.ttlMs }),
    ),
  );
  const refusals: Record<string, number> = {};
  const { admitted, other } = tally(outcomes, BudgetExceededError.isInstance, (error) => {
    const label = `${error.scope}/${error.unit}/${error.limit}`;
    refusals[label] = (refusals[label] ?? 0) + 1;
  });
  return { admitted, refusals, other };
}

/** Runs one phase on `stores`: the same code in a child process and in the in-process stand-in. */
export async function runLimitsPhase<P extends LimitsPhase>(
  stores: OpenedLimitsStores,
  phase: P,
): Promise<LimitsPhaseResults[P["kind"]]> {
  type Result = LimitsPhaseResults[P["kind"]];
  switch (phase.kind) {
    case "acquireBurst":
      return (await acquireBurst(stores, phase)) as Result;
    case "reserveBurst":
      return (await reserveBurst(stores, phase)) as Result;
    case "reserveOnce": {
      const ledger = createSpendLedger({ store: stores.spend });
      const reservation = await ledger.reserve(phase.scope, phase.amount, { ttlMs: phase.ttlMs });
      return { reservation } as Result;
    }
    case "clock":
      return { now: Date.now() } as Result;
  }
  throw new Error(`limits conformance: unknown phase ${JSON.stringify(phase)}`);
}
