import { createTokenCounter } from "../chunk/token-counter.js";
import type { StoredConversation } from "../ports/conversation-store.js";
import { FACTS_SYSTEM_PROMPT, FACTS_TOOL } from "./fact-prompt.js";
import { createFactRequestPacker } from "./fact-request-packer.js";
import { resolveFactTextRules } from "./fact-text-rules.js";
import { type FactsJobOptions, factsJobOptionsSchema } from "./facts-job-options.js";
import { type ModelPrice, priceOf } from "./model-prices.js";
import { usageCostMicroUsd } from "./request-cost.js";

/**
 * Claude's tokens per o200k_base token for the estimate: the middle of the 20-30 % that third-party
 * measurements find (`research/parse-chunk.md`, section 3). Packing and reservations use the
 * `"claude"` counter (1.4, an upper bound) so that no request or reservation comes out short; a
 * price estimate wants the likely figure instead.
 */
export const FACTS_ESTIMATE_TOKEN_FACTOR = 1.25;

/** What extracting facts from some conversations would take, before anything is spent. */
export interface FactsEstimate {
  readonly model: string;
  readonly conversations: number;
  /** Messages sent (the person's own, unless `assistant`). */
  readonly messages: number;
  readonly requests: number;
  /** Input tokens of every request (system prompt and tool included): o200k_base x `FACTS_ESTIMATE_TOKEN_FACTOR`. */
  readonly inputTokens: number;
  readonly expectedOutputTokens: number;
  /** Whether the shared prefix (system prompt and tool) is long enough for the model to cache it. */
  readonly cached: boolean;
  readonly usd: { readonly messages: number; readonly batch: number };
}

/** Options of `estimateFacts`: the job's facts options, plus prices and the expected answer size. */
export interface EstimateFactsOptions extends Partial<Omit<FactsJobOptions, "model">> {
  readonly model?: string;
  readonly prices?: Readonly<Record<string, ModelPrice>>;
  /** Expected output tokens per input token of conversation text (facts are short). @default 0.06 */
  readonly outputRatio?: number;
}

/**
 * A dry run of the facts stage: packs the conversations exactly as the stage would and prices the
 * requests for the Messages API and for Batches. Needs no key and sends nothing.
 * @example
 * const estimate = await estimateFacts(readExport(source), { model: "claude-haiku-4-5" });
 */
export async function estimateFacts(
  conversations: AsyncIterable<StoredConversation> | Iterable<StoredConversation>,
  options: EstimateFactsOptions = {},
): Promise<FactsEstimate> {
  const { prices, outputRatio = 0.06, ...rest } = options;
  const facts = factsJobOptionsSchema.parse(rest);
  const price = priceOf(facts.model, prices);
  if (!price)
    throw new RangeError(`[threadmill] [facts] no price for model ${facts.model}: pass it in prices.`);
  const counter = createTokenCounter("claude");
  const o200k = createTokenCounter("o200k_base");
  const likely = (text: string) => Math.round(o200k.count(text) * FACTS_ESTIMATE_TOKEN_FACTOR);
  const prefixTokens = likely(FACTS_SYSTEM_PROMPT) + likely(JSON.stringify(FACTS_TOOL));
  const packer = createFactRequestPacker({
    model: facts.model,
    requestTokens: facts.requestTokens,
    counter,
    rules: resolveFactTextRules(facts),
  });
  let count = 0;
  let messages = 0;
  let requests = 0;
  let inputTokens = 0;
  let outputTokens = 0;
  const take = (plan: { text: string; messages: number }) => {
    requests++;
    messages += plan.messages;
    const textTokens = likely(plan.text);
    inputTokens += prefixTokens + textTokens;
    outputTokens += Math.min(facts.maxTokens, Math.ceil(textTokens * outputRatio) + 40);
  };
  for await (const c of conversations) {
    count++;
    for (const plan of packer.add(c)) take(plan);
  }
  const last = packer.flush();
  if (last) take(last);
  const usage = { input_tokens: inputTokens, output_tokens: outputTokens };
  return {
    model: facts.model,
    conversations: count,
    messages,
    requests,
    inputTokens,
    expectedOutputTokens: outputTokens,
    cached: prefixTokens >= price.cacheMinTokens,
    usd: {
      messages: usageCostMicroUsd(usage, price, false) / 1e6,
      batch: usageCostMicroUsd(usage, price, true) / 1e6,
    },
  };
}
