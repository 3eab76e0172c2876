import type Anthropic from "@anthropic-ai/sdk";
import { BudgetExceededError } from "../errors/budget-exceeded-error.js";
import { sleep } from "../pipeline/sleep.js";
import type { SpendAmount, SpendReservation, SpendScope } from "../ports/spend-ledger-store.js";
import type { RateLimiter } from "../ratelimit/create-rate-limiter.js";
import type { RateLimitHold } from "../ratelimit/rate-limit-hold.js";
import type { SpendLedger } from "../spend/create-spend-ledger.js";
import type { ModelUsage } from "../telemetry/model-usage.js";
import type { ModelPrice } from "./model-prices.js";
import { maxRequestCostMicroUsd, modelUsage, usageCostMicroUsd } from "./request-cost.js";

/** What every try of a request shares: the client, the model and its price, the limiter and the ledger. */
export interface FactTryContext {
  readonly client: Pick<Anthropic, "messages">;
  readonly model: string;
  readonly maxTokens: number;
  readonly price: ModelPrice;
  /** Charges requests, input tokens and output tokens (rules named so) under the key `model`. */
  readonly limiter?: RateLimiter;
  readonly ledger?: SpendLedger;
  readonly scope: SpendScope;
  readonly signal?: AbortSignal;
  /** Told each answer's tokens and cost (the runner's `threadmill.llm.*` metrics). */
  readonly recordUsage?: ((usage: ModelUsage) => void) | undefined;
}

/** One try's answer and what it cost. */
export interface FactTryResult {
  readonly message: Anthropic.Message;
  readonly costMicroUsd: number;
}

/** The cost in the limiter's own rule names: a rule it does not have is left out (naming it is an error). */
function limiterCost(limiter: RateLimiter, cost: Record<string, number>): Record<string, number> {
  const names = new Set(limiter.rules.filter((r) => "limit" in r).map((r) => r.name));
  return Object.fromEntries(Object.entries(cost).filter(([name]) => names.has(name)));
}

/** How often a request refused for want of room re-asks while other requests hold reservations. */
const RESERVE_RETRY_MS = 250;

/**
 * Reserves a request's most possible cost. A refusal while other requests of the budget hold
 * reservations, for a request that would fit beside what is spent, waits for them to settle (they
 * settle at what they really cost, mostly far below what they reserved) and asks again: a budget
 * smaller than `concurrency` times the most a request can cost then runs fewer requests at once
 * instead of ending the stage with money left. Only a request that cannot fit at all is refused.
 */
async function reserveWhenRoom(
  ledger: SpendLedger,
  scope: SpendScope,
  amount: SpendAmount,
  signal: AbortSignal | undefined,
): Promise<SpendReservation> {
  for (;;) {
    try {
      return await ledger.reserve(scope, amount);
    } catch (error) {
      if (!BudgetExceededError.isInstance(error) || error.reserved <= 0) throw error;
      const needed = error.unit === "usd" ? amount.microUsd / 1e6 : amount.tokens;
      if (error.spent + needed > error.limit) throw error;
      await sleep(RESERVE_RETRY_MS, signal);
    }
  }
}

/** An answer with an HTTP status was not billed; a dropped connection may have been. */
const billedUnknown = (error: unknown) => typeof (error as { status?: unknown })?.status !== "number";

/**
 * Sends one try of a request: reserves its most possible cost in the ledger (a refusal throws
 * `BudgetExceededError` and nothing is sent), waits its turn in the limiter, sends with the SDK's own
 * retries off, then settles both from `usage`. A try that never left (the limiter refused or was
 * aborted) or failed with an HTTP status is settled at zero; one whose connection failed or was
 * aborted after it left stays charged at its reservation (it may have been paid).
 */
export async function sendFactTry(
  context: FactTryContext,
  body: Anthropic.MessageCreateParamsNonStreaming,
  inputTokens: number,
): Promise<FactTryResult> {
  const { ledger, limiter, price, maxTokens } = context;
  const reservation = ledger
    ? await reserveWhenRoom(
        ledger,
        context.scope,
        {
          microUsd: maxRequestCostMicroUsd(inputTokens, maxTokens, price, false),
          tokens: inputTokens + maxTokens,
        },
        context.signal,
      )
    : null;
  let hold: RateLimitHold | null = null;
  let sent = false;
  let message: Anthropic.Message;
  try {
    hold = limiter
      ? await limiter.acquire(
          context.model,
          limiterCost(limiter, { requests: 1, inputTokens, outputTokens: maxTokens }),
          { signal: context.signal },
        )
      : null;
    sent = true;
    message = await context.client.messages.create(body, { maxRetries: 0, signal: context.signal });
  } catch (error) {
    if (reservation && (!sent || !billedUnknown(error))) {
      await ledger!.settle(reservation, { microUsd: 0, tokens: 0 }).catch(() => {});
    }
    if (hold) {
      await hold
        .settle(limiterCost(limiter!, { requests: 1, inputTokens: 0, outputTokens: 0 }))
        .catch(() => {});
      await hold.release().catch(() => {});
    }
    throw error;
  }
  const u = message.usage;
  const costMicroUsd = usageCostMicroUsd(u, price, false);
  const input = u.input_tokens + (u.cache_creation_input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0);
  context.recordUsage?.(modelUsage(context.model, u, costMicroUsd));
  // The answer is paid for: bookkeeping that fails now must not throw it away (and send it again).
  // An unsettled reservation is charged in full when it expires, and an unsettled hold keeps its
  // reservation: both err on the side of spending less.
  if (reservation) {
    await ledger!
      .settle(reservation, { microUsd: costMicroUsd, tokens: input + u.output_tokens })
      .catch(() => {});
  }
  if (hold) {
    await hold
      .settle(limiterCost(limiter!, { requests: 1, inputTokens: input, outputTokens: u.output_tokens }))
      .catch(() => {});
    await hold.release().catch(() => {});
  }
  return { message, costMicroUsd };
}
