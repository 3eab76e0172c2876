import { createMemoryAdapter } from "@threadmill/adapter-memory";
import { afterEach, describe, expect, it, vi } from "vitest";
import { CancelledError } from "../errors/cancelled-error.js";
import { RateLimitedError } from "../errors/rate-limited-error.js";
import { StorageError } from "../errors/storage-error.js";
import type {
  RateLimitAcquireRequest,
  RateLimitDecision,
  RateLimitStore,
} from "../ports/rate-limit-store.js";
import { createRateLimiter } from "./create-rate-limiter.js";

const ALLOWED: RateLimitDecision = { allowed: true, retryAfterMs: 0, remaining: [0], denied: [] };
const refused = (retryAfterMs: number): RateLimitDecision => ({
  allowed: false,
  retryAfterMs,
  remaining: [0],
  denied: [0],
});

/** A store that answers acquire from a script (the last answer repeats) and records when it was asked. */
function scriptedStore(answers: RateLimitDecision[], onAcquire?: () => void) {
  const asked: number[] = [];
  const store: RateLimitStore = {
    async acquire() {
      asked.push(performance.now());
      onAcquire?.();
      return answers.length > 1 ? answers.shift()! : answers[0]!;
    },
    adjust: async () => {},
    release: async () => {},
  };
  return { store, asked };
}

/** The memory store, counting acquire calls. */
function countedMemoryStore() {
  const inner = createMemoryAdapter().rateLimits!;
  const calls: RateLimitAcquireRequest[] = [];
  const store: RateLimitStore = {
    acquire: (request) => {
      calls.push(request);
      return inner.acquire(request);
    },
    adjust: (request) => inner.adjust(request),
    release: (request) => inner.release(request),
  };
  return { store, calls };
}

const failing = (operation: string) => () =>
  Promise.reject(new StorageError({ adapter: "redis", operation, cause: new Error("ECONNREFUSED") }));

const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

afterEach(() => {
  vi.restoreAllMocks();
});

