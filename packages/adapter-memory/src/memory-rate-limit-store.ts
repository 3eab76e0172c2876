import {
  applyAdjustments,
  createRateLimitState,
  decideAcquire,
  pruneRateLimitState,
  type RateLimitState,
  type RateLimitStore,
  releaseHolds,
} from "@threadmill/core";

/** Drops run-out state every this many operations, so idle keys do not pile up. */
const PRUNE_EVERY = 1024;

/**
 * The rate limiter's store in this process's memory, running core's reference algorithm; each call
 * is atomic (no `await` inside). Its clock is `now`, not anything a caller passes.
 */
export function createMemoryRateLimitStore(now: () => number): RateLimitStore & { clear(): void } {
  const limiters = new Map<string, RateLimitState>();
  let operations = 0;
  const stateOf = (limiter: string) => {
    let state = limiters.get(limiter);
    if (!state) {
      state = createRateLimitState();
      limiters.set(limiter, state);
    }
    operations += 1;
    if (operations % PRUNE_EVERY === 0) for (const s of limiters.values()) pruneRateLimitState(s, now());
    return state;
  };
  return {
    async acquire(request) {
      return decideAcquire(stateOf(request.limiter), request, now());
    },
    async adjust({ limiter, adjustments }) {
      applyAdjustments(stateOf(limiter), adjustments, now());
    },
    async release({ limiter, keys, holdId }) {
      releaseHolds(stateOf(limiter), keys, holdId);
    },
    clear: () => limiters.clear(),
  };
}
