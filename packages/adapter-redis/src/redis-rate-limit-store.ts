import type { RateLimitDecision, RateLimitStore } from "@threadmill/core";
import type { RedisContext } from "./redis-context.js";

type AcquireReply = [allowed: number, retryAfterMs: number, remaining: number[], denied: number[]];

/**
 * The rate limiter's store on Redis: core's Lua (`RATE_LIMIT_LUA`), one round trip per operation on
 * the server's clock. Every key of one limiter shares its hash tag, so a check of several dimensions
 * runs in one slot of a Cluster. TATs and hold sets expire when they run out, so idle limiters leave
 * nothing behind.
 */
export function createRedisRateLimitStore(ctx: RedisContext): RateLimitStore {
  const tatKey = (base: string, key: string) => `${base}t:${key}`;
  const holdsKey = (base: string, key: string) => `${base}h:${key}`;
  return {
    async acquire({ limiter, charges, holdId }): Promise<RateLimitDecision> {
      const base = ctx.keys.rateLimiter(limiter);
      const keys: string[] = [];
      const args: string[] = [holdId];
      for (const charge of charges) {
        if (charge.kind === "rate") {
          keys.push(tatKey(base, charge.key));
          args.push("r", String(charge.emissionMs), String(charge.toleranceMs), String(charge.cost));
        } else {
          keys.push(holdsKey(base, charge.key));
          args.push("c", String(charge.limit), String(charge.holdMs), "");
        }
      }
      const [allowed, retryAfterMs, remaining, denied] = (await ctx.limits(
        "acquire",
        "acquire a rate limit",
        keys,
        args,
      )) as AcquireReply;
      return { allowed: allowed === 1, retryAfterMs, remaining, denied };
    },
    async adjust({ limiter, adjustments }) {
      if (adjustments.length === 0) return;
      const base = ctx.keys.rateLimiter(limiter);
      await ctx.limits(
        "adjust",
        "adjust a rate limit",
        adjustments.map((a) => tatKey(base, a.key)),
        adjustments.flatMap((a) => [String(a.emissionMs), String(a.delta)]),
      );
    },
    async release({ limiter, keys, holdId }) {
      if (keys.length === 0) return;
      const base = ctx.keys.rateLimiter(limiter);
      await ctx.limits(
        "release",
        "release a rate limit hold",
        keys.map((key) => holdsKey(base, key)),
        [holdId],
      );
    },
  };
}
