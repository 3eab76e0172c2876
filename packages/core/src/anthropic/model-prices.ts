/** A model's prices in US dollars per million tokens (Messages API; Batches costs half), and its caching minimum. */
export interface ModelPrice {
  readonly inputUsdPerMTok: number;
  readonly outputUsdPerMTok: number;
  /** A 5-minute cache write (1.25x input). */
  readonly cacheWriteUsdPerMTok: number;
  /** A cache hit (0.1x input). */
  readonly cacheReadUsdPerMTok: number;
  /** The shortest prefix the API caches; a shorter one is silently not cached. */
  readonly cacheMinTokens: number;
}

const price = (input: number, output: number, cacheMinTokens: number): ModelPrice => ({
  inputUsdPerMTok: input,
  outputUsdPerMTok: output,
  cacheWriteUsdPerMTok: input * 1.25,
  cacheReadUsdPerMTok: input / 10,
  cacheMinTokens,
});

/**
 * Prices of the current Claude models (platform.claude.com/docs/about-claude/pricing, read
 * 2026-12), keyed by the model id without its date suffix. Override or extend them with the
 * `prices` option when they change.
 */
export const MODEL_PRICES: Readonly<Record<string, ModelPrice>> = {
  "claude-haiku-4-5": price(1, 5, 4096),
  "claude-sonnet-4-5": price(3, 15, 1024),
  "claude-sonnet-4": price(3, 15, 1024),
  "claude-opus-4-5": price(5, 25, 4096),
  "claude-opus-4-1": price(15, 75, 1024),
  "claude-3-5-haiku": price(0.8, 4, 2048),
  "claude-3-haiku": price(0.25, 1.25, 2048),
};

/** The default model of fact extraction: the cheapest current one. */
export const DEFAULT_FACTS_MODEL = "claude-haiku-4-5";

/**
 * The price of `model`: an exact key of `prices` (then of `MODEL_PRICES`), else the longest key the
 * id starts with followed by `-` (`claude-haiku-4-5-20251001` is `claude-haiku-4-5`). `undefined`
 * for a model nobody priced: spending on it could not be capped.
 */
export function priceOf(
  model: string,
  prices: Readonly<Record<string, ModelPrice>> = {},
): ModelPrice | undefined {
  const table = { ...MODEL_PRICES, ...prices };
  if (table[model]) return table[model];
  let best: string | undefined;
  for (const key of Object.keys(table)) {
    if (model.startsWith(`${key}-`) && (best === undefined || key.length > best.length)) best = key;
  }
  return best === undefined ? undefined : table[best];
}
