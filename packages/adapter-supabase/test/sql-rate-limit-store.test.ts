import {
  createRateLimiter,
  createRateLimitState,
  applyAdjustments,
  decideAcquire,
  type RateLimitCharge,
  type RateLimitDecision,
  RateLimitedError,
  type RateLimitHold,
  releaseHolds,
} from "@threadmill/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type LimitsTarget, openLimitsTargets } from "./support/limits-targets.js";

const { targets, missing } = await openLimitsTargets("rl");
let counter = 0;
const unique = (label: string) => `${label}-${process.pid}-${++counter}`;

describe.each(targets.map((t) => [t.name, t] as const))("SQL RateLimitStore on %s", (_, target) => {
  it("1,000 concurrent acquires against 100 per hour (burst 100) admit exactly 100, each seeing its own remaining", async () => {
    const limiter = createRateLimiter({
      store: target.adapter.rateLimits,
      name: unique("burst"),
      rules: [{ name: "requests", limit: 100, periodMs: 3_600_000, burst: 100 }],
      maxWaitMs: 0,
    });
    const results = await Promise.allSettled(Array.from({ length: 1000 }, () => limiter.acquire("user-1")));
    const admitted = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    expect(admitted).toHaveLength(100);
    // Serialized: every admitted call saw a different state (99 left, 98 left, ... 0 left).
    expect(admitted.map((h) => h.remaining.requests).sort((a, b) => a! - b!)).toEqual(
      Array.from({ length: 100 }, (_, i) => i),
    );
    for (const r of results) {
      if (r.status === "rejected") expect(RateLimitedError.isInstance(r.reason)).toBe(true);
    }
  });

  it("1,000 concurrent acquires of a 3-dimension cost admit exactly 100; the 900 denials recorded nothing", async () => {
    const name = unique("tokens");
    const rules = [
      { name: "requests", limit: 1000, periodMs: 86_400_000 },
      // 86_400_000 / 7000 is fractional: the burst's last unit must not be refused by rounding.
      { name: "inputTokens", limit: 7000, periodMs: 86_400_000 },
      { name: "outputTokens", limit: 500, periodMs: 86_400_000 },
    ];
    const limiter = createRateLimiter({ store: target.adapter.rateLimits, name, rules, maxWaitMs: 0 });
    const cost = { requests: 1, inputTokens: 70, outputTokens: 5 };
    const results = await Promise.allSettled(Array.from({ length: 1000 }, () => limiter.acquire("m", cost)));
    const admitted = results.filter(
      (r) => r.status === "fulfilled",
    ) as PromiseFulfilledResult<RateLimitHold>[];
    expect(admitted).toHaveLength(100);
    expect(admitted.map((r) => r.value.remaining.inputTokens).sort((a, b) => a! - b!)).toEqual(
      Array.from({ length: 100 }, (_, i) => i * 70),
    );
    // Had a denial charged the dimension that admitted it, `requests` would be far below 899 now.
    const probe = await limiter.acquire("m", { requests: 1, inputTokens: 0, outputTokens: 0 });
    expect(probe.remaining).toEqual({ requests: 899, inputTokens: 0, outputTokens: 0 });
  });

  it("decides exactly as core's reference algorithm, on the store's clock (fuzzed acquire / adjust / release)", async () => {
    await fc.assert(
      fc.asyncProperty(scenario(), (s) => replay(target, s)),
      { numRuns: 10, endOnFailure: true },
    );
  });

  it("concurrency holds: a full key refuses with the time to its earliest expiry; release frees a slot at once", async () => {
    const store = target.adapter.rateLimits;
    const limiter = unique("slots");
    const charge: RateLimitCharge = { kind: "concurrency", key: "g:inFlight", limit: 2, holdMs: 60_000 };
    const acquire = (holdId: string) => store.acquire({ limiter, charges: [charge], holdId });
    expect(await acquire("a")).toEqual({ allowed: true, retryAfterMs: 0, remaining: [1], denied: [] });
    expect(await acquire("b")).toEqual({ allowed: true, retryAfterMs: 0, remaining: [0], denied: [] });
    const refused = await acquire("c");
    expect(refused).toMatchObject({ allowed: false, remaining: [0], denied: [0] });
    expect(refused.retryAfterMs).toBeGreaterThan(59_000);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(60_000);
    await store.release({ limiter, keys: ["g:inFlight"], holdId: "a" });
    await store.release({ limiter, keys: ["g:inFlight"], holdId: "a" });
    expect(await acquire("c")).toEqual({ allowed: true, retryAfterMs: 0, remaining: [0], denied: [] });
  });
});

if (missing.length > 0) {
  describe.skip(`SQL RateLimitStore (${missing.join("; ")})`, () => {
    it("needs Postgres and pgbouncer", () => {});
  });
}

