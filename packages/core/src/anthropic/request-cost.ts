import type { ModelUsage } from "../telemetry/model-usage.js";
import type { ModelPrice } from "./model-prices.js";

/** Token counts of one answer, as the API's `usage` reports them (cache fields may be absent or null). */
export interface TokenUsage {
  readonly input_tokens: number;
  readonly output_tokens: number;
  readonly cache_creation_input_tokens?: number | null;
  readonly cache_read_input_tokens?: number | null;
}

// $1 per million tokens is 1 micro-dollar per token, so a price per MTok multiplies tokens directly.
const micro = (tokens: number, usdPerMTok: number, batch: boolean) => (tokens * usdPerMTok) / (batch ? 2 : 1);

/** What an answer cost, in integer micro-dollars (rounded up: a ledger never under-charges). */
export function usageCostMicroUsd(usage: TokenUsage, price: ModelPrice, batch: boolean): number {
  return Math.ceil(
    micro(usage.input_tokens, price.inputUsdPerMTok, batch) +
      micro(usage.output_tokens, price.outputUsdPerMTok, batch) +
      micro(usage.cache_creation_input_tokens ?? 0, price.cacheWriteUsdPerMTok, batch) +
      micro(usage.cache_read_input_tokens ?? 0, price.cacheReadUsdPerMTok, batch),
  );
}

/**
 * The most a request can cost, reserved before it is sent: every input token at the dearer of the
 * input and cache-write prices (the prefix may be written to the cache), and `maxTokens` of output.
 */
export function maxRequestCostMicroUsd(
  inputTokens: number,
  maxTokens: number,
  price: ModelPrice,
  batch: boolean,
): number {
  const inputPrice = Math.max(price.inputUsdPerMTok, price.cacheWriteUsdPerMTok);
  return Math.ceil(micro(inputTokens, inputPrice, batch) + micro(maxTokens, price.outputUsdPerMTok, batch));
}

/** An answer's `usage` and cost as the runner's metrics take them (`StageContext.recordUsage`). */
export function modelUsage(model: string, usage: TokenUsage, costMicroUsd: number): ModelUsage {
  return {
    model,
    inputTokens: usage.input_tokens,
    outputTokens: usage.output_tokens,
    cacheReadTokens: usage.cache_read_input_tokens ?? 0,
    cacheWriteTokens: usage.cache_creation_input_tokens ?? 0,
    costMicroUsd,
  };
}
