import { describe, expect, it } from "vitest";
import { createSpendTenantState, readSpend, reserveSpend, settleSpend } from "./spend-algorithm.js";
import { spendPeriod } from "./spend-period.js";

const ZERO = { microUsd: 0, tokens: 0 };
const T0 = Date.UTC(2025, 5, 10, 12);

describe("spendPeriod", () => {
  it("is the UTC calendar month", () => {
    expect(spendPeriod(Date.parse("2025-03-01T00:30:00+01:00"))).toBe("2025-02");
    expect(spendPeriod(Date.UTC(2025, 11, 31, 23, 59, 59, 999))).toBe("2025-12");
    expect(spendPeriod(Date.UTC(2026, 0, 1))).toBe("2026-01");
  });
});

describe("the reference spend algorithm", () => {
  it("reserves in the tenant's month and the job, and settle replaces the reservation by the actual amount", () => {
    const state = createSpendTenantState();
    const scope = { tenant: "t", jobId: "j" };
    const result = reserveSpend(
      state,
      { id: "r1", scope, amount: { microUsd: 100, tokens: 10 }, ttlMs: 1000 },
      T0,
    );
    expect(result).toEqual({
      ok: true,
      reservation: {
        id: "r1",
        tenant: "t",
        jobId: "j",
        amount: { microUsd: 100, tokens: 10 },
        period: "2025-06",
        expiresAt: T0 + 1000,
      },
    });
    expect(readSpend(state, scope, T0).reserved).toEqual({ microUsd: 100, tokens: 10 });
    expect(settleSpend(state, "r1", { microUsd: 60, tokens: 12 }, T0 + 10)).toEqual({ settled: true });
    for (const read of [scope, { tenant: "t" }]) {
      expect(readSpend(state, read, T0 + 10)).toMatchObject({
        spent: { microUsd: 60, tokens: 12 },
        reserved: ZERO,
      });
    }
    expect(settleSpend(state, "r1", ZERO, T0 + 20)).toEqual({ settled: false });
  });

  it("charges a reservation at its reserved amount from its expiresAt on, after which settle returns false", () => {
    const state = createSpendTenantState();
    const scope = { tenant: "t", jobId: "j" };
    reserveSpend(state, { id: "r1", scope, amount: { microUsd: 100, tokens: 10 }, ttlMs: 1000 }, T0);
    expect(readSpend(state, scope, T0 + 999).spent).toEqual(ZERO);
    expect(readSpend(state, scope, T0 + 1000)).toMatchObject({
      spent: { microUsd: 100, tokens: 10 },
      reserved: ZERO,
    });
    expect(settleSpend(state, "r1", ZERO, T0 + 1001)).toEqual({ settled: false });
    expect(readSpend(state, { tenant: "t" }, T0 + 1001).spent).toEqual({ microUsd: 100, tokens: 10 });
  });

  it("refuses all or nothing: the tenant's cap first, then the job's, micro-dollars before tokens", () => {
    const state = createSpendTenantState();
    state.caps.set("t", { tokens: 15 });
    state.caps.set("j:j", { microUsd: 50, tokens: 5 });
    const reserve = (id: string, microUsd: number, tokens: number) =>
      reserveSpend(
        state,
        { id, scope: { tenant: "t", jobId: "j" }, amount: { microUsd, tokens }, ttlMs: 1000 },
        T0,
      );
    expect(reserve("r1", 60, 20)).toEqual({
      ok: false,
      refusal: { scope: "tenant", unit: "tokens", cap: 15, spent: 0, reserved: 0 },
    });
    expect(reserve("r2", 60, 6)).toEqual({
      ok: false,
      refusal: { scope: "job", unit: "microUsd", cap: 50, spent: 0, reserved: 0 },
    });
    expect(reserve("r3", 50, 5).ok).toBe(true);
    expect(reserve("r4", 0, 1)).toMatchObject({ refusal: { scope: "job", unit: "tokens", reserved: 5 } });
    expect(readSpend(state, { tenant: "t" }, T0).reserved).toEqual({ microUsd: 50, tokens: 5 });
    expect(state.reservations.size).toBe(1);
  });

  it("keeps a tenant's cap per calendar month: a reservation counts in the month it was made", () => {
    const state = createSpendTenantState();
    state.caps.set("t", { microUsd: 100 });
    const endOfMay = Date.UTC(2025, 4, 31, 23, 59, 59, 900);
    const june = Date.UTC(2025, 5, 1, 0, 0, 0, 500);
    const may = reserveSpend(
      state,
      { id: "may", scope: { tenant: "t" }, amount: { microUsd: 100, tokens: 0 }, ttlMs: 60_000 },
      endOfMay,
    );
    expect(may).toMatchObject({ ok: true, reservation: { period: "2025-05" } });
    expect(readSpend(state, { tenant: "t" }, june)).toMatchObject({
      spent: ZERO,
      reserved: ZERO,
      period: "2025-06",
    });
    expect(
      reserveSpend(
        state,
        { id: "jun", scope: { tenant: "t" }, amount: { microUsd: 100, tokens: 0 }, ttlMs: 60_000 },
        june,
      ).ok,
    ).toBe(true);
    expect(settleSpend(state, "may", { microUsd: 80, tokens: 0 }, june)).toEqual({ settled: true });
    expect(state.buckets.get("m:2025-05")).toEqual({ spent: { microUsd: 80, tokens: 0 }, reserved: ZERO });
    expect(readSpend(state, { tenant: "t" }, june)).toMatchObject({
      spent: ZERO,
      reserved: { microUsd: 100, tokens: 0 },
    });
  });
});
