// LLM extraction of facts through @anthropic-ai/sdk (an optional peer: only this entry needs it).
export { type AnthropicLimits, anthropicLimitRules } from "./anthropic/anthropic-limit-rules.js";
export { type ExtractedFacts, type ExtractFactsOptions, extractFacts } from "./anthropic/extract-facts.js";
export { estimateFacts, type EstimateFactsOptions, type FactsEstimate } from "./anthropic/estimate-facts.js";
export {
  type ExtractedFact,
  extractedFactsSchema,
  FACTS_PROMPT_VERSION,
  FACTS_SYSTEM_PROMPT,
  FACTS_TOOL,
  SINGLE_VALUED_PREDICATES,
} from "./anthropic/fact-prompt.js";
export { type FactTextRules, factMessageText, resolveFactTextRules } from "./anthropic/fact-text-rules.js";
export { type FactsJobOptions, factsJobOptionsSchema } from "./anthropic/facts-job-options.js";
export type { FactsClient } from "./anthropic/facts-client.js";
export { createFactsStage, type FactsStageOptions } from "./anthropic/facts-stage.js";
export type { FactsCursor } from "./anthropic/facts-unit.js";
export { DEFAULT_FACTS_MODEL, MODEL_PRICES, type ModelPrice, priceOf } from "./anthropic/model-prices.js";
export { maxRequestCostMicroUsd, type TokenUsage, usageCostMicroUsd } from "./anthropic/request-cost.js";

/** Whether LLM extraction is available in this build. */
export const extractionAvailable = true as const;
