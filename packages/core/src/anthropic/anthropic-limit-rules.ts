import type { RateLimitRule } from "../ratelimit/rate-limit-rule.js";

/** A model's limits at Anthropic (your organisation's tier; the console shows them). */
export interface AnthropicLimits {
  /** @default 50 */
  readonly requestsPerMinute?: number;
  /** @default 50000 */
  readonly inputTokensPerMinute?: number;
  /** @default 10000 */
  readonly outputTokensPerMinute?: number;
  /** Requests in flight at once across every process; a crashed process's slot returns after 10 minutes. @default 16 */
  readonly concurrency?: number;
}

/**
 * The rules of a limiter shared by everything that calls one model, named as the facts stage
 * charges them (`requests`, `inputTokens`, `outputTokens`). The defaults are tier 1's for Claude
 * Haiku 4.5: pass your tier's.
 * @example
 * const limiter = createRateLimiter({ store: adapter.rateLimits, name: "anthropic", rules: anthropicLimitRules({ requestsPerMinute: 4000 }) });
 */
export function anthropicLimitRules(limits: AnthropicLimits = {}): RateLimitRule[] {
  return [
    { name: "requests", limit: limits.requestsPerMinute ?? 50, periodMs: 60_000 },
    { name: "inputTokens", limit: limits.inputTokensPerMinute ?? 50_000, periodMs: 60_000 },
    { name: "outputTokens", limit: limits.outputTokensPerMinute ?? 10_000, periodMs: 60_000 },
    { name: "inFlight", concurrency: limits.concurrency ?? 16, holdMs: 600_000 },
  ];
}
