export {
  applyAdjustments,
  createRateLimitState,
  decideAcquire,
  pruneRateLimitState,
  releaseHolds,
  RATE_LIMIT_EPSILON_MS,
  type RateLimitState,
} from "./rate-limit-algorithm.js";
export {
  type AcquireOptions,
  createRateLimiter,
  type RateLimiter,
  type RateLimiterOptions,
} from "./create-rate-limiter.js";
export { RATE_LIMIT_LUA } from "./lua/rate-limit-lua.js";
export type { RateLimitHold } from "./rate-limit-hold.js";
export type { ConcurrencyRule, RateLimitCost, RateLimitRule, RateRule } from "./rate-limit-rule.js";
