import { createMemoryAdapter } from "@threadmill/adapter-memory";
import { describe, expect, it } from "vitest";
import { chargesOf, compileRules } from "./compile-rules.js";
import { createRateLimiter, type RateLimiterOptions } from "./create-rate-limiter.js";
import type { RateLimitRule } from "./rate-limit-rule.js";

const store = createMemoryAdapter().rateLimits!;
const create = (options: Partial<RateLimiterOptions>) =>
  createRateLimiter({ store, rules: [{ name: "requests", limit: 10, periodMs: 1000 }], ...options });

describe("createRateLimiter: bad options are RangeErrors naming the field", () => {
  const cases: [string, Partial<RateLimiterOptions>, RegExp][] = [
    ["no rules", { rules: [] }, /rules must be a non-empty array/],
    [
      "a bad rule name",
      { rules: [{ name: "in tokens", limit: 1, periodMs: 1 }] },
      /rules\[0\]\.name must be 1-64/,
    ],
    [
      "a rule name used twice",
      {
        rules: [
          { name: "a", limit: 1, periodMs: 1 },
          { name: "a", concurrency: 1, holdMs: 1 },
        ],
      },
      /rules\[1\]\.name "a" is used twice/,
    ],
    [
      "limit 0",
      { rules: [{ name: "a", limit: 0, periodMs: 1000 }] },
      /rules\[0\]\.limit must be an integer >= 1 \(got 0\)/,
    ],
    [
      "a fractional limit",
      { rules: [{ name: "a", limit: 1.5, periodMs: 1000 }] },
      /rules\[0\]\.limit .*got 1\.5/,
    ],
    ["a negative period", { rules: [{ name: "a", limit: 1, periodMs: -1 }] }, /rules\[0\]\.periodMs must be/],
    ["burst 0", { rules: [{ name: "a", limit: 1, periodMs: 1, burst: 0 }] }, /rules\[0\]\.burst must be/],
    [
      "concurrency 0",
      { rules: [{ name: "a", concurrency: 0, holdMs: 1 }] },
      /rules\[0\]\.concurrency must be/,
    ],
    [
      "a missing holdMs",
      { rules: [{ name: "a", concurrency: 1 } as unknown as RateLimitRule] },
      /rules\[0\]\.holdMs must be an integer >= 1 \(got undefined\)/,
    ],
    [
      "an unknown scope",
      { rules: [{ name: "a", limit: 1, periodMs: 1, scope: "tenant" } as unknown as RateLimitRule] },
      /rules\[0\]\.scope must be "key" or "global"/,
    ],
    ["an empty name", { name: "" }, /name must be a non-empty string/],
    ["a negative maxWaitMs", { maxWaitMs: -1 }, /maxWaitMs must be >= 0/],
    ["a NaN pollMs", { pollMs: Number.NaN }, /pollMs must be >= 0/],
    [
      "an unknown onStoreError",
      { onStoreError: "retry" as "deny" },
      /onStoreError must be "deny" or "allow"/,
    ],
  ];
  for (const [what, options, message] of cases) {
    it(what, () => {
      expect(() => create(options)).toThrow(RangeError);
      expect(() => create(options)).toThrow(message);
      expect(() => create(options)).toThrow(/^\[threadmill\] \[ratelimit\] /);
    });
  }
});

describe("acquire: a cost it could never admit is a RangeError, not a wait", () => {
  const limiter = create({
    rules: [
      { name: "requests", limit: 10, periodMs: 1000 },
      { name: "tokens", limit: 1000, periodMs: 1000, burst: 500 },
      { name: "inFlight", concurrency: 2, holdMs: 1000 },
    ],
  });
  const cases: [string, () => Promise<unknown>, RegExp][] = [
    [
      "an unknown cost name",
      () => limiter.acquire("k", { token: 5 }),
      /cost names "token", which is not a rate rule/,
    ],
    [
      "a cost naming a concurrency rule",
      () => limiter.acquire("k", { inFlight: 1 }),
      /cost names "inFlight", which is not a rate rule/,
    ],
    [
      "a cost above the burst",
      () => limiter.acquire("k", { tokens: 501 }),
      /cost\.tokens is 501, above the rule's burst of 500: it could never be admitted/,
    ],
    [
      "a negative cost",
      () => limiter.acquire("k", { tokens: -1 }),
      /cost\.tokens must be an integer >= 0 \(got -1\)/,
    ],
    [
      "a fractional cost",
      () => limiter.acquire("k", { requests: 0.5 }),
      /cost\.requests must be an integer >= 0/,
    ],
    ["a cost that is not an object", () => limiter.acquire("k", 5 as never), /cost must be an object/],
    ["an empty key", () => limiter.acquire(""), /key must be a non-empty string/],
    [
      "a negative maxWaitMs",
      () => limiter.acquire("k", undefined, { maxWaitMs: -5 }),
      /maxWaitMs must be >= 0/,
    ],
  ];
  for (const [what, call, message] of cases) {
    it(what, async () => {
      const error = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(RangeError);
      expect((error as Error).message).toMatch(message);
    });
  }
});

describe("compileRules", () => {
  it("computes the GCRA constants, with burst defaulting to the limit", () => {
    expect(
      compileRules([
        { name: "a", limit: 4, periodMs: 1000 },
        { name: "b", limit: 4, periodMs: 1000, burst: 2, scope: "global" },
        { name: "c", concurrency: 3, holdMs: 500 },
      ]),
    ).toEqual([
      { kind: "rate", name: "a", global: false, burst: 4, emissionMs: 250, toleranceMs: 1000 },
      { kind: "rate", name: "b", global: true, burst: 2, emissionMs: 250, toleranceMs: 500 },
      { kind: "concurrency", name: "c", global: false, limit: 3, holdMs: 500 },
    ]);
  });
});

describe("chargesOf", () => {
  it("groups a call's rate dimensions by scope: per key, or the limiter's global group", () => {
    const rules = compileRules([
      { name: "requests", limit: 4, periodMs: 1000 },
      { name: "tokens", limit: 400, periodMs: 1000 },
      { name: "all", limit: 40, periodMs: 1000, scope: "global" },
      { name: "slots", concurrency: 3, holdMs: 500 },
    ]);
    const charges = chargesOf(rules, "model-a", new Map([["tokens", 7]]));
    expect(charges.map((c) => [c.key, c.kind === "rate" ? c.group : undefined])).toEqual([
      ["k:requests:model-a", "k:model-a"],
      ["k:tokens:model-a", "k:model-a"],
      ["g:all", "g"],
      ["k:slots:model-a", undefined],
    ]);
  });
});