interface Scenario {
  readonly rates: readonly { emissionMs: number; toleranceMs: number }[];
  readonly slots: { limit: number; holdMs: number };
  readonly ops: readonly Op[];
}
type Op =
  | { kind: "acquire"; picks: number[]; costs: number[] }
  | { kind: "adjust"; pick: number; delta: number }
  | { kind: "release"; which: number }
  | { kind: "sleep"; ms: number };

/** Two rate keys with compiled-rule constants (fractional emission), one concurrency key, 40 operations. */
function scenario(): fc.Arbitrary<Scenario> {
  const rate = fc
    .record({
      limit: fc.integer({ min: 1, max: 12 }),
      periodMs: fc.integer({ min: 1, max: 60 }),
      burst: fc.integer({ min: 1, max: 12 }),
    })
    .map(({ limit, periodMs, burst }) => ({
      emissionMs: periodMs / limit,
      toleranceMs: burst * (periodMs / limit),
    }));
  const op: fc.Arbitrary<Op> = fc.oneof(
    {
      weight: 5,
      arbitrary: fc.record({
        kind: fc.constant("acquire" as const),
        picks: fc.subarray([0, 1, 2], { minLength: 1 }),
        costs: fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 2, maxLength: 2 }),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant("adjust" as const),
        pick: fc.integer({ min: 0, max: 1 }),
        delta: fc.integer({ min: -4, max: 4 }),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("release" as const), which: fc.nat() }) },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant("sleep" as const), ms: fc.integer({ min: 1, max: 6 }) }),
    },
  );
  return fc.record({
    rates: fc.tuple(rate, rate),
    slots: fc.record({ limit: fc.integer({ min: 1, max: 3 }), holdMs: fc.integer({ min: 1, max: 25 }) }),
    ops: fc.array(op, { minLength: 40, maxLength: 40 }),
  });
}

/** Runs the scenario through the SQL functions and core's reference at the clock each call reported. */
async function replay(target: LimitsTarget, s: Scenario): Promise<void> {
  const limiter = unique("fuzz");
  const state = createRateLimitState();
  const keys = ["k:a:x", "g:b"];
  const holdIds: string[] = [];
  let now = 0;
  const call = async (fn: string, params: unknown[]): Promise<Record<string, unknown>> => {
    const rows = await target.query<{ r: string | null }>(`select ${target.s}.${fn}::text as r`, params);
    return rows[0]!.r ? JSON.parse(rows[0]!.r) : {};
  };
  for (const op of s.ops) {
    if (op.kind === "acquire") {
      const charges: RateLimitCharge[] = op.picks.map((p) =>
        p === 2
          ? { kind: "concurrency", key: "k:c:x", ...s.slots }
          : { kind: "rate", key: keys[p]!, ...s.rates[p]!, cost: op.costs[p]! },
      );
      const holdId = `h${holdIds.length}`;
      holdIds.push(holdId);
      const { now: at, ...decision } = await call("rate_limit_acquire($1::text, $2::text, $3::text::jsonb)", [
        limiter,
        holdId,
        JSON.stringify(charges),
      ]);
      now = at as number;
      expect(decision as unknown as RateLimitDecision).toEqual(
        decideAcquire(state, { limiter, charges, holdId }, now),
      );
    } else if (op.kind === "adjust") {
      const adjustments = [
        { key: keys[op.pick]!, emissionMs: s.rates[op.pick]!.emissionMs, delta: op.delta },
      ];
      now = (
        await call("rate_limit_adjust($1::text, $2::text::jsonb)", [limiter, JSON.stringify(adjustments)])
      ).now as number;
      applyAdjustments(state, adjustments, now);
    } else if (op.kind === "release") {
      if (holdIds.length === 0) continue;
      const holdId = holdIds[op.which % holdIds.length]!;
      await call("rate_limit_release($1::text, $2::text::jsonb, $3::text)", [limiter, '["k:c:x"]', holdId]);
      releaseHolds(state, ["k:c:x"], holdId);
    } else {
      await new Promise((r) => setTimeout(r, op.ms));
    }
  }
  // What is still live at the last call's clock is the same, to the last bit of every double.
  const tats = await target.query<{ key: string; tat: number }>(
    `select key, tat from ${target.s}.rate_limit_tats where limiter = $1 and tat > $2::float8 order by key`,
    [limiter, now],
  );
  const expected = [...state.tats].filter(([, tat]) => tat > now).sort(([a], [b]) => (a < b ? -1 : 1));
  expect(tats.map((r) => [r.key, Number(r.tat)])).toEqual(expected);
  const holds = await target.query<{ hold_id: string; expires_at: number }>(
    `select hold_id, expires_at from ${target.s}.rate_limit_holds where limiter = $1 and expires_at > $2::float8 order by hold_id`,
    [limiter, now],
  );
  const live = [...(state.holds.get("k:c:x") ?? [])]
    .filter(([, at]) => at > now)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  expect(holds.map((r) => [r.hold_id, Number(r.expires_at)])).toEqual(live);
}
