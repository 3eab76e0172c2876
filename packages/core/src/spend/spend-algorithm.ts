import type {
  SpendAmount,
  SpendCaps,
  SpendRefusal,
  SpendReservation,
  SpendScope,
  SpendTotals,
} from "../ports/spend-ledger-store.js";
import { spendPeriod } from "./spend-period.js";

interface Bucket {
  spent: SpendAmount;
  reserved: SpendAmount;
}

/** One tenant's ledger: caps per scope, totals per bucket (`m:<YYYY-MM>` or `j:<jobId>`), open reservations. */
export interface SpendTenantState {
  readonly caps: Map<string, SpendCaps>;
  readonly buckets: Map<string, Bucket>;
  readonly reservations: Map<string, SpendReservation>;
}

const UNITS = ["microUsd", "tokens"] as const;
const ZERO: SpendAmount = { microUsd: 0, tokens: 0 };

/** An empty tenant ledger. */
export function createSpendTenantState(): SpendTenantState {
  return { caps: new Map(), buckets: new Map(), reservations: new Map() };
}

/** The caps key of a scope: `t` for the tenant, `j:<jobId>` for a job. */
export function capsKey(scope: SpendScope): string {
  return scope.jobId === undefined ? "t" : `j:${scope.jobId}`;
}

function bucket(state: SpendTenantState, key: string): Bucket {
  let found = state.buckets.get(key);
  if (!found) {
    found = { spent: ZERO, reserved: ZERO };
    state.buckets.set(key, found);
  }
  return found;
}

function add(a: SpendAmount, b: SpendAmount, sign = 1): SpendAmount {
  return { microUsd: a.microUsd + sign * b.microUsd, tokens: a.tokens + sign * b.tokens };
}

function bucketsOf(reservation: { period: string; jobId?: string }): string[] {
  return reservation.jobId === undefined
    ? [`m:${reservation.period}`]
    : [`m:${reservation.period}`, `j:${reservation.jobId}`];
}

/** Charges every reservation whose time ran out at its reserved amount (its worker is gone). */
export function chargeExpired(state: SpendTenantState, now: number): void {
  for (const [id, reservation] of state.reservations) {
    if (reservation.expiresAt > now) continue;
    for (const key of bucketsOf(reservation)) {
      const b = bucket(state, key);
      b.reserved = add(b.reserved, reservation.amount, -1);
      b.spent = add(b.spent, reservation.amount);
    }
    state.reservations.delete(id);
  }
}

function refusal(
  scope: "tenant" | "job",
  caps: SpendCaps | undefined,
  totals: Bucket,
  amount: SpendAmount,
): SpendRefusal | undefined {
  for (const unit of UNITS) {
    const cap = caps?.[unit];
    if (cap === undefined) continue;
    if (totals.spent[unit] + totals.reserved[unit] + amount[unit] > cap) {
      return { scope, unit, cap, spent: totals.spent[unit], reserved: totals.reserved[unit] };
    }
  }
  return undefined;
}

/** The reference reserve: tenant month first, then the job; all or nothing. */
export function reserveSpend(
  state: SpendTenantState,
  request: { id: string; scope: SpendScope; amount: SpendAmount; ttlMs: number },
  now: number,
):
  | { readonly ok: true; readonly reservation: SpendReservation }
  | { readonly ok: false; readonly refusal: SpendRefusal } {
  chargeExpired(state, now);
  const { scope, amount } = request;
  const period = spendPeriod(now);
  const tenantRefusal = refusal("tenant", state.caps.get("t"), bucket(state, `m:${period}`), amount);
  if (tenantRefusal) return { ok: false, refusal: tenantRefusal };
  if (scope.jobId !== undefined) {
    const jobRefusal = refusal(
      "job",
      state.caps.get(`j:${scope.jobId}`),
      bucket(state, `j:${scope.jobId}`),
      amount,
    );
    if (jobRefusal) return { ok: false, refusal: jobRefusal };
  }
  const reservation: SpendReservation = {
    id: request.id,
    tenant: scope.tenant,
    ...(scope.jobId === undefined ? {} : { jobId: scope.jobId }),
    amount,
    period,
    expiresAt: now + request.ttlMs,
  };
  for (const key of bucketsOf(reservation)) {
    const b = bucket(state, key);
    b.reserved = add(b.reserved, amount);
  }
  state.reservations.set(request.id, reservation);
  return { ok: true, reservation };
}

/** The reference settle: the reserved amount leaves, `actual` is spent, in the reservation's buckets. */
export function settleSpend(
  state: SpendTenantState,
  id: string,
  actual: SpendAmount,
  now: number,
): { readonly settled: boolean } {
  chargeExpired(state, now);
  const reservation = state.reservations.get(id);
  if (!reservation) return { settled: false };
  for (const key of bucketsOf(reservation)) {
    const b = bucket(state, key);
    b.reserved = add(b.reserved, reservation.amount, -1);
    b.spent = add(b.spent, actual);
  }
  state.reservations.delete(id);
  return { settled: true };
}

/** The reference read: a tenant's current month, or a job's whole life. */
export function readSpend(state: SpendTenantState, scope: SpendScope, now: number): SpendTotals {
  chargeExpired(state, now);
  const period = scope.jobId === undefined ? spendPeriod(now) : null;
  const b = state.buckets.get(period === null ? `j:${scope.jobId}` : `m:${period}`);
  return {
    spent: b?.spent ?? ZERO,
    reserved: b?.reserved ?? ZERO,
    caps: state.caps.get(capsKey(scope)) ?? {},
    period,
  };
}