describe("createRateLimiter: waiting", () => {
  it("with maxWaitMs 0, refuses at once with the store's retryAfterMs, naming the refusing rules", async () => {
    const { store, calls } = countedMemoryStore();
    const limiter = createRateLimiter({
      store,
      name: "api",
      rules: [
        { name: "requests", limit: 1, periodMs: 3_600_000 },
        { name: "tokens", limit: 100, periodMs: 3_600_000 },
      ],
    });
    const hold = await limiter.acquire("m", { tokens: 10 }, { maxWaitMs: 0 });
    expect(hold).toMatchObject({ checked: true, remaining: { requests: 0, tokens: 90 } });
    const error = await rejection(limiter.acquire("m", { tokens: 10 }, { maxWaitMs: 0 }));
    expect(RateLimitedError.isInstance(error)).toBe(true);
    expect((error as RateLimitedError).retryAfterMs).toBeGreaterThan(3_599_000);
    expect((error as Error).message).toContain("by api (requests)");
    expect(calls).toHaveLength(2);
  });

  it("waits retryAfterMs plus up to 25 % jitter before asking again", async () => {
    const { store, asked } = scriptedStore([refused(80), ALLOWED]);
    vi.spyOn(Math, "random").mockReturnValue(0.5);
    const timeouts = vi.spyOn(globalThis, "setTimeout");
    const limiter = createRateLimiter({ store, rules: [{ name: "r", limit: 1, periodMs: 100 }] });
    await limiter.acquire("k");
    expect(asked).toHaveLength(2);
    expect(timeouts.mock.calls.map(([, ms]) => ms)).toContain(90);
    expect(asked[1]! - asked[0]!).toBeGreaterThanOrEqual(88);
  });

  it("refuses without waiting when the store's retryAfterMs is beyond what is left of maxWaitMs", async () => {
    const { store, asked } = scriptedStore([refused(5000)]);
    const limiter = createRateLimiter({
      store,
      rules: [{ name: "r", limit: 1, periodMs: 100 }],
      maxWaitMs: 1000,
    });
    const started = performance.now();
    const error = await rejection(limiter.acquire("k"));
    expect(error).toMatchObject({ name: "RateLimitedError", retryAfterMs: 5000 });
    expect(asked).toHaveLength(1);
    expect(performance.now() - started).toBeLessThan(100);
  });

  it("never waits past maxWaitMs in all", async () => {
    const { store, asked } = scriptedStore([refused(300)]);
    vi.spyOn(Math, "random").mockReturnValue(0.99);
    const limiter = createRateLimiter({
      store,
      rules: [{ name: "r", limit: 1, periodMs: 100 }],
      maxWaitMs: 500,
    });
    const started = performance.now();
    await expect(limiter.acquire("k")).rejects.toSatisfy(RateLimitedError.isInstance);
    const waited = performance.now() - started;
    expect(asked).toHaveLength(2);
    expect(waited).toBeGreaterThanOrEqual(370);
    expect(waited).toBeLessThan(500);
  });

  it("polls a concurrency refusal every pollMs, so a release lets the waiter in before the hold expires", async () => {
    const { store, calls } = countedMemoryStore();
    const limiter = createRateLimiter({
      store,
      rules: [{ name: "inFlight", concurrency: 1, holdMs: 60_000 }],
      pollMs: 20,
      maxWaitMs: 5000,
    });
    const first = await limiter.acquire("k");
    const started = performance.now();
    const second = limiter.acquire("k");
    setTimeout(() => void first.release(), 150);
    expect((await second).remaining).toEqual({ inFlight: 0 });
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(145);
    expect(waited).toBeLessThan(1000);
    // One ask per poll of 20-25 ms while the slot was held.
    expect(calls.length).toBeGreaterThanOrEqual(6);
  });

  it("gives up on a concurrency refusal after maxWaitMs", async () => {
    const { store } = countedMemoryStore();
    const limiter = createRateLimiter({
      store,
      rules: [{ name: "inFlight", concurrency: 1, holdMs: 60_000 }],
      pollMs: 20,
      maxWaitMs: 200,
    });
    await limiter.acquire("k");
    const started = performance.now();
    const error = await rejection(limiter.acquire("k"));
    expect(RateLimitedError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain("(inFlight)");
    expect(performance.now() - started).toBeGreaterThanOrEqual(195);
    expect(performance.now() - started).toBeLessThan(600);
  });
});

describe("createRateLimiter: cancellation", () => {
  const rules = [{ name: "r", limit: 1, periodMs: 100 }];

  it("rejects with CancelledError without asking the store when the signal is already aborted", async () => {
    const { store, asked } = scriptedStore([ALLOWED]);
    const error = await rejection(
      createRateLimiter({ store, rules }).acquire("k", undefined, { signal: AbortSignal.abort() }),
    );
    expect(CancelledError.isInstance(error)).toBe(true);
    expect(asked).toHaveLength(0);
  });

  it("rejects with CancelledError at once when the signal aborts during the wait", async () => {
    const { store } = scriptedStore([refused(5000)]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const started = performance.now();
    const limiter = createRateLimiter({ store, rules, maxWaitMs: 10_000 });
    const error = await rejection(limiter.acquire("k", undefined, { signal: controller.signal }));
    expect(CancelledError.isInstance(error)).toBe(true);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it("rejects with CancelledError at once when the signal aborts while the store is deciding", async () => {
    const controller = new AbortController();
    const { store } = scriptedStore([refused(5000)], () => controller.abort());
    const started = performance.now();
    const limiter = createRateLimiter({ store, rules, maxWaitMs: 10_000 });
    const error = await rejection(limiter.acquire("k", undefined, { signal: controller.signal }));
    expect(CancelledError.isInstance(error)).toBe(true);
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe("createRateLimiter: onStoreError", () => {
  const rules = [
    { name: "r", limit: 10, periodMs: 1000 },
    { name: "c", concurrency: 2, holdMs: 1000 },
  ];

  it('"deny" (the default) passes the store\'s StorageError through, never as a RateLimitedError', async () => {
    const store: RateLimitStore = {
      acquire: failing("acquire"),
      adjust: failing("adjust"),
      release: failing("release"),
    };
    const error = await rejection(createRateLimiter({ store, rules }).acquire("k"));
    expect(StorageError.isInstance(error)).toBe(true);
    expect(RateLimitedError.isInstance(error)).toBe(false);
    expect((error as Error).message).toContain("[threadmill] [redis] acquire failed");
  });

  it('"deny" passes settle and release failures through too', async () => {
    const { store: working } = countedMemoryStore();
    const store: RateLimitStore = { ...working, adjust: failing("adjust"), release: failing("release") };
    const hold = await createRateLimiter({ store, rules }).acquire("k");
    await expect(hold.settle({ r: 0 })).rejects.toSatisfy(StorageError.isInstance);
    await expect(hold.release()).rejects.toSatisfy(StorageError.isInstance);
  });

  it('"allow" lets the call through unchecked, and settle and release do nothing', async () => {
    const adjust = vi.fn(failing("adjust"));
    const store: RateLimitStore = { acquire: failing("acquire"), adjust, release: failing("release") };
    const hold = await createRateLimiter({ store, rules, onStoreError: "allow" }).acquire("k");
    expect(hold).toMatchObject({ checked: false, remaining: {} });
    await hold.settle({ r: 0 });
    await hold.release();
    expect(adjust).not.toHaveBeenCalled();
  });

  it('"allow" swallows settle and release failures of a checked hold', async () => {
    const { store: working } = countedMemoryStore();
    const store: RateLimitStore = { ...working, adjust: failing("adjust"), release: failing("release") };
    const hold = await createRateLimiter({ store, rules, onStoreError: "allow" }).acquire("k");
    expect(hold.checked).toBe(true);
    await hold.settle({ r: 0 });
    await hold.release();
  });
});
