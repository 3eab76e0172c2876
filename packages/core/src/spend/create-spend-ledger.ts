import { BudgetExceededError } from "../errors/budget-exceeded-error.js";
import type {
  SpendAmount,
  SpendCaps,
  SpendLedgerStore,
  SpendReservation,
  SpendScope,
  SpendTotals,
} from "../ports/spend-ledger-store.js";
import { createJobId } from "../util/job-id.js";

/** Options of `createSpendLedger`. */
export interface SpendLedgerOptions {
  /** Where spend lives, shared by every process on the same store: `adapter.spend`. */
  readonly store: SpendLedgerStore;
  /**
   * How long a reservation stays open unless settled; past it the reservation is charged at its
   * reserved amount (its worker is presumed dead and the request may have been paid). @default 600_000
   */
  readonly reservationTtlMs?: number;
}

/** Spend per tenant (per calendar month, UTC) and per job, with caps checked atomically. */
export interface SpendLedger {
  /** Replaces the caps of a tenant (`{ tenant }`: per month) or of a job (`{ tenant, jobId }`: its whole life). */
  setCaps(scope: SpendScope, caps: SpendCaps): Promise<void>;
  /**
   * Reserves `amount` against the tenant's month and the job, or throws `BudgetExceededError`
   * naming the scope and unit whose cap it would pass; nothing is reserved then.
   */
  reserve(
    scope: SpendScope,
    amount: Partial<SpendAmount>,
    options?: { readonly ttlMs?: number },
  ): Promise<SpendReservation>;
  /**
   * Replaces the reservation with what was really spent. `false` when the ledger no longer holds it:
   * settled before, or expired and charged at its reserved amount.
   */
  settle(reservation: SpendReservation, actual: Partial<SpendAmount>): Promise<boolean>;
  /** A tenant's totals this month, or a job's over its whole life. */
  spent(scope: SpendScope): Promise<SpendTotals>;
}

function invalid(message: string): RangeError {
  return new RangeError(`[threadmill] [spend] ${message}`);
}

/** A misspelt unit (`usd`, `microUSD`) would otherwise reserve nothing or cap nothing, silently. */
function knownUnits(value: object, what: string): void {
  for (const unit of Object.keys(value)) {
    if (unit !== "microUsd" && unit !== "tokens") {
      throw invalid(`${what}.${unit} is not a unit: use microUsd (integer micro-dollars) and tokens.`);
    }
  }
}

function amountOf(value: Partial<SpendAmount> | undefined, what: string): SpendAmount {
  if (typeof value !== "object" || value === null) throw invalid(`${what} must be { microUsd?, tokens? }.`);
  knownUnits(value, what);
  const out = { microUsd: value.microUsd ?? 0, tokens: value.tokens ?? 0 };
  for (const [unit, n] of Object.entries(out)) {
    if (!Number.isSafeInteger(n) || n < 0)
      throw invalid(`${what}.${unit} must be an integer >= 0 (got ${String(n)}).`);
  }
  return out;
}

function scopeOf(scope: SpendScope): SpendScope {
  if (typeof scope?.tenant !== "string" || scope.tenant.length === 0) {
    throw invalid("scope.tenant must be a non-empty string.");
  }
  if (scope.jobId !== undefined && (typeof scope.jobId !== "string" || scope.jobId.length === 0)) {
    throw invalid("scope.jobId must be a non-empty string when given.");
  }
  return scope.jobId === undefined ? { tenant: scope.tenant } : { tenant: scope.tenant, jobId: scope.jobId };
}

function capsOf(caps: SpendCaps): SpendCaps {
  if (typeof caps !== "object" || caps === null) throw invalid("caps must be { microUsd?, tokens? }.");
  knownUnits(caps, "caps");
  const out: { microUsd?: number; tokens?: number } = {};
  for (const unit of ["microUsd", "tokens"] as const) {
    const n = caps[unit];
    if (n === undefined) continue;
    if (!Number.isSafeInteger(n) || n < 0)
      throw invalid(`caps.${unit} must be an integer >= 0 (got ${String(n)}).`);
    out[unit] = n;
  }
  return out;
}

/**
 * The spend ledger over a store: validates amounts (integer micro-dollars and tokens), names each
 * reservation, and turns a refusal into `BudgetExceededError`.
 * @example
 * const ledger = createSpendLedger({ store: adapter.spend });
 * await ledger.setCaps({ tenant: "u1" }, { microUsd: 5_000_000 }); // $5 a month
 * const reservation = await ledger.reserve({ tenant: "u1", jobId }, { microUsd: 1_200, tokens: 14_000 });
 * await ledger.settle(reservation, { microUsd: 950, tokens: 11_020 });
 */
export function createSpendLedger(options: SpendLedgerOptions): SpendLedger {
  const { store } = options;
  const defaultTtl = options.reservationTtlMs ?? 600_000;
  if (!Number.isSafeInteger(defaultTtl) || defaultTtl < 1)
    throw invalid("reservationTtlMs must be an integer >= 1.");
  return {
    // async, like every method here: a bad argument rejects the promise rather than throwing.
    setCaps: async (scope, caps) => store.setCaps(scopeOf(scope), capsOf(caps)),
    async reserve(scope, amount, reserveOptions = {}) {
      const ttlMs = reserveOptions.ttlMs ?? defaultTtl;
      if (!Number.isSafeInteger(ttlMs) || ttlMs < 1) throw invalid("ttlMs must be an integer >= 1.");
      const result = await store.reserve({
        id: createJobId(),
        scope: scopeOf(scope),
        amount: amountOf(amount, "amount"),
        ttlMs,
      });
      if (result.ok) return result.reservation;
      const { refusal } = result;
      throw new BudgetExceededError({
        scope: refusal.scope,
        unit: refusal.unit === "microUsd" ? "usd" : "tokens",
        limit: refusal.unit === "microUsd" ? refusal.cap / 1e6 : refusal.cap,
        spent: refusal.unit === "microUsd" ? refusal.spent / 1e6 : refusal.spent,
        reserved: refusal.unit === "microUsd" ? refusal.reserved / 1e6 : refusal.reserved,
      });
    },
    async settle(reservation, actual) {
      const { settled } = await store.settle({
        tenant: reservation.tenant,
        id: reservation.id,
        actual: amountOf(actual, "actual"),
      });
      return settled;
    },
    spent: async (scope) => store.read(scopeOf(scope)),
  };
}
