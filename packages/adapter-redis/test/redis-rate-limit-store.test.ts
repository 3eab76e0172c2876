// The rate limiter's store on the shared Redis: exact admission under concurrent bursts (one and three
// dimensions), a denial that records nothing, the TTLs that let idle state expire, and a decision-for-
// decision comparison with core's reference algorithm on a test clock (fractional emissions, refunds,
// late charges, holds), which the Lua must match to the last double.
import { createPrng } from "@threadmill/testkit";
import {
  applyAdjustments,
  createRateLimiter,
  createRateLimitState,
  decideAcquire,
  type RateLimitCharge,
  RateLimitedError,
  releaseHolds,
} from "@threadmill/core";
import type { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { createRedisAdapter } from "../src/index.js";
import { createRedisRateLimitStore } from "../src/redis-rate-limit-store.js";
import { fixedClockContext } from "./limits-fixed-clock.js";
import { deletePrefix, newClient, redisAvailable, uniquePrefix } from "./redis-env.js";

const HOUR = 3_600_000;

/** Settles every promise; counts admissions and refusals, returns anything else that was thrown. */
async function tally<T>(runs: Promise<T>[]) {
  const results = await Promise.allSettled(runs);
  const admitted = results.filter((r) => r.status === "fulfilled").length;
  const reasons = results.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
  const refused = reasons.filter((e) => RateLimitedError.isInstance(e)).length;
  return { admitted, refused, others: reasons.filter((e) => !RateLimitedError.isInstance(e)) };
}

describe.skipIf(!redisAvailable)("redis rate limit store", () => {
  const clients: Redis[] = [];
  const prefix = uniquePrefix("rl");
  const client = () => {
    const c = newClient();
    clients.push(c);
    return c;
  };
  const control = client();
  // Four connections, so concurrent calls really race on the server.
  const adapters = Array.from({ length: 4 }, () =>
    createRedisAdapter({ client: client(), keyPrefix: prefix }),
  );
  afterAll(async () => {
    await deletePrefix(control, prefix);
    for (const c of clients) c.disconnect();
  });

  it("admits exactly 100 of 1,000 concurrent acquires at 100 an hour, burst 100", async () => {
    const limiters = adapters.map((adapter) =>
      createRateLimiter({
        store: adapter.rateLimits,
        name: "exact-1",
        rules: [{ name: "requests", limit: 100, periodMs: HOUR }],
        maxWaitMs: 0,
      }),
    );
    const result = await tally(Array.from({ length: 1000 }, (_, i) => limiters[i % 4]!.acquire("model-a")));
    expect(result).toEqual({ admitted: 100, refused: 900, others: [] });
  });

  it("admits exactly what the tightest of three dimensions allows, with global and per-key rules", async () => {
    const limiters = adapters.map((adapter) =>
      createRateLimiter({
        store: adapter.rateLimits,
        name: "exact-3",
        rules: [
          { name: "requests", limit: 1000, periodMs: HOUR, scope: "global" },
          { name: "inputTokens", limit: 10_000, periodMs: HOUR },
          { name: "outputTokens", limit: 6_000, periodMs: HOUR },
        ],
        maxWaitMs: 0,
      }),
    );
    const cost = { requests: 1, inputTokens: 150, outputTokens: 50 };
    const result = await tally(
      Array.from({ length: 1000 }, (_, i) => limiters[i % 4]!.acquire("model-b", cost)),
    );
    // 66 x 150 = 9,900 input tokens; the 67th would pass 10,000.
    expect(result).toEqual({ admitted: 66, refused: 934, others: [] });
  });

  it("records nothing on a denial, and keeps state only as long as it matters", async () => {
    const store = adapters[0]!.rateLimits;
    const base = `{${prefix}:rl:3:raw}:`;
    const roomy: RateLimitCharge = {
      kind: "rate",
      key: "g:roomy",
      group: "g",
      emissionMs: 60_000,
      toleranceMs: 6_000_000,
      cost: 1,
    };
    const tight: RateLimitCharge = {
      kind: "rate",
      key: "g:tight",
      group: "g",
      emissionMs: 5_000,
      toleranceMs: 5_000,
      cost: 1,
    };
    const slots: RateLimitCharge = { kind: "concurrency", key: "g:slots", limit: 2, holdMs: 30_000 };
    const first = await store.acquire({ limiter: "raw", charges: [roomy, tight, slots], holdId: "h1" });
    expect(first).toMatchObject({ allowed: true, remaining: [99, 0, 1], denied: [] });

    // One group: both TATs are fields of one hash.
    const before = await control.hmget(`${base}t:g`, "g:roomy", "g:tight");
    const serverNow = async () => {
      const [s, us] = await control.time();
      return Number(s) * 1000 + Number(us) / 1000;
    };
    const from = await serverNow();
    const denied = await store.acquire({ limiter: "raw", charges: [roomy, tight, slots], holdId: "h2" });
    const to = await serverNow();
    expect(denied.allowed).toBe(false);
    expect(denied.denied).toEqual([1]);
    // Until the tight TAT runs out, on the server's clock: tat - now, rounded up.
    const tightTat = Number(before[1]);
    expect(denied.retryAfterMs).toBeGreaterThanOrEqual(Math.ceil(tightTat - to));
    expect(denied.retryAfterMs).toBeLessThanOrEqual(Math.ceil(tightTat - from));
    expect(await control.hmget(`${base}t:g`, "g:roomy", "g:tight")).toEqual(before);
    expect(await control.zrange(`${base}h:g:slots`, 0, -1)).toEqual(["h1"]);

    // A group's hash lives until its latest TAT runs out (plus 1 ms for Redis's whole-ms expiry), a
    // hold set until its latest hold does; each is extended twice as far when it must be.
    const groupTtl = await control.pttl(`${base}t:g`);
    expect(groupTtl).toBeGreaterThan(59_000);
    expect(groupTtl).toBeLessThanOrEqual(120_002);
    const slotsTtl = await control.pttl(`${base}h:g:slots`);
    expect(slotsTtl).toBeGreaterThan(29_000);
    expect(slotsTtl).toBeLessThanOrEqual(60_002);

    await store.release({ limiter: "raw", keys: ["g:slots"], holdId: "h1" });
    expect(await control.exists(`${base}h:g:slots`)).toBe(0);
    // A refund of the whole charge empties the bucket: its field goes, and the hash with the last one.
    await store.adjust({
      limiter: "raw",
      adjustments: [{ key: "g:tight", group: "g", emissionMs: 5_000, delta: -1 }],
    });
    expect(await control.hexists(`${base}t:g`, "g:tight")).toBe(0);
    await store.adjust({
      limiter: "raw",
      adjustments: [{ key: "g:roomy", group: "g", emissionMs: 60_000, delta: -1 }],
    });
    expect(await control.exists(`${base}t:g`)).toBe(0);
  });

  it("ends every hold of releases made together, which share one batch", async () => {
    const store = createRedisRateLimitStore(fixedClockContext(control, prefix, Date.now), { maxInFlight: 1 });
    const limiter = createRateLimiter({
      store,
      name: "release-batch",
      rules: [{ name: "inFlight", concurrency: 10, holdMs: HOUR }],
      maxWaitMs: 0,
    });
    const holds = await Promise.all(Array.from({ length: 10 }, () => limiter.acquire("k")));
    await expect(limiter.acquire("k")).rejects.toThrow(RateLimitedError);
    await Promise.all(holds.map((hold) => hold.release()));
    const again = await tally(Array.from({ length: 12 }, () => limiter.acquire("k")));
    expect(again).toEqual({ admitted: 10, refused: 2, others: [] });
  });

  it("keeps limiters apart whatever their names hold ({, }, :, non-ASCII)", async () => {
    const store = adapters[0]!.rateLimits;
    const charge: RateLimitCharge = {
      kind: "rate",
      key: "k:r:x",
      emissionMs: HOUR,
      toleranceMs: HOUR,
      cost: 1,
    };
    for (const limiter of ["a}b", "a}c", "{a", "a:b", "ä", "a"]) {
      const decision = await store.acquire({ limiter, charges: [charge], holdId: "h" });
      expect(decision.allowed, limiter).toBe(true);
    }
  });

  it("decides exactly as core's reference algorithm, state and all, on a test clock", async () => {
    const rand = createPrng(20_240_229).next; // seeded, so a failing sequence can be replayed
    let micros = 1_709_251_199_000_000; // the server clock's units; ms below are s * 1000 + us / 1000
    const now = () => Math.floor(micros / 1e6) * 1000 + (micros % 1e6) / 1000;
    // One batch on the wire at a time, so the calls made together below always share a batch.
    const store = createRedisRateLimitStore(fixedClockContext(control, prefix, now), { maxInFlight: 1 });
    const seen = { allowed: 0, denied: 0, byConcurrency: 0, batches: 0, singles: 0 };
    for (let scenario = 0; scenario < 12; scenario++) {
      const limiter = `ref-${scenario}`;
      const base = `{${prefix}:rl:${limiter.length}:${limiter}}:`;
      const rates = Array.from({ length: 1 + Math.floor(rand() * 3) }, (_, i) => {
        const limit = 1 + Math.floor(rand() * 40);
        const emissionMs = (1 + Math.floor(rand() * 9_999)) / limit; // fractional, as periodMs / limit
        const burst = 1 + Math.floor(rand() * limit * 2);
        // TATs a key each, in one group (fields of one hash), or spread over two groups.
        const group = [undefined, "g", i % 2 === 0 ? "g" : "h"][scenario % 3];
        return { key: `g:r${i}`, group, emissionMs, toleranceMs: burst * emissionMs, burst };
      });
      const concurrency = {
        key: "g:c",
        limit: 1 + Math.floor(rand() * 3),
        holdMs: 50 + Math.floor(rand() * 2_000),
      };
      const state = createRateLimitState();
      const holdIds: string[] = [];
      for (let step = 0; step < 80; step++) {
        micros += Math.floor(rand() * 400_000);
        const at = now();
        const pick = rand();
        if (pick < 0.7) {
          // Sometimes several calls at once: the store sends them as batches, which must decide
          // exactly as the reference does calling after calling.
          const calls = rand() < 0.4 ? 2 + Math.floor(rand() * 5) : 1;
          const requests = Array.from({ length: calls }, (_, call) => {
            const charges: RateLimitCharge[] = rates.map((r) => ({
              kind: "rate",
              key: r.key,
              ...(r.group ? { group: r.group } : {}),
              emissionMs: r.emissionMs,
              toleranceMs: r.toleranceMs,
              cost: Math.floor(rand() * (r.burst + 1)),
            }));
            // The hold anywhere in the call, so charges reach the scripts out of their keys' order.
            if (rand() < 0.5) {
              charges.splice(Math.floor(rand() * (charges.length + 1)), 0, {
                kind: "concurrency",
                ...concurrency,
              });
            }
            const holdId = `h${step}.${call}`;
            holdIds.push(holdId);
            return { limiter, charges, holdId };
          });
          const expected = requests.map((request) => decideAcquire(state, request, at));
          if (calls > 1) seen.batches++;
          else seen.singles++;
          expect(
            await Promise.all(requests.map((r) => store.acquire(r))),
            `scenario ${scenario} step ${step}`,
          ).toEqual(expected);
          expected.forEach((decision, i) => {
            if (decision.allowed) seen.allowed++;
            else seen.denied++;
            const hold = requests[i]!.charges.findIndex((c) => c.kind === "concurrency");
            if (hold >= 0 && decision.denied.includes(hold)) seen.byConcurrency++;
          });
        } else if (pick < 0.9) {
          const r = rates[Math.floor(rand() * rates.length)]!;
          const adjustments = [
            { key: r.key, group: r.group, emissionMs: r.emissionMs, delta: Math.floor(rand() * 9) - 5 },
          ];
          applyAdjustments(state, adjustments, at);
          await store.adjust({ limiter, adjustments });
        } else if (holdIds.length > 0) {
          // Sometimes several at once: the store sends them as one batch.
          // Mostly holds still live (a release that ends nothing proves little), now and then any.
          const liveIds = [...(state.holds.get(concurrency.key)?.keys() ?? [])];
          const pool = liveIds.length > 0 && rand() < 0.8 ? liveIds : holdIds;
          const some = Array.from(
            { length: rand() < 0.4 ? 2 + Math.floor(rand() * 3) : 1 },
            () => pool[Math.floor(rand() * pool.length)]!,
          );
          for (const holdId of some) releaseHolds(state, [concurrency.key], holdId);
          await Promise.all(
            some.map((holdId) => store.release({ limiter, keys: [concurrency.key], holdId })),
          );
        }
        // The live holds are the reference's.
        const live = [...(state.holds.get(concurrency.key) ?? new Map<string, number>())]
          .filter(([, expiresAt]) => expiresAt > at)
          .map(([id]) => id)
          .sort();
        const stored = await control.zrangebyscore(`${base}h:${concurrency.key}`, `(${at}`, "+inf");
        expect(stored.sort(), `${limiter} holds at step ${step}`).toEqual(live);
        // The stored TATs are the reference's doubles, bit for bit.
        for (const r of rates) {
          const tat = state.tats.get(r.key);
          const stored = await control.hget(`${base}t:${r.group ?? r.key}`, r.key);
          if (tat !== undefined && tat > at) expect(Number(stored), `${limiter} ${r.key}`).toBe(tat);
        }
      }
    }
    // The sequences reach every branch.
    expect(seen.allowed).toBeGreaterThan(100);
    expect(seen.denied).toBeGreaterThan(100);
    expect(seen.byConcurrency).toBeGreaterThan(5);
    expect(seen.batches).toBeGreaterThan(50);
    expect(seen.singles).toBeGreaterThan(200);
  });
});
