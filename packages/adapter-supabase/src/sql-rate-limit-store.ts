import type { RateLimitDecision, RateLimitStore } from "@threadmill/core";
import { assertId, limitsNow, type SqlContext } from "./sql-context.js";

/**
 * The RateLimitStore port on SQL: each operation is one call of its function (migration 4), which
 * serializes the limiter with `pg_advisory_xact_lock` and decides on the server's clock exactly as
 * core's reference algorithm does. Driver failures become `StorageError`s.
 */
export function createSqlRateLimitStore(ctx: SqlContext): RateLimitStore {
  const { s } = ctx;
  return {
    async acquire({ limiter, charges, holdId }) {
      assertId(limiter, "limiter");
      assertId(holdId, "holdId");
      const rows = await ctx.run<{ r: string }>(
        "rateLimits.acquire",
        `select ${s}.rate_limit_acquire($1::text, $2::text, $3::text::jsonb, $4::float8)::text as r`,
        [limiter, holdId, JSON.stringify(arrayOf(charges, "charges")), limitsNow(ctx)],
      );
      const decision = JSON.parse(rows[0]!.r) as RateLimitDecision;
      return {
        allowed: decision.allowed,
        retryAfterMs: decision.retryAfterMs,
        remaining: decision.remaining,
        denied: decision.denied,
      };
    },

    async adjust({ limiter, adjustments }) {
      assertId(limiter, "limiter");
      if (arrayOf(adjustments, "adjustments").length === 0) return;
      await ctx.run(
        "rateLimits.adjust",
        `select ${s}.rate_limit_adjust($1::text, $2::text::jsonb, $3::float8) is null as done`,
        [limiter, JSON.stringify(adjustments), limitsNow(ctx)],
      );
    },

    async release({ limiter, keys, holdId }) {
      assertId(limiter, "limiter");
      assertId(holdId, "holdId");
      if (arrayOf(keys, "keys").length === 0) return;
      await ctx.run(
        "rateLimits.release",
        `select ${s}.rate_limit_release($1::text, $2::text::jsonb, $3::text) is null as done`,
        [limiter, JSON.stringify(keys), holdId],
      );
    },
  };
}

function arrayOf<T>(value: readonly T[], what: string): readonly T[] {
  if (!Array.isArray(value)) throw new TypeError(`[threadmill] ${what} must be an array`);
  return value;
}
