import { BudgetExceededError, createSpendLedger } from "@threadmill/core";
import { describe, expect, it } from "vitest";
import { type LimitsSuite, uniqueName } from "./limits-suite-context.js";

/** What a restart keeps (spent, caps, open reservations), and a flushed script cache. */
export function describeSpendDurability(suite: LimitsSuite): void {
  const ledger = () => createSpendLedger({ store: suite.stores().spend });
  const restartTitle = "keeps spent, open reservations and caps per scope across close and open";
  const flushTitle = "reserves, settles and reads exactly when the script cache is flushed between calls";

  describe("durability", () => {
    if (!suite.options.durable) {
      it.skip(`${restartTitle} [durable is false: this store forgets everything on close]`, () => {});
    } else {
      it(restartTitle, async () => {
        const scope = { tenant: uniqueName("tenant"), jobId: uniqueName("job") };
        await ledger().setCaps({ tenant: scope.tenant }, { microUsd: 1000 });
        await ledger().setCaps(scope, { tokens: 100 });
        const settled = await ledger().reserve(scope, { microUsd: 300, tokens: 30 });
        await ledger().settle(settled, { microUsd: 250, tokens: 20 });
        const open = await ledger().reserve(scope, { microUsd: 100, tokens: 10 });
        const before = await ledger().spent({ tenant: scope.tenant });

        await suite.reopen();
        expect(await ledger().spent({ tenant: scope.tenant })).toEqual(before);
        expect(await ledger().spent(scope)).toEqual({
          spent: { microUsd: 250, tokens: 20 },
          reserved: { microUsd: 100, tokens: 10 },
          caps: { tokens: 100 },
          period: null,
        });
        await expect(ledger().reserve(scope, { microUsd: 651 })).rejects.toSatisfy(
          BudgetExceededError.isInstance,
        );
        expect(await ledger().settle(open, { microUsd: 100, tokens: 10 })).toBe(true);
        expect(await ledger().settle(settled, { microUsd: 0, tokens: 0 })).toBe(false);
      });
    }

    const { flushScripts } = suite.options;
    if (!flushScripts) {
      it.skip(`${flushTitle} [needs the flushScripts option: this store caches no scripts]`, () => {});
      return;
    }
    it(flushTitle, async () => {
      const scope = { tenant: uniqueName("tenant"), jobId: uniqueName("job") };
      await flushScripts();
      await ledger().setCaps(scope, { microUsd: 100 });
      await flushScripts();
      const outcomes = await Promise.allSettled(
        Array.from({ length: 20 }, () => ledger().reserve(scope, { microUsd: 10 })),
      );
      const admitted = outcomes.flatMap((o) => (o.status === "fulfilled" ? [o.value] : []));
      const refused = outcomes.flatMap((o) => (o.status === "rejected" ? [o.reason as unknown] : []));
      expect(admitted).toHaveLength(10);
      expect(refused.filter((e) => !BudgetExceededError.isInstance(e))).toEqual([]);
      await flushScripts();
      expect(await ledger().settle(admitted[0]!, { microUsd: 4 })).toBe(true);
      await flushScripts();
      expect(await ledger().spent(scope)).toMatchObject({
        spent: { microUsd: 4, tokens: 0 },
        reserved: { microUsd: 90, tokens: 0 },
      });
    });
  });
}
