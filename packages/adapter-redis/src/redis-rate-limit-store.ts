import type {
  RateLimitAcquireRequest,
  RateLimitCharge,
  RateLimitDecision,
  RateLimitStore,
} from "@threadmill/core";
import { createGroupCommit } from "./group-commit.js";
import type { RedisContext } from "./redis-context.js";

const tatKey = (base: string, key: string) => `${base}t:${key}`;
const holdsKey = (base: string, key: string) => `${base}h:${key}`;

/** The most calls one script decides: bounds how long a batch holds Redis. */
const MAX_BATCH = 128;
/**
 * Batches of one limiter on the wire at once, so Redis decides one while this process reads another
 * (4 measured best at 64 callers: `pnpm bench ratelimit`).
 */
const MAX_IN_FLIGHT = 4;

/**
 * The KEYS and ARGV of acquire-n.lua for a batch of calls of one limiter: each distinct key once, each
 * distinct rule (key and constants) once, then per call its hold id and per charge (rule, cost).
 */
function batchArgs(
  base: string,
  batch: readonly RateLimitAcquireRequest[],
): { keys: string[]; args: string[] } {
  const keys: string[] = [];
  const keyIndex = new Map<string, number>();
  const specArgs: string[] = [];
  const specIndex = new Map<string, string>();
  const spec = (charge: RateLimitCharge) => {
    const rate = charge.kind === "rate";
    const key = rate ? tatKey(base, charge.key) : holdsKey(base, charge.key);
    const a = rate ? charge.emissionMs : charge.limit;
    const b = rate ? charge.toleranceMs : charge.holdMs;
    const id = `${key}\n${a}\n${b}`;
    let found = specIndex.get(id);
    if (found === undefined) {
      let k = keyIndex.get(key);
      if (k === undefined) {
        k = keys.push(key);
        keyIndex.set(key, k);
      }
      specArgs.push(String(k), rate ? "r" : "c", String(a), String(b));
      found = String(specIndex.size + 1);
      specIndex.set(id, found);
    }
    return found;
  };
  const callArgs: string[] = [String(batch.length)];
  for (const request of batch) {
    callArgs.push(request.holdId, String(request.charges.length));
    for (const charge of request.charges) {
      callArgs.push(spec(charge), charge.kind === "rate" ? String(charge.cost) : "0");
    }
  }
  return { keys, args: [String(specIndex.size), ...specArgs, ...callArgs] };
}

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

/** The decisions in acquire-n.lua's flat reply. */
function decisionsOf(
  reply: readonly number[],
  batch: readonly RateLimitAcquireRequest[],
): RateLimitDecision[] {
  let at = 0;
  return batch.map((request) => {
    const n = request.charges.length;
    const allowed = reply[at] === 1;
    const retryAfterMs = reply[at + 1]!;
    const remaining = reply.slice(at + 2, at + 2 + n);
    const deniedCount = reply[at + 2 + n]!;
    const denied = reply.slice(at + 3 + n, at + 3 + n + deniedCount);
    at += 3 + n + deniedCount;
    return { allowed, retryAfterMs, remaining, denied };
  });
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
  const acquire = createGroupCommit<RateLimitAcquireRequest, RateLimitDecision>({
    maxBatch: MAX_BATCH,
    maxInFlight,
    async send(limiter, batch) {
      const { keys, args } = batchArgs(ctx.keys.rateLimiter(limiter), batch);
      const reply = (await ctx.limits("acquire", "acquire a rate limit", keys, args)) as number[];
      return decisionsOf(reply, batch);
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
        adjustments.map((a) => tatKey(base, a.key)),
        adjustments.flatMap((a) => [String(a.emissionMs), String(a.delta)]),
      );
    },
    async release({ limiter, keys, holdId }) {
      if (keys.length === 0) return;
      await release(limiter, { keys, holdId });
    },
  };
}
