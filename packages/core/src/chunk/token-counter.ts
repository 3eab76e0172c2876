import { resolveTokenizer } from "./base-tokenizer.js";
import type { TokenizerOption } from "./tokenizer-option.js";

// pipeline/import-pipeline.ts still names the tokenizer type from here.

/**
 * Counts tokens of a text the way the chunker does: special-token strings such as `<|endoftext|>`
 * are plain text (never an error), lone surrogates count as U+FFFD.
 */
export interface TokenCounter {
  /** Exact count of `text` under this tokenizer (for `"claude"`: the documented estimate). */
  count(text: string): number;
}

/**
 * A token counter with the chunker's semantics, for checking chunks or sizing prompts.
 * @example
 * createTokenCounter("o200k_base").count("Hello <|endoftext|>"); // 6, no throw
 */
export function createTokenCounter(tokenizer: TokenizerOption = "o200k_base"): TokenCounter {
  const resolved = resolveTokenizer(tokenizer);
  return { count: (text) => resolved.toTokens(resolved.countBase(text)) };
}
