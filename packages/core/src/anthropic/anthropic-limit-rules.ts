import type { RateLimitRule } from "../ratelimit/rate-limit-rule.js";

/** Anthropic's usage tiers (Claude Haiku 4.5's limits at each, from Anthropic's rate-limit docs, 2026-12). */
const TIERS = {
  1: { requestsPerMinute: 50, inputTokensPerMinute: 50_000, outputTokensPerMinute: 10_000 },
  2: { requestsPerMinute: 1_000, inputTokensPerMinute: 450_000, outputTokensPerMinute: 90_000 },
  3: { requestsPerMinute: 2_000, inputTokensPerMinute: 1_000_000, outputTokensPerMinute: 200_000 },
  4: { requestsPerMinute: 4_000, inputTokensPerMinute: 4_000_000, outputTokensPerMinute: 800_000 },
} as const;

/** A model's limits at Anthropic (your organisation's tier; the console shows them). */
export interface AnthropicLimits {
  /** Starts from this tier's limits for Claude Haiku 4.5; the fields below override them. @default 1 */
  readonly tier?: 1 | 2 | 3 | 4;
  /** @default the tier's */
  readonly requestsPerMinute?: number;
  /** @default the tier's */
  readonly inputTokensPerMinute?: number;
  /** @default the tier's */
  readonly outputTokensPerMinute?: number;
  /** Requests in flight at once across every process; a crashed process's slot returns after 10 minutes. @default 16 */
  readonly concurrency?: number;
}

/**
 * The rules of a limiter shared by everything that calls one model, named as the facts stage
 * charges them (`requests`, `inputTokens`, `outputTokens`). Anthropic counts `max_tokens` against
 * output tokens per minute until an answer ends, and so does this limiter: at tier 1 (10,000 output
 * tokens a minute) a request reserving 8,192 goes about once a minute. Pass your tier.
 * @example
 * const limiter = createRateLimiter({ store: adapter.rateLimits, name: "anthropic", rules: anthropicLimitRules({ requestsPerMinute: 4000 }) });
 */
export function anthropicLimitRules(limits: AnthropicLimits = {}): RateLimitRule[] {
  const tier = TIERS[limits.tier ?? 1];
  if (!tier)
    throw new RangeError(`[threadmill] [anthropic] tier must be 1, 2, 3 or 4 (got ${String(limits.tier)}).`);
  return [
    { name: "requests", limit: limits.requestsPerMinute ?? tier.requestsPerMinute, periodMs: 60_000 },
    {
      name: "inputTokens",
      limit: limits.inputTokensPerMinute ?? tier.inputTokensPerMinute,
      periodMs: 60_000,
    },
    {
      name: "outputTokens",
      limit: limits.outputTokensPerMinute ?? tier.outputTokensPerMinute,
      periodMs: 60_000,
    },
    { name: "inFlight", concurrency: limits.concurrency ?? 16, holdMs: 600_000 },
  ];
}
