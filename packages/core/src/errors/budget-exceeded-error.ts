import { ThreadmillError } from "./threadmill-error.js";

const marker = "threadmill.error.BUDGET_EXCEEDED";
const symbol = Symbol.for(marker);

/**
 * An LLM request was not sent because it would pass a token or dollar cap: the job's, or its
 * tenant's for this month. Amounts are in `unit` (dollars or tokens).
 */
export class BudgetExceededError extends ThreadmillError {
  override readonly name = "BudgetExceededError";
  readonly code = "BUDGET_EXCEEDED";
  readonly limit: number;
  readonly spent: number;
  readonly unit: "usd" | "tokens";
  /** Whose cap: the job's or the tenant's (per calendar month, UTC). @default "job" */
  readonly scope: "job" | "tenant";
  /** What was reserved by calls still in flight when this one was refused. */
  readonly reserved: number;

  protected get [symbol]() {
    return true;
  }

  /** Whether `error` is a BudgetExceededError, from any copy of the package. */
  static override isInstance(error: unknown): error is BudgetExceededError {
    return ThreadmillError.hasMarker(error, marker);
  }

  constructor(fields: {
    limit: number;
    spent: number;
    unit: "usd" | "tokens";
    scope?: "job" | "tenant";
    reserved?: number;
  }) {
    const scope = fields.scope ?? "job";
    const reserved = fields.reserved ?? 0;
    super(
      `[threadmill] ${scope === "tenant" ? "the tenant's monthly" : "the job's"} budget of ${fields.limit} ${fields.unit} reached (${fields.spent} spent${reserved > 0 ? `, ${reserved} reserved` : ""}); raise the budget to go on.`,
    );
    this.scope = scope;
    this.reserved = reserved;
    this.limit = fields.limit;
    this.spent = fields.spent;
    this.unit = fields.unit;
  }
}
