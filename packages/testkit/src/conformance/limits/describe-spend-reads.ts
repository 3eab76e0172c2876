import { BudgetExceededError, createSpendLedger, spendPeriod } from "@threadmill/core";
import { describe, expect, it } from "vitest";
import { type LimitsSuite, uniqueName } from "./limits-suite-context.js";

const ZERO = { microUsd: 0, tokens: 0 };
/** How far the store's clock may be from this process's. */
const CLOCK_SLACK_MS = 5000;

/** Reads of a tenant's month and of a job, caps per scope, periods on the store's clock, isolation. */
export function describeSpendReads(suite: LimitsSuite): void {
  const ledger = () => createSpendLedger({ store: suite.stores().spend });

  describe("reads, caps and tenants", () => {
    it("reads a tenant's month over all its jobs and a job over its own reservations", async () => {
      const tenant = uniqueName("tenant");
      const [j1, j2] = [uniqueName("job"), uniqueName("job")];
      const first = await ledger().reserve({ tenant, jobId: j1 }, { microUsd: 100, tokens: 10 });
      await ledger().reserve({ tenant, jobId: j2 }, { microUsd: 50, tokens: 5 });
      await ledger().reserve({ tenant }, { microUsd: 25, tokens: 1 });
      await ledger().settle(first, { microUsd: 80, tokens: 9 });
      const month = await ledger().spent({ tenant });
      expect(month.spent).toEqual({ microUsd: 80, tokens: 9 });
      expect(month.reserved).toEqual({ microUsd: 75, tokens: 6 });
      expect(await ledger().spent({ tenant, jobId: j1 })).toEqual({
        spent: { microUsd: 80, tokens: 9 },
        reserved: ZERO,
        caps: {},
        period: null,
      });
      const job2 = await ledger().spent({ tenant, jobId: j2 });
      expect([job2.spent, job2.reserved]).toEqual([ZERO, { microUsd: 50, tokens: 5 }]);
      const unknown = await ledger().spent({ tenant, jobId: uniqueName("job") });
      expect([unknown.spent, unknown.reserved, unknown.caps]).toEqual([ZERO, ZERO, {}]);
    });

    it("puts a tenant's totals and reservations in the UTC month of the store's clock, near the real time", async () => {
      const tenant = uniqueName("tenant");
      const before = Date.now();
      const reservation = await ledger().reserve({ tenant }, { microUsd: 1 }, { ttlMs: 60_000 });
      const month = await ledger().spent({ tenant });
      const after = Date.now();
      const periods = [spendPeriod(before - CLOCK_SLACK_MS), spendPeriod(after + CLOCK_SLACK_MS)];
      expect(periods).toContain(reservation.period);
      expect(periods).toContain(month.period);
      expect(reservation.expiresAt).toBeGreaterThanOrEqual(before + 60_000 - CLOCK_SLACK_MS);
      expect(reservation.expiresAt).toBeLessThanOrEqual(after + 60_000 + CLOCK_SLACK_MS);
    });

    it("keeps caps per scope and replaces them whole: a unit left out has no cap", async () => {
      const scope = { tenant: uniqueName("tenant"), jobId: uniqueName("job") };
      await ledger().setCaps({ tenant: scope.tenant }, { microUsd: 1000, tokens: 10 });
      await ledger().setCaps(scope, { tokens: 50 });
      expect((await ledger().spent({ tenant: scope.tenant })).caps).toEqual({ microUsd: 1000, tokens: 10 });
      expect((await ledger().spent(scope)).caps).toEqual({ tokens: 50 });
      await expect(ledger().reserve(scope, { microUsd: 5000 })).rejects.toSatisfy(
        BudgetExceededError.isInstance,
      );
      await ledger().setCaps({ tenant: scope.tenant }, { tokens: 10 });
      expect((await ledger().spent({ tenant: scope.tenant })).caps).toEqual({ tokens: 10 });
      await ledger().reserve(scope, { microUsd: 5000, tokens: 10 });
    });

    it("keeps tenants apart: caps, totals, a job id both use, and settling another tenant's reservation", async () => {
      const [a, b] = [uniqueName("tenant"), uniqueName("tenant")];
      const jobId = uniqueName("job");
      await ledger().setCaps({ tenant: a }, { microUsd: 100 });
      await ledger().setCaps({ tenant: a, jobId }, { tokens: 5 });
      const held = await ledger().reserve({ tenant: a, jobId }, { microUsd: 100, tokens: 5 });
      await expect(ledger().reserve({ tenant: a }, { microUsd: 1 })).rejects.toSatisfy(
        BudgetExceededError.isInstance,
      );

      await ledger().reserve({ tenant: b, jobId }, { microUsd: 500, tokens: 50 });
      expect((await ledger().spent({ tenant: b, jobId })).reserved).toEqual({ microUsd: 500, tokens: 50 });
      expect((await ledger().spent({ tenant: b, jobId })).caps).toEqual({});
      expect((await ledger().spent({ tenant: b })).caps).toEqual({});
      expect((await ledger().spent({ tenant: a, jobId })).reserved).toEqual({ microUsd: 100, tokens: 5 });

      expect(await ledger().settle({ ...held, tenant: b }, ZERO)).toBe(false);
      expect((await ledger().spent({ tenant: a })).reserved).toEqual({ microUsd: 100, tokens: 5 });
      expect((await ledger().spent({ tenant: b })).spent).toEqual(ZERO);
      expect(await ledger().settle(held, ZERO)).toBe(true);
    });
  });
}
