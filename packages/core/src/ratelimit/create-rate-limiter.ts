import { CancelledError } from "../errors/cancelled-error.js";
import { RateLimitedError } from "../errors/rate-limited-error.js";
import type { RateLimitDecision, RateLimitStore } from "../ports/rate-limit-store.js";
import { chargesOf, compileRules, costOf } from "./compile-rules.js";
import { createHold, type RateLimitHold, uncheckedHold } from "./rate-limit-hold.js";
import type { RateLimitCost, RateLimitRule } from "./rate-limit-rule.js";

/** Options of `createRateLimiter`. */
export interface RateLimiterOptions {
  /** Where the limits live, shared by every process that uses the same store and `name`: `adapter.rateLimits`. */
  readonly store: RateLimitStore;
  /** The dimensions every call is checked against at once. */
  readonly rules: readonly RateLimitRule[];
  /** Names the limiter in the store; limiters with the same name share their state. @default "default" */
  readonly name?: string;
  /** How long `acquire` may wait for its turn before it throws `RateLimitedError`. @default 60_000 */
  readonly maxWaitMs?: number;
  /**
   * When the store fails: `"deny"` throws its `StorageError` (never a `RateLimitedError`); `"allow"`
   * lets the call through unchecked (`hold.checked === false`). @default "deny"
   */
  readonly onStoreError?: "deny" | "allow";
  /** How often a call refused by a concurrency rule asks again, in ms (a release frees a slot before its expiry). @default 50 */
  readonly pollMs?: number;
}

/** Options of one `acquire`. */
export interface AcquireOptions {
  /** Stops waiting; `acquire` then rejects with a `CancelledError`. */
  readonly signal?: AbortSignal;
  /** Overrides the limiter's `maxWaitMs` for this call; `0` never waits. */
  readonly maxWaitMs?: number;
}

/** A rate limiter shared by every process on the same store. */
export interface RateLimiter {
  readonly name: string;
  /** The rules it was made with (a caller charging it, such as the facts stage, names only these). */
  readonly rules: readonly RateLimitRule[];
  /**
   * Waits until every rule admits `cost` for `key` at once, then returns a hold; throws
   * `RateLimitedError` when that would take longer than `maxWaitMs`.
   */
  acquire(key: string, cost?: RateLimitCost, options?: AcquireOptions): Promise<RateLimitHold>;
}

function wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CancelledError({ reason: "the rate limiter's wait was aborted" }));
    };
    // Aborted while the store was deciding: "abort" has fired already and will not fire again.
    if (signal?.aborted) {
      reject(new CancelledError({ reason: "the rate limiter's wait was aborted" }));
      return;
    }
    // Not unref'd: a call waiting for its turn is work the process must stay alive for.
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function randomPrefix(): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  // base64url without Buffer: core runs where Node's globals do not (an edge runtime).
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_");
}

function nonNegative(value: number, what: string): number {
  if (!(value >= 0)) throw new RangeError(`[threadmill] [ratelimit] ${what} must be >= 0.`);
  return value;
}

/**
 * A rate limiter whose every check is one atomic operation of the store, on the store's clock: GCRA
 * rate rules charged a cost in several dimensions at once (requests, input tokens, output tokens) and
 * concurrency rules with expiring holds, all admitted together or not at all.
 * @example
 * const limiter = createRateLimiter({
 *   store: adapter.rateLimits,
 *   name: "anthropic",
 *   rules: [
 *     { name: "requests", limit: 50, periodMs: 60_000 },
 *     { name: "inputTokens", limit: 50_000, periodMs: 60_000 },
 *     { name: "inFlight", concurrency: 10, holdMs: 120_000 },
 *   ],
 * });
 * const hold = await limiter.acquire("claude-haiku-4-5", { requests: 1, inputTokens: 12_000 });
 * try {
 *   const response = await call();
 *   await hold.settle({ inputTokens: response.usage.input_tokens });
 * } finally {
 *   await hold.release();
 * }
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const rules = compileRules(options.rules);
  const name = options.name ?? "default";
  if (typeof name !== "string" || name.length === 0 || name.length > 128) {
    throw new RangeError(
      "[threadmill] [ratelimit] name must be a non-empty string of at most 128 characters.",
    );
  }
  const defaultWait = nonNegative(options.maxWaitMs ?? 60_000, "maxWaitMs");
  const pollMs = nonNegative(options.pollMs ?? 50, "pollMs");
  const onStoreError = options.onStoreError ?? "deny";
  if (onStoreError !== "deny" && onStoreError !== "allow") {
    throw new RangeError('[threadmill] [ratelimit] onStoreError must be "deny" or "allow".');
  }
  const { store } = options;
  // Hold ids need only be unique: a random prefix per limiter (96 bits) and a counter. Drawing 16
  // random bytes per call cost a tenth of a busy client's CPU, and a short id is cheaper for Redis to
  // store and drop than a UUID.
  const holdPrefix = randomPrefix();
  let holds = 0;

  return {
    name,
    rules: options.rules,
    async acquire(key, cost, callOptions = {}) {
      if (typeof key !== "string" || key.length === 0) {
        throw new RangeError("[threadmill] [ratelimit] key must be a non-empty string.");
      }
      const units = costOf(rules, cost);
      const charges = chargesOf(rules, key, units);
      const maxWaitMs = nonNegative(callOptions.maxWaitMs ?? defaultWait, "maxWaitMs");
      const { signal } = callOptions;
      holds += 1;
      const holdId = `${holdPrefix}.${holds.toString(36)}`;
      const started = performance.now();
      for (;;) {
        if (signal?.aborted) throw new CancelledError({ reason: "the rate limiter's wait was aborted" });
        let decision: RateLimitDecision;
        try {
          decision = await store.acquire({ limiter: name, charges, holdId });
        } catch (error) {
          if (onStoreError === "allow") return uncheckedHold();
          throw error;
        }
        if (decision.allowed) {
          const remaining: Record<string, number> = {};
          rules.forEach((rule, i) => {
            remaining[rule.name] = decision.remaining[i]!;
          });
          return createHold({
            store,
            limiter: name,
            key,
            holdId,
            rules,
            reserved: units,
            remaining,
            swallow: onStoreError === "allow",
          });
        }
        const left = maxWaitMs - (performance.now() - started);
        const byConcurrency = decision.denied.every((i) => rules[i]!.kind === "concurrency");
        // A held slot may be released long before it expires, so a concurrency refusal waits while time is left.
        if (byConcurrency ? left <= 0 : decision.retryAfterMs > left) {
          const refused = decision.denied.map((i) => rules[i]!.name).join(", ");
          throw new RateLimitedError({
            retryAfterMs: decision.retryAfterMs,
            limiter: `${name} (${refused})`,
          });
        }
        const base = byConcurrency ? Math.min(decision.retryAfterMs, pollMs) : decision.retryAfterMs;
        // Jitter spreads the waiters that were refused together, so they do not all come back at once.
        await wait(Math.min(left, base * (1 + 0.25 * Math.random())), signal);
      }
    },
  };
}
