// threadmill's rate limiter against rate-limiter-flexible 11 on the same server, in the same run.
// One check: rate-limiter-flexible's `consume(key, 1)` (one counter per fixed window), threadmill's
// `acquire(key, cost, { maxWaitMs: 0 })` charging requests, input tokens and output tokens (three
// GCRA dimensions) and taking a concurrency hold, all at once; then acquire + release (the hold given
// back, a second round trip), as a caller really uses it. One hot key, as a limiter shared by every
// worker in front of one model is. Every limit is high enough that every check is admitted; checks/s
// and latency at 1 and 64 in flight; per check, what the client sent, its CPU and Redis's time in
// commands; and exactness: 1,000 checks at once against a limit of 100 (burst 100, nothing refills
// during the burst) must admit exactly 100. A floor case runs only the Redis commands a full check
// needs, with no decision, in one script per check: no implementation of this check in one round trip
// sends Redis less.
import { createRateLimiter, RateLimitedError, type RateLimitRule } from "@threadmill/core";
import { RateLimiterRes } from "rate-limiter-flexible";
import { defineBenchmark, type Metrics } from "../harness.js";
import { runCheckLoad } from "./check-load.js";
import { type BenchStore, type StoreKind, withStore } from "./ratelimit-stores.js";

const WINDOW_MS = Number(process.env.RATELIMIT_WINDOW_MS) || 2000;
const WARMUP_MS = Number(process.env.RATELIMIT_WARMUP_MS) || 500;
const IN_FLIGHT = [1, 64] as const;
const KEY = "claude-haiku-4-5";
/**
 * Holds not released pile up until they expire, so the acquire-only case carries (checks/s x HOLD_MS)
 * live holds: short, as for a call that takes this long, and far below the concurrency limit.
 */
const HOLD_MS = 250;
const COST = { requests: 1, inputTokens: 1200, outputTokens: 300 };
const EXACT_ATTEMPTS = 1000;
const EXACT_LIMIT = 100;
const ADMITTED = `admitted of ${EXACT_ATTEMPTS} (limit ${EXACT_LIMIT})`;

/**
 * The rules of the load: they admit every check of a run yet keep each bucket drawn down, as under
 * real load. A check moves each TAT 30-120 ms ahead of the store's clock, far more than the time
 * between two checks, against a burst no run uses up (10^7 requests, 10^10 tokens): every check
 * updates its state in place, as rate-limiter-flexible's counter is updated through its window. With
 * limits so high that each bucket is empty again by the next check, the stores would instead drop and
 * recreate every TAT on every check, which is not what a loaded limiter does.
 */
const LOAD_RULES: RateLimitRule[] = [
  { name: "requests", limit: 10_000_000, periodMs: 1_000_000_000 },
  { name: "inputTokens", limit: 10_000_000_000, periodMs: 1_000_000_000 },
  { name: "outputTokens", limit: 10_000_000_000, periodMs: 1_000_000_000 },
  { name: "inFlight", concurrency: 1_000_000, holdMs: HOLD_MS },
];

/** The exactness burst's rules: `requests` at limit 100, burst 100, nothing refilled within the hour. */
const EXACT_RULES: RateLimitRule[] = [
  { name: "requests", limit: EXACT_LIMIT, periodMs: 3_600_000 },
  ...LOAD_RULES.slice(1),
];

/**
 * Checks/s and latency at each number in flight; over all of them, what the clients sent, this
 * process's CPU and (Redis) the server's time in commands, per check: the costs that set throughput
 * when the machine is shared, where the wall-clock figures swing with the neighbours' load.
 */
async function loads(store: BenchStore, check: () => Promise<unknown>): Promise<Metrics> {
  const metrics: Metrics = {};
  const server0 = await store.serverMicros();
  const sent0 = store.sent();
  const cpu0 = process.cpuUsage();
  let checks = 0;
  for (const inFlight of IN_FLIGHT) {
    const load = await runCheckLoad(check, inFlight, WINDOW_MS, WARMUP_MS);
    Object.assign(metrics, load.metrics);
    checks += load.checks;
  }
  const cpu = process.cpuUsage(cpu0);
  if (store.sentPerCheck) metrics[store.sentPerCheck] = (store.sent() - sent0) / checks;
  metrics["client CPU µs/check"] = (cpu.user + cpu.system) / checks;
  const server1 = await store.serverMicros();
  if (server0 !== null && server1 !== null) metrics["redis µs/check"] = (server1 - server0) / checks;
  return metrics;
}

/** How many of `attempts` (all started at once) were admitted; a failure that is not a refusal throws. */
async function admitted(
  attempts: Promise<unknown>[],
  isRefusal: (reason: unknown) => boolean,
): Promise<number> {
  const settled = await Promise.allSettled(attempts);
  const failure = settled.find((s) => s.status === "rejected" && !isRefusal(s.reason));
  if (failure) throw (failure as PromiseRejectedResult).reason;
  return settled.filter((s) => s.status === "fulfilled").length;
}

