import { createMemoryAdapter } from "@threadmill/adapter-memory";
import { describe, expect, it, vi } from "vitest";
import { BudgetExceededError } from "../errors/budget-exceeded-error.js";
import { StorageError } from "../errors/storage-error.js";
import type { SpendLedgerStore } from "../ports/spend-ledger-store.js";
import { createSpendLedger } from "./create-spend-ledger.js";

const memoryStore = () => createMemoryAdapter().spend!;
const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

describe("createSpendLedger: validation", () => {
  const ledger = createSpendLedger({ store: memoryStore() });
  const scope = { tenant: "t", jobId: "j" };
  const cases: [string, () => Promise<unknown>, RegExp][] = [
    [
      "a negative amount",
      () => ledger.reserve(scope, { microUsd: -1 }),
      /amount\.microUsd must be an integer >= 0 \(got -1\)/,
    ],
    [
      "a fractional amount",
      () => ledger.reserve(scope, { tokens: 1.5 }),
      /amount\.tokens must be an integer >= 0/,
    ],
    [
      "a NaN amount",
      () => ledger.reserve(scope, { tokens: Number.NaN }),
      /amount\.tokens must be an integer >= 0/,
    ],
    [
      "a misspelt unit",
      () => ledger.reserve(scope, { usd: 5 } as never),
      /amount\.usd is not a unit: use microUsd/,
    ],
    [
      "an amount that is not an object",
      () => ledger.reserve(scope, 5 as never),
      /amount must be \{ microUsd\?, tokens\? \}/,
    ],
    ["a ttlMs of 0", () => ledger.reserve(scope, {}, { ttlMs: 0 }), /ttlMs must be an integer >= 1/],
    ["an empty tenant", () => ledger.reserve({ tenant: "" }, {}), /scope\.tenant must be a non-empty string/],
    [
      "an empty job id",
      () => ledger.reserve({ tenant: "t", jobId: "" }, {}),
      /scope\.jobId must be a non-empty string/,
    ],
    [
      "a negative cap",
      () => ledger.setCaps(scope, { tokens: -5 }),
      /caps\.tokens must be an integer >= 0 \(got -5\)/,
    ],
    ["a misspelt cap", () => ledger.setCaps(scope, { usd: 5 } as never), /caps\.usd is not a unit/],
    [
      "a fractional actual",
      () => ledger.settle({ id: "x", tenant: "t" } as never, { microUsd: 0.5 }),
      /actual\.microUsd must be/,
    ],
    [
      "a misspelt actual",
      () => ledger.settle({ id: "x", tenant: "t" } as never, { token: 1 } as never),
      /actual\.token is not a unit/,
    ],
  ];
  for (const [what, call, message] of cases) {
    it(what, async () => {
      const error = await rejection(call());
      expect(error).toBeInstanceOf(RangeError);
      expect((error as Error).message).toMatch(/^\[threadmill\] \[spend\] /);
      expect((error as Error).message).toMatch(message);
    });
  }

  it("rejects rather than throws, from every method", async () => {
    const calls = [
      () => ledger.setCaps({ tenant: "" }, {}),
      () => ledger.spent({ tenant: "" }),
      () => ledger.reserve({ tenant: "" }, {}),
      () => ledger.settle({ id: "x", tenant: "t" } as never, { tokens: -1 }),
    ];
    for (const call of calls) {
      let promise: Promise<unknown> | undefined;
      expect(() => {
        promise = call();
      }).not.toThrow();
      await expect(promise).rejects.toThrow(RangeError);
    }
  });

  it("a reservationTtlMs below 1", () => {
    expect(() => createSpendLedger({ store: memoryStore(), reservationTtlMs: 0 })).toThrow(
      /^\[threadmill\] \[spend\] reservationTtlMs must be an integer >= 1\.$/,
    );
  });
});

describe("createSpendLedger", () => {
  it("names each reservation uniquely and passes the default ttl of 10 minutes", async () => {
    const store = memoryStore();
    const reserve = vi.spyOn(store, "reserve");
    const ledger = createSpendLedger({ store });
    const a = await ledger.reserve({ tenant: "t" }, { microUsd: 1 });
    const b = await ledger.reserve({ tenant: "t" }, { tokens: 1 });
    expect(a.id).not.toBe(b.id);
    expect(reserve.mock.calls.map(([request]) => request.ttlMs)).toEqual([600_000, 600_000]);
    expect(b.amount).toEqual({ microUsd: 0, tokens: 1 });
  });

  it("turns a refusal into BudgetExceededError, micro-dollars shown in dollars", async () => {
    const ledger = createSpendLedger({ store: memoryStore() });
    await ledger.setCaps({ tenant: "t" }, { microUsd: 2_500_000 });
    await ledger.setCaps({ tenant: "t", jobId: "j" }, { tokens: 1000 });
    await ledger.settle(await ledger.reserve({ tenant: "t" }, { microUsd: 1_000_000 }), {
      microUsd: 1_500_000,
    });
    await ledger.reserve({ tenant: "t", jobId: "j" }, { microUsd: 500_000, tokens: 900 });
    const usd = await rejection(ledger.reserve({ tenant: "t", jobId: "j" }, { microUsd: 500_001 }));
    expect(BudgetExceededError.isInstance(usd)).toBe(true);
    expect(usd).toMatchObject({ scope: "tenant", unit: "usd", limit: 2.5, spent: 1.5, reserved: 0.5 });
    expect((usd as Error).message).toBe(
      "[threadmill] the tenant's monthly budget of 2.5 usd reached (1.5 spent, 0.5 reserved); raise the budget to go on.",
    );
    const tokens = await rejection(ledger.reserve({ tenant: "t", jobId: "j" }, { tokens: 101 }));
    expect(tokens).toMatchObject({ scope: "job", unit: "tokens", limit: 1000, spent: 0, reserved: 900 });
  });

  it("passes the store's failures through as they are", async () => {
    const failure = new StorageError({ adapter: "postgres", operation: "reserve", cause: new Error("down") });
    const fail = () => Promise.reject(failure);
    const store: SpendLedgerStore = { setCaps: fail, reserve: fail, settle: fail, read: fail };
    const ledger = createSpendLedger({ store });
    expect(await rejection(ledger.reserve({ tenant: "t" }, { microUsd: 1 }))).toBe(failure);
    expect(await rejection(ledger.setCaps({ tenant: "t" }, {}))).toBe(failure);
    expect(await rejection(ledger.spent({ tenant: "t" }))).toBe(failure);
    expect(await rejection(ledger.settle({ id: "x", tenant: "t" } as never, {}))).toBe(failure);
  });
});
