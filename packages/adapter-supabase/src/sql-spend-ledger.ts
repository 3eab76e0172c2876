import {
  capsKey,
  type SpendAmount,
  type SpendLedgerStore,
  type SpendRefusal,
  type SpendReservation,
  type SpendTotals,
} from "@threadmill/core";
import { assertId, limitsNow, type SqlContext } from "./sql-context.js";

type ReserveResult = { ok: true; period: string; expiresAt: number } | { ok: false; refusal: SpendRefusal };

/**
 * The SpendLedgerStore port on SQL: each operation is one call of its function (migration 5), which
 * serializes the tenant with `pg_advisory_xact_lock`, charges its expired reservations, and works on
 * the server's clock exactly as core's reference algorithm does. Amounts are bigint columns, caps
 * live in the database (durable across restarts). Driver failures become `StorageError`s.
 */
export function createSqlSpendLedger(ctx: SqlContext): SpendLedgerStore {
  const { s } = ctx;
  const call = async <T>(operation: string, text: string, params: readonly unknown[]): Promise<T> => {
    const rows = await ctx.run<{ r: string }>(operation, text, params);
    return JSON.parse(rows[0]!.r) as T;
  };
  return {
    async setCaps(scope, caps) {
      assertId(scope?.tenant, "scope.tenant");
      await call(
        "spend.setCaps",
        `select ${s}.spend_set_caps($1::text, $2::text, $3::bigint, $4::bigint, $5::float8)::text as r`,
        [scope.tenant, capsKey(scope), caps?.microUsd ?? null, caps?.tokens ?? null, limitsNow(ctx)],
      );
    },

    async reserve({ id, scope, amount, ttlMs }) {
      assertId(id, "id");
      assertId(scope?.tenant, "scope.tenant");
      const result = await call<ReserveResult>(
        "spend.reserve",
        `select ${s}.spend_reserve($1::text, $2::text, $3::text, $4::bigint, $5::bigint, $6::float8, $7::float8)::text as r`,
        [scope.tenant, scope.jobId ?? null, id, amount.microUsd, amount.tokens, ttlMs, limitsNow(ctx)],
      );
      if (!result.ok) {
        const { scope: refused, unit, cap, spent, reserved } = result.refusal;
        return { ok: false, refusal: { scope: refused, unit, cap, spent, reserved } };
      }
      const reservation: SpendReservation = {
        id,
        tenant: scope.tenant,
        ...(scope.jobId === undefined ? {} : { jobId: scope.jobId }),
        amount: { microUsd: amount.microUsd, tokens: amount.tokens },
        period: result.period,
        expiresAt: result.expiresAt,
      };
      return { ok: true, reservation };
    },

    async settle({ tenant, id, actual }) {
      assertId(tenant, "tenant");
      assertId(id, "id");
      const { settled } = await call<{ settled: boolean }>(
        "spend.settle",
        `select ${s}.spend_settle($1::text, $2::text, $3::bigint, $4::bigint, $5::float8)::text as r`,
        [tenant, id, actual.microUsd, actual.tokens, limitsNow(ctx)],
      );
      return { settled };
    },

    async read(scope) {
      assertId(scope?.tenant, "scope.tenant");
      const totals = await call<SpendTotals & { now?: number }>(
        "spend.read",
        `select ${s}.spend_read($1::text, $2::text, $3::float8)::text as r`,
        [scope.tenant, scope.jobId ?? null, limitsNow(ctx)],
      );
      const amount = (a: SpendAmount): SpendAmount => ({ microUsd: a.microUsd, tokens: a.tokens });
      return {
        spent: amount(totals.spent),
        reserved: amount(totals.reserved),
        caps: totals.caps,
        period: totals.period,
      };
    },
  };
}
