import { capsKey, type SpendLedgerStore, type SpendRefusal } from "@threadmill/core";
import type { RedisContext } from "./redis-context.js";

type ReserveReply =
  | [ok: 1, period: string, expiresAt: string]
  | [
      ok: 0,
      scope: SpendRefusal["scope"],
      unit: SpendRefusal["unit"],
      cap: number,
      spent: number,
      reserved: number,
    ];

type ReadReply = [
  spentMicroUsd: number,
  spentTokens: number,
  reservedMicroUsd: number,
  reservedTokens: number,
  capMicroUsd: string,
  capTokens: string,
  period: string,
];

/**
 * The spend ledger on Redis: core's Lua (`SPEND_LUA`), one round trip per operation on the server's
 * clock, the month included. One tenant's caps, totals and reservations share its hash tag (one
 * slot) and never expire: they are the ledger.
 */
export function createRedisSpendLedger(ctx: RedisContext): SpendLedgerStore {
  const keysOf = (tenant: string) => {
    const k = ctx.keys.spendLedger(tenant);
    return [k.caps, k.totals, k.reservations, k.expiries];
  };
  return {
    async setCaps(scope, caps) {
      await ctx.limits(
        "setCaps",
        "set spend caps",
        [ctx.keys.spendLedger(scope.tenant).caps],
        [capsKey(scope), caps.microUsd ?? "", caps.tokens ?? ""],
      );
    },
    async reserve({ id, scope, amount, ttlMs }) {
      const hasJob = scope.jobId !== undefined;
      const reply = (await ctx.limits("reserve", "reserve spend", keysOf(scope.tenant), [
        id,
        hasJob ? "1" : "0",
        scope.jobId ?? "",
        amount.microUsd,
        amount.tokens,
        ttlMs,
      ])) as ReserveReply;
      if (reply[0] === 0) {
        const [, refusedScope, unit, cap, spent, reserved] = reply;
        return { ok: false, refusal: { scope: refusedScope, unit, cap, spent, reserved } };
      }
      return {
        ok: true,
        reservation: {
          id,
          tenant: scope.tenant,
          ...(hasJob ? { jobId: scope.jobId } : {}),
          amount: { microUsd: amount.microUsd, tokens: amount.tokens },
          period: reply[1],
          expiresAt: Number(reply[2]),
        },
      };
    },
    async settle({ tenant, id, actual }) {
      const settled = await ctx.limits("settle", "settle spend", keysOf(tenant), [
        id,
        actual.microUsd,
        actual.tokens,
      ]);
      return { settled: settled === 1 };
    },
    async read(scope) {
      const hasJob = scope.jobId !== undefined;
      const [spentMicroUsd, spentTokens, reservedMicroUsd, reservedTokens, capMicroUsd, capTokens, period] =
        (await ctx.limits("read", "read spend", keysOf(scope.tenant), [
          hasJob ? "1" : "0",
          scope.jobId ?? "",
        ])) as ReadReply;
      return {
        spent: { microUsd: spentMicroUsd, tokens: spentTokens },
        reserved: { microUsd: reservedMicroUsd, tokens: reservedTokens },
        caps: {
          ...(capMicroUsd === "" ? {} : { microUsd: Number(capMicroUsd) }),
          ...(capTokens === "" ? {} : { tokens: Number(capTokens) }),
        },
        period: hasJob ? null : period,
      };
    },
  };
}
