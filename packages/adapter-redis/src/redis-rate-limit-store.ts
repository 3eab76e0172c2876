import type {
  RateLimitAcquireRequest,
  RateLimitCharge,
  RateLimitDecision,
  RateLimitStore,
} from "@threadmill/core";
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

interface LimiterQueue {
  readonly waiting: Waiting[];
  sending: number;
}

interface Waiting {
  readonly request: RateLimitAcquireRequest;
  resolve(decision: RateLimitDecision): void;
  reject(error: unknown): void;
}

/**
 * The KEYS and ARGV of acquire-n.lua for a batch of calls of one limiter: each distinct key once, each
 * distinct rule (key and constants) once, then per call its hold id and per charge (rule, cost).
 */
function batchArgs(base: string, batch: readonly Waiting[]): { keys: string[]; args: string[] } {
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
  for (const { request } of batch) {
    callArgs.push(request.holdId, String(request.charges.length));
    for (const charge of request.charges) {
      callArgs.push(spec(charge), charge.kind === "rate" ? String(charge.cost) : "0");
    }
  }
  return { keys, args: [String(specIndex.size), ...specArgs, ...callArgs] };
}

/** The decisions in acquire-n.lua's flat reply. */
function decisionsOf(reply: readonly number[], batch: readonly Waiting[]): RateLimitDecision[] {
  let at = 0;
  return batch.map(({ request }) => {
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
 * Acquires group-commit per limiter: a call goes out at once when fewer than `MAX_IN_FLIGHT` batches
 * of its limiter are on the wire; calls made meanwhile wait and then go out together in one script, which
 * decides them in order as if they had come one by one. A lone caller pays no delay; 64 callers pay
 * one round trip and one script per batch instead of 64.
 */
export function createRedisRateLimitStore(ctx: RedisContext): RateLimitStore {
  const queues = new Map<string, LimiterQueue>();

  const sendBatch = async (base: string, batch: readonly Waiting[]) => {
    const { keys, args } = batchArgs(base, batch);
    try {
      const reply = (await ctx.limits("acquire", "acquire a rate limit", keys, args)) as number[];
      const decisions = decisionsOf(reply, batch);
      for (const [i, waiting] of batch.entries()) waiting.resolve(decisions[i]!);
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
    }
  };

  const pump = async (limiter: string, queue: LimiterQueue) => {
    queue.sending += 1;
    const base = ctx.keys.rateLimiter(limiter);
    while (queue.waiting.length > 0) await sendBatch(base, queue.waiting.splice(0, MAX_BATCH));
    queue.sending -= 1;
    if (queue.sending === 0) queues.delete(limiter);
  };

  return {
    acquire(request): Promise<RateLimitDecision> {
      return new Promise((resolve, reject) => {
        let queue = queues.get(request.limiter);
        if (!queue) {
          queue = { waiting: [], sending: 0 };
          queues.set(request.limiter, queue);
        }
        queue.waiting.push({ request, resolve, reject });
        if (queue.sending < MAX_IN_FLIGHT) void pump(request.limiter, queue);
      });
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