function flexibleCase(kind: StoreKind): () => Promise<Metrics> {
  return () =>
    withStore(kind, async (store) => {
      if (!store.flexible) throw new Error(`rate-limiter-flexible has no ${kind} store here`);
      const limiter = await store.flexible(1_000_000_000, "bench");
      const metrics = await loads(store, () => limiter.consume(KEY, 1));
      const exact = await store.flexible(EXACT_LIMIT, "exact");
      metrics[ADMITTED] = await admitted(
        Array.from({ length: EXACT_ATTEMPTS }, () => exact.consume(KEY, 1)),
        (reason) => reason instanceof RateLimiterRes,
      );
      return metrics;
    });
}

function floorCase(): Promise<Metrics> {
  return withStore("redis", async (store) => {
    if (!store.floor) throw new Error("the floor runs on Redis only");
    return loads(store, await store.floor());
  });
}

/** Like for like with rate-limiter-flexible's check: one rate rule, cost 1, no hold. */
const SINGLE_RULE: RateLimitRule[] = [LOAD_RULES[0]!];

function threadmillCase(kind: StoreKind, release: boolean, single = false): () => Promise<Metrics> {
  const rules = single ? SINGLE_RULE : LOAD_RULES;
  const cost = single ? { requests: 1 } : COST;
  return () =>
    withStore(kind, async (store) => {
      const rateLimits = await store.rateLimits();
      const limiter = createRateLimiter({ store: rateLimits, name: "bench", rules });
      const metrics = await loads(store, async () => {
        const hold = await limiter.acquire(KEY, cost, { maxWaitMs: 0 });
        if (release) await hold.release();
      });
      if (!release && !single) {
        const exact = createRateLimiter({ store: rateLimits, name: "exact", rules: EXACT_RULES });
        metrics[ADMITTED] = await admitted(
          Array.from({ length: EXACT_ATTEMPTS }, () => exact.acquire(KEY, COST, { maxWaitMs: 0 })),
          (reason) => reason instanceof RateLimitedError,
        );
      }
      return metrics;
    });
}

const FLEXIBLE_REDIS = "redis: rate-limiter-flexible consume";
const FLEXIBLE_POSTGRES = "postgres: rate-limiter-flexible consume";
const ours = (kind: StoreKind, release: boolean) =>
  `${kind}: threadmill acquire${release ? " + release" : ""}`;
const OURS_SINGLE = "redis: threadmill acquire, 1 rate rule";
const FLOOR = "redis: floor, a full check's commands alone";

export default defineBenchmark({
  description:
    "one check on one hot key at 1 and 64 in flight: threadmill acquire (3 rate dimensions + a concurrency hold) vs rate-limiter-flexible 11 consume, private redis-server and shared Postgres; 1,000 at once against limit 100",
  runs: 5,
  interleave: true,
  baseline: FLEXIBLE_REDIS,
  higherIsBetter: {
    "checks/s @1": true,
    "checks/s @64": true,
    "median µs @1": false,
    "median µs @64": false,
    "p99 µs @1": false,
    "p99 µs @64": false,
    "round trips/check": false,
    "statements/check": false,
    "client CPU µs/check": false,
    "redis µs/check": false,
  },
  goals: {
    "checks/s on Redis @1 and @64":
      ">= 1.0x rate-limiter-flexible's (paired), doing 3 rate dimensions + a hold per check",
    "round trips/check": "1 for acquire (one script); 2 with release",
    [ADMITTED]: `exactly ${EXACT_LIMIT} on every store`,
  },
  pairs: [
    ...(["redis", "postgres"] as const).flatMap((kind) =>
      [false, true].flatMap((release) =>
        IN_FLIGHT.map(
          (n) =>
            [
              ours(kind, release),
              kind === "redis" ? FLEXIBLE_REDIS : FLEXIBLE_POSTGRES,
              `checks/s @${n}`,
            ] as const,
        ),
      ),
    ),
    ...IN_FLIGHT.map((n) => [OURS_SINGLE, FLEXIBLE_REDIS, `checks/s @${n}`] as const),
    ...IN_FLIGHT.map((n) => [FLOOR, FLEXIBLE_REDIS, `checks/s @${n}`] as const),
    ...IN_FLIGHT.map((n) => [ours("redis", false), FLOOR, `checks/s @${n}`] as const),
  ],
  cases: {
    [FLEXIBLE_REDIS]: { run: flexibleCase("redis") },
    [ours("redis", false)]: { run: threadmillCase("redis", false) },
    [ours("redis", true)]: { run: threadmillCase("redis", true) },
    [OURS_SINGLE]: { run: threadmillCase("redis", false, true) },
    [FLOOR]: { run: floorCase },
    [FLEXIBLE_POSTGRES]: { run: flexibleCase("postgres") },
    [ours("postgres", false)]: { run: threadmillCase("postgres", false) },
    [ours("postgres", true)]: { run: threadmillCase("postgres", true) },
    [ours("memory", false)]: { run: threadmillCase("memory", false) },
    [ours("memory", true)]: { run: threadmillCase("memory", true) },
  },
});
