import type { RateLimitAcquireRequest, RateLimitDecision, RateLimitStore } from "@threadmill/core";
import { createAcquireEncoder, holdsKey, tatKey } from "./acquire-batch.js";
import { createGroupCommit } from "./group-commit.js";
import type { RedisContext } from "./redis-context.js";

/** The most calls one script decides: bounds how long a batch holds Redis. */
const MAX_BATCH = 128;
/**
 * Batches of one limiter on the wire at once, so Redis decides one while this process reads another
 * (2 measured best at 64 callers, against 1, 3 and 4: `pnpm bench ratelimit`).
 */
const MAX_IN_FLIGHT = 2;

/** The KEYS and ARGV of release-n.lua for a batch of releases of one limiter. */
function releaseArgs(
  base: string,
  batch: readonly { keys: readonly string[]; holdId: string }[],
): { keys: string[]; args: string[] } {
  const keys: string[] = [];
  const index = new Map<string, string>();
  const args: string[] = [String(batch.length)];
  for (const { keys: holdKeys, holdId } of batch) {
    args.push(holdId, String(holdKeys.length));
    for (const key of holdKeys) {
      const full = holdsKey(base, key);
      let i = index.get(full);
      if (i === undefined) {
        i = String(keys.push(full));
        index.set(full, i);
      }
      args.push(i);
    }
  }
  return { keys, args };
}

/**
 * The rate limiter's store on Redis: core's Lua (`RATE_LIMIT_LUA`), one round trip per operation on
 * the server's clock. Every key of one limiter shares its hash tag, so a check of several dimensions
 * runs in one slot of a Cluster. TATs and hold sets expire when they run out, so idle limiters leave
 * nothing behind.
 *
 * Acquires and releases group-commit per limiter (`createGroupCommit`): calls made while earlier
 * ones are on the wire go out together in one script, which decides acquires in order as if they had
 * come one by one. A lone caller pays no delay; 64 callers pay one round trip per batch, not 64.
 */
export function createRedisRateLimitStore(
  ctx: RedisContext,
  // Tests pass 1 so that concurrent calls always share a batch.
  { maxInFlight = MAX_IN_FLIGHT }: { maxInFlight?: number } = {},
): RateLimitStore {
  const encoder = createAcquireEncoder();
  const acquire = createGroupCommit<RateLimitAcquireRequest, RateLimitDecision>({
    maxBatch: MAX_BATCH,
    maxInFlight,
    send(limiter, batch) {
      const base = ctx.keys.rateLimiter(limiter);
      // A batch of one, every call of a lone caller, takes the script made for it: the batch
      // script's tables cost one call more than Redis's commands do.
      const single = batch.length === 1;
      const { keys, args } = single ? encoder.encodeSingle(base, batch[0]!) : encoder.encode(base, batch);
      const script = single ? "acquireSingle" : "acquire";
      return ctx
        .limits(script, "acquire a rate limit", keys, args)
        .then((reply) => encoder.decode(reply as number[], batch));
    },
  });
  const release = createGroupCommit<{ keys: readonly string[]; holdId: string }, void>({
    maxBatch: MAX_BATCH,
    maxInFlight,
    async send(limiter, batch) {
      const { keys, args } = releaseArgs(ctx.keys.rateLimiter(limiter), batch);
      await ctx.limits("release", "release a rate limit hold", keys, args);
      return batch.map(() => undefined);
    },
  });

  return {
    acquire: (request) => acquire(request.limiter, request),
    async adjust({ limiter, adjustments }) {
      if (adjustments.length === 0) return;
      const base = ctx.keys.rateLimiter(limiter);
      await ctx.limits(
        "adjust",
        "adjust a rate limit",
        adjustments.map((a) => tatKey(base, a)),
        adjustments.flatMap((a) => [a.key, String(a.emissionMs), String(a.delta)]),
      );
    },
    async release({ limiter, keys, holdId }) {
      if (keys.length === 0) return;
      await release(limiter, { keys, holdId });
    },
  };
}
