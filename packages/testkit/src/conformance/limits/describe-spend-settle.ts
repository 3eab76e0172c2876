import { BudgetExceededError, createSpendLedger } from "@threadmill/core";
import { describe, expect, it } from "vitest";
import { type LimitsSuite, uniqueName } from "./limits-suite-context.js";

const ZERO = { microUsd: 0, tokens: 0 };

/** `promise`'s rejection, which must be a BudgetExceededError. */
async function refusal(promise: Promise<unknown>): Promise<BudgetExceededError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!BudgetExceededError.isInstance(error)) {
    throw new Error(
      `expected a BudgetExceededError, got ${error === undefined ? "a reservation" : String(error)}`,
    );
  }
  return error;
}

/** Settling, caps that fit exactly, and which refusal is reported first. */
export function describeSpendSettle(suite: LimitsSuite): void {
  const ledger = () => createSpendLedger({ store: suite.stores().spend });
  const newScope = () => ({ tenant: uniqueName("tenant"), jobId: uniqueName("job") });

  describe("reserve and settle", () => {
    it("replaces the reserved amount by the actual one, in the job and the tenant's month; a second settle returns false", async () => {
      const scope = newScope();
      const reservation = await ledger().reserve(scope, { microUsd: 100, tokens: 1000 });
      expect(reservation).toMatchObject({ tenant: scope.tenant, jobId: scope.jobId });
      expect(reservation.amount).toEqual({ microUsd: 100, tokens: 1000 });
      expect((await ledger().spent(scope)).reserved).toEqual({ microUsd: 100, tokens: 1000 });
      expect(await ledger().settle(reservation, { microUsd: 70, tokens: 800 })).toBe(true);
      for (const read of [scope, { tenant: scope.tenant }]) {
        const totals = await ledger().spent(read);
        expect(totals.spent).toEqual({ microUsd: 70, tokens: 800 });
        expect(totals.reserved).toEqual(ZERO);
      }
      expect(await ledger().settle(reservation, { microUsd: 1, tokens: 1 })).toBe(false);
      expect((await ledger().spent(scope)).spent).toEqual({ microUsd: 70, tokens: 800 });
    });

    it("charges an actual amount above the reservation in full, even past the cap", async () => {
      const scope = newScope();
      await ledger().setCaps(scope, { microUsd: 100 });
      const reservation = await ledger().reserve(scope, { microUsd: 60 });
      expect(await ledger().settle(reservation, { microUsd: 130 })).toBe(true);
      expect((await ledger().spent(scope)).spent).toEqual({ microUsd: 130, tokens: 0 });
      const error = await refusal(ledger().reserve(scope, { microUsd: 0, tokens: 1 }));
      expect(error).toMatchObject({ scope: "job", unit: "usd", limit: 0.0001, spent: 0.00013, reserved: 0 });
    });

    it("admits a reservation that fills a cap exactly, then refuses one more unit, naming spent and reserved", async () => {
      const scope = newScope();
      await ledger().setCaps({ tenant: scope.tenant }, { microUsd: 100, tokens: 10 });
      const settled = await ledger().reserve(scope, { microUsd: 30, tokens: 2 });
      await ledger().settle(settled, { microUsd: 30, tokens: 2 });
      await ledger().reserve(scope, { microUsd: 70, tokens: 8 });
      const usd = await refusal(ledger().reserve(scope, { microUsd: 1 }));
      expect(usd).toMatchObject({
        scope: "tenant",
        unit: "usd",
        limit: 0.0001,
        spent: 0.00003,
        reserved: 0.00007,
      });
      const tokens = await refusal(ledger().reserve(scope, { tokens: 1 }));
      expect(tokens).toMatchObject({ scope: "tenant", unit: "tokens", limit: 10, spent: 2, reserved: 8 });
      await ledger().reserve(scope, ZERO);
    });

    it("reports the tenant's cap before the job's, and micro-dollars before tokens", async () => {
      const scope = newScope();
      const over = { microUsd: 20, tokens: 20 };
      await ledger().setCaps(scope, { microUsd: 10, tokens: 10 });
      expect(await refusal(ledger().reserve(scope, over))).toMatchObject({ scope: "job", unit: "usd" });
      await ledger().setCaps({ tenant: scope.tenant }, { tokens: 10 });
      expect(await refusal(ledger().reserve(scope, over))).toMatchObject({ scope: "tenant", unit: "tokens" });
      await ledger().setCaps({ tenant: scope.tenant }, { microUsd: 10, tokens: 10 });
      expect(await refusal(ledger().reserve(scope, over))).toMatchObject({ scope: "tenant", unit: "usd" });
      // Nothing of the refused reservations was recorded anywhere.
      expect((await ledger().spent(scope)).reserved).toEqual(ZERO);
      expect((await ledger().spent({ tenant: scope.tenant })).reserved).toEqual(ZERO);
    });
  });
}
