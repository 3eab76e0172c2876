import { ThreadmillError } from "./threadmill-error.js";

const marker = "threadmill.error.BUDGET_EXCEEDED";
const symbol = Symbol.for(marker);

/** An LLM request was not sent because it would exceed the job's token or dollar budget. */
export class BudgetExceededError extends ThreadmillError {
  override readonly name = "BudgetExceededError";
  readonly code = "BUDGET_EXCEEDED";
  readonly limit: number;
  readonly spent: number;
  readonly unit: "usd" | "tokens";

  protected get [symbol]() {
    return true;
  }

  /** Whether `error` is a BudgetExceededError, from any copy of the package. */
  static override isInstance(error: unknown): error is BudgetExceededError {
    return ThreadmillError.hasMarker(error, marker);
  }

  constructor(fields: { limit: number; spent: number; unit: "usd" | "tokens" }) {
    super(
      `[threadmill] budget of ${fields.limit} ${fields.unit} reached (${fields.spent} spent); raise the budget to go on.`,
    );
    this.limit = fields.limit;
    this.spent = fields.spent;
    this.unit = fields.unit;
  }
}
