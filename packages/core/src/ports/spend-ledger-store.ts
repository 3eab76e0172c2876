/** An amount of LLM spend: integer micro-dollars and integer tokens, each >= 0. */
export interface SpendAmount {
  readonly microUsd: number;
  readonly tokens: number;
}

/**
 * Whose spend: a tenant (its cap applies per calendar month in UTC, on the store's clock) and,
 * when `jobId` is given, also that job (its cap applies over its whole life).
 */
export interface SpendScope {
  readonly tenant: string;
  readonly jobId?: string;
}

/** A scope's caps; a unit left out has no cap. */
export interface SpendCaps {
  readonly microUsd?: number;
  readonly tokens?: number;
}

/** A reservation the store holds until it is settled or expires. */
export interface SpendReservation {
  readonly id: string;
  readonly tenant: string;
  readonly jobId?: string;
  readonly amount: SpendAmount;
  /** The tenant's month it counts in, `YYYY-MM` (UTC, store clock at reserve time). */
  readonly period: string;
  /** When it is charged at `amount` unless settled first, in epoch ms on the store's clock. */
  readonly expiresAt: number;
}

/** Why a reservation was refused: the first scope and unit whose cap it would pass. */
export interface SpendRefusal {
  readonly scope: "tenant" | "job";
  readonly unit: "microUsd" | "tokens";
  readonly cap: number;
  readonly spent: number;
  readonly reserved: number;
}

/** The totals of one scope. */
export interface SpendTotals {
  /** Settled spend plus expired reservations, charged at their reserved amount. */
  readonly spent: SpendAmount;
  /** Open reservations. */
  readonly reserved: SpendAmount;
  readonly caps: SpendCaps;
  /** The month these totals are for (`YYYY-MM`) for a tenant; `null` for a job (its whole life). */
  readonly period: string | null;
}

/**
 * Keeps spend per scope, durable across restarts, with caps stored per scope. A reservation fails
 * atomically when `spent + reserved + amount` would pass a cap of the tenant (this month) or of the
 * job. A reservation past its `expiresAt` (its worker died) is charged at its reserved amount, never
 * refunded, the next time the store touches that tenant. Every adapter passes testkit's
 * `runSpendLedgerConformance`; `createSpendLedger` wraps it with validation and typed errors.
 */
export interface SpendLedgerStore {
  /** Replaces the caps of the tenant (when `scope.jobId` is absent) or of the job. */
  setCaps(scope: SpendScope, caps: SpendCaps): Promise<void>;
  /** Reserves `amount` against the tenant and the job (when given), all or nothing. */
  reserve(request: {
    readonly id: string;
    readonly scope: SpendScope;
    readonly amount: SpendAmount;
    readonly ttlMs: number;
  }): Promise<
    | { readonly ok: true; readonly reservation: SpendReservation }
    | { readonly ok: false; readonly refusal: SpendRefusal }
  >;
  /**
   * Replaces reservation `id`'s reserved amount with `actual` spend. `settled: false` when the store
   * no longer holds it (already settled, or expired and charged at its reserved amount).
   */
  settle(request: {
    readonly tenant: string;
    readonly id: string;
    readonly actual: SpendAmount;
  }): Promise<{ readonly settled: boolean }>;
  /** The scope's totals: a tenant's current month, or a job's whole life. */
  read(scope: SpendScope): Promise<SpendTotals>;
}
