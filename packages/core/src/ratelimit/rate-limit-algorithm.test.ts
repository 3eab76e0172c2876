import { describe, expect, it } from "vitest";
import type { RateCharge, RateLimitCharge } from "../ports/rate-limit-store.js";
import {
  applyAdjustments,
  createRateLimitState,
  decideAcquire,
  pruneRateLimitState,
  releaseHolds,
} from "./rate-limit-algorithm.js";

const rate = (key: string, emissionMs: number, burst: number, cost: number): RateCharge => ({
  kind: "rate",
  key,
  emissionMs,
  toleranceMs: burst * emissionMs,
  cost,
});
const slots = (key: string, limit: number, holdMs: number): RateLimitCharge => ({
  kind: "concurrency",
  key,
  limit,
  holdMs,
});
const T0 = 1_700_000_000_000;

describe("decideAcquire", () => {
  it("admits a whole burst of fractional emission intervals, not one unit more", () => {
    // 3 per 1000 ms: 333.33... ms per unit, whose sums must not refuse the third by a rounding error.
    const state = createRateLimitState();
    const request = (holdId: string) => ({ limiter: "l", holdId, charges: [rate("k", 1000 / 3, 3, 1)] });
    expect([1, 2, 3].map((i) => decideAcquire(state, request(`h${i}`), T0).remaining)).toEqual([
      [2],
      [1],
      [0],
    ]);
    const refused = decideAcquire(state, request("h4"), T0);
    expect(refused).toEqual({ allowed: false, retryAfterMs: 334, remaining: [0], denied: [0] });
    expect(decideAcquire(state, request("h5"), T0 + 334).allowed).toBe(true);
  });

  it("charges every dimension or none, and reports what is left now when it refuses", () => {
    const state = createRateLimitState();
    const charges = [rate("a", 1000, 5, 2), slots("c", 3, 60_000), rate("b", 1000, 4, 4)];
    expect(decideAcquire(state, { limiter: "l", holdId: "h1", charges }, T0)).toEqual({
      allowed: true,
      retryAfterMs: 0,
      remaining: [3, 2, 0],
      denied: [],
    });
    // "b" refuses: "a" and the slot keep what they had; the refusing "b" has 0 now.
    expect(decideAcquire(state, { limiter: "l", holdId: "h2", charges }, T0 + 10)).toEqual({
      allowed: false,
      retryAfterMs: 3990,
      remaining: [3, 2, 0],
      denied: [2],
    });
    expect(state.tats.get("a")).toBe(T0 + 2000);
    expect([...state.holds.get("c")!.keys()]).toEqual(["h1"]);
  });

  it("takes the longest wait of several refusing dimensions, rounded up and at least 1 ms", () => {
    const state = createRateLimitState();
    state.tats.set("a", T0 + 1000.2);
    state.tats.set("b", T0 + 5000);
    const charges = [rate("a", 100, 10, 1), rate("b", 1000, 5, 1)];
    const decision = decideAcquire(state, { limiter: "l", holdId: "h", charges }, T0);
    // "a" needs 100.2 ms, "b" 1000 ms.
    expect(decision).toMatchObject({ allowed: false, retryAfterMs: 1000, denied: [0, 1] });
    state.tats.set("b", T0 + 4000.01);
    const barely = decideAcquire(state, { limiter: "l", holdId: "h", charges: [charges[1]!] }, T0);
    expect(barely).toMatchObject({ allowed: false, retryAfterMs: 1 });
  });

  it("records nothing for a cost of 0 and reports remaining as a probe", () => {
    const state = createRateLimitState();
    const decision = decideAcquire(state, { limiter: "l", holdId: "h", charges: [rate("a", 10, 5, 0)] }, T0);
    expect(decision).toEqual({ allowed: true, retryAfterMs: 0, remaining: [5], denied: [] });
    expect(state.tats.size).toBe(0);
  });

  it("expires holds on the store's clock, and tells a refused call when the earliest one ends", () => {
    const state = createRateLimitState();
    const request = (holdId: string) => ({ limiter: "l", holdId, charges: [slots("c", 2, 300)] });
    decideAcquire(state, request("h1"), T0);
    decideAcquire(state, request("h2"), T0 + 100);
    expect(decideAcquire(state, request("h3"), T0 + 120)).toEqual({
      allowed: false,
      retryAfterMs: 180,
      remaining: [0],
      denied: [0],
    });
    expect(decideAcquire(state, request("h3"), T0 + 300)).toMatchObject({ allowed: true, remaining: [0] });
    releaseHolds(state, ["c"], "h2");
    releaseHolds(state, ["c"], "never-held");
    expect(decideAcquire(state, request("h4"), T0 + 301)).toMatchObject({ allowed: true, remaining: [0] });
  });
});

describe("decideAcquire with many holds", () => {
  it("still finds an expired hold added after a longer one (holdMs changed between calls)", () => {
    const state = createRateLimitState();
    const call = (holdId: string, holdMs: number) => ({
      limiter: "l",
      holdId,
      charges: [slots("c", 2, holdMs)],
    });
    decideAcquire(state, call("long", 10_000), T0);
    decideAcquire(state, call("short", 100), T0 + 1);
    // "short" expired at T0 + 101, behind "long" in insertion order: it must not count.
    expect(decideAcquire(state, call("next", 100), T0 + 200)).toMatchObject({
      allowed: true,
      remaining: [0],
    });
    expect(decideAcquire(state, call("more", 100), T0 + 201)).toEqual({
      allowed: false,
      retryAfterMs: 99,
      remaining: [0],
      denied: [0],
    });
  });

  it("refuses at a limit of 200,000 holds without spreading them into one call", () => {
    const state = createRateLimitState();
    const call = (holdId: string) => ({ limiter: "l", holdId, charges: [slots("c", 200_000, 60_000)] });
    for (let i = 0; i < 200_000; i++) decideAcquire(state, call(`h${i}`), T0 + i / 1000);
    expect(decideAcquire(state, call("over"), T0 + 500)).toMatchObject({
      allowed: false,
      retryAfterMs: 59_500,
    });
  });
});

describe("applyAdjustments", () => {
  it("refunds down to an empty bucket at most, and charges late units past the tolerance", () => {
    const state = createRateLimitState();
    state.tats.set("a", T0 + 3000);
    applyAdjustments(state, [{ key: "a", emissionMs: 1000, delta: -2 }], T0);
    expect(state.tats.get("a")).toBe(T0 + 1000);
    applyAdjustments(state, [{ key: "a", emissionMs: 1000, delta: -5 }], T0);
    expect(state.tats.has("a")).toBe(false);
    applyAdjustments(state, [{ key: "b", emissionMs: 1000, delta: 12 }], T0);
    expect(state.tats.get("b")).toBe(T0 + 12_000);
    // A charge on a TAT already in the past starts from now.
    state.tats.set("c", T0 - 500);
    applyAdjustments(state, [{ key: "c", emissionMs: 10, delta: 3 }], T0);
    expect(state.tats.get("c")).toBe(T0 + 30);
  });
});

describe("pruneRateLimitState", () => {
  it("drops run-out TATs and holds and keeps live ones", () => {
    const state = createRateLimitState();
    state.tats.set("old", T0 - 1);
    state.tats.set("live", T0 + 11);
    decideAcquire(
      state,
      { limiter: "l", holdId: "h", charges: [slots("gone", 1, 10), slots("kept", 1, 1000)] },
      T0,
    );
    pruneRateLimitState(state, T0 + 10);
    expect([...state.tats.keys()]).toEqual(["live"]);
    expect([...state.holds.keys()]).toEqual(["kept"]);
  });
});
