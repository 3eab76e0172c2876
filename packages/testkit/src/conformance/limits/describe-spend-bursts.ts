import { createSpendLedger, type SpendCaps } from "@threadmill/core";
import { describe, expect, it, onTestFinished } from "vitest";
import { FLEET_CASE_TIMEOUT_MS } from "./limits-fleet.js";
import type { ReserveBurstResult } from "./limits-phases.js";
import { type LimitsSuite, sleep, uniqueName } from "./limits-suite-context.js";

const CALLS = 200;

/** The participants' outcomes summed: admitted, refusals per `<scope>/<unit>/<limit>`, anything else thrown. */
function totals(results: readonly ReserveBurstResult[]) {
  const refusals: Record<string, number> = {};
  for (const r of results) {
    for (const [label, n] of Object.entries(r.refusals)) refusals[label] = (refusals[label] ?? 0) + n;
  }
  return {
    admitted: results.reduce((sum, r) => sum + r.admitted, 0),
    refusals,
    other: results.flatMap((r) => r.other),
  };
}

/**
 * Concurrent reservations from 4 processes (or 4 stand-ins in one) against tenant and job caps, and
 * the reservation of a worker that dies before it settles.
 */
export function describeSpendBursts(suite: LimitsSuite): void {
  const where = suite.options.processModule ? "4 processes" : "one process (no processModule)";
  const ledger = () => createSpendLedger({ store: suite.stores().spend });

  /** Sets the caps, runs 200 reservations of `microUsd`/`tokens` split over the fleet. */
  const race = async (
    caps: { tenant?: SpendCaps; job?: SpendCaps },
    amount: { microUsd: number; tokens: number },
  ) => {
    const scope = { tenant: uniqueName("tenant"), jobId: uniqueName("job") };
    if (caps.tenant) await ledger().setCaps({ tenant: scope.tenant }, caps.tenant);
    if (caps.job) await ledger().setCaps(scope, caps.job);
    const fleet = await suite.fleet();
    const results = await fleet.runAll(() => ({
      kind: "reserveBurst" as const,
      scope,
      amount,
      calls: CALLS / fleet.size,
      ttlMs: 60_000,
    }));
    return { scope, outcome: totals(results) };
  };

  describe(`concurrent reservations from ${where}`, { timeout: FLEET_CASE_TIMEOUT_MS }, () => {
    it("admits exactly what fits under the tenant's cap; every refusal is the tenant's BudgetExceededError", async () => {
      const { scope, outcome } = await race({ tenant: { microUsd: 1000 } }, { microUsd: 10, tokens: 5 });
      expect(outcome).toEqual({ admitted: 100, refusals: { "tenant/usd/0.001": 100 }, other: [] });
      const month = await ledger().spent({ tenant: scope.tenant });
      expect(month.reserved).toEqual({ microUsd: 1000, tokens: 500 });
      expect(month.spent).toEqual({ microUsd: 0, tokens: 0 });
    });

    it("admits exactly what fits under the job's cap; every refusal is the job's", async () => {
      const { scope, outcome } = await race({ job: { tokens: 500 } }, { microUsd: 10, tokens: 10 });
      expect(outcome).toEqual({ admitted: 50, refusals: { "job/tokens/500": 150 }, other: [] });
      expect((await ledger().spent(scope)).reserved).toEqual({ microUsd: 500, tokens: 500 });
      expect((await ledger().spent({ tenant: scope.tenant })).reserved).toEqual({
        microUsd: 500,
        tokens: 500,
      });
    });

    it("with both caps, the tighter one wins: the tenant's, then the job's", async () => {
      const tenantTighter = await race(
        { tenant: { microUsd: 600 }, job: { microUsd: 1000 } },
        { microUsd: 10, tokens: 1 },
      );
      expect(tenantTighter.outcome).toEqual({
        admitted: 60,
        refusals: { "tenant/usd/0.0006": 140 },
        other: [],
      });
      const jobTighter = await race(
        { tenant: { microUsd: 1000 }, job: { microUsd: 400 } },
        { microUsd: 10, tokens: 1 },
      );
      expect(jobTighter.outcome).toEqual({ admitted: 40, refusals: { "job/usd/0.0004": 160 }, other: [] });
    });

    // Kills participant 0 and retires the fleet, so it stays the last case of this group.
    const dead = suite.options.processModule
      ? "a SIGKILLed worker's reservation"
      : "a reservation never settled";
    it(`charges ${dead} at its reserved amount once it expires; a late settle returns false and refunds nothing`, async () => {
      const scope = { tenant: uniqueName("tenant"), jobId: uniqueName("job") };
      const fleet = await suite.fleet();
      onTestFinished(() => suite.retireFleet());
      const amount = { microUsd: 300, tokens: 30 };
      const { reservation } = await fleet.runOne(0, { kind: "reserveOnce", scope, amount, ttlMs: 600 });
      await fleet.kill(0);
      const open = await ledger().spent(scope);
      expect(reservation.expiresAt - Date.now()).toBeGreaterThan(0);
      expect(open.reserved).toEqual(amount);
      expect(open.spent).toEqual({ microUsd: 0, tokens: 0 });

      await sleep(reservation.expiresAt - Date.now() + 150);
      for (const read of [scope, { tenant: scope.tenant }]) {
        const charged = await ledger().spent(read);
        expect(charged.spent).toEqual(amount);
        expect(charged.reserved).toEqual({ microUsd: 0, tokens: 0 });
      }
      expect(await ledger().settle(reservation, { microUsd: 0, tokens: 0 })).toBe(false);
      expect((await ledger().spent(scope)).spent).toEqual(amount);
      await ledger().setCaps({ tenant: scope.tenant }, { microUsd: 500 });
      await expect(ledger().reserve(scope, { microUsd: 201 })).rejects.toMatchObject({
        name: "BudgetExceededError",
        scope: "tenant",
        spent: 0.0003,
      });
      await ledger().reserve(scope, { microUsd: 200 });
    });
  });
}
