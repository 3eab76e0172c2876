/** A tokenizer the chunker knows by name. */
export type TokenizerName = "o200k_base" | "cl100k_base" | "claude";

/** Any tokenizer: a known name, or your own counter (called on each piece of text, then on every candidate chunk to recount it). */
export type TokenizerOption = TokenizerName | { count(text: string): number };

/**
 * The factor the `"claude"` tokenizer multiplies o200k_base counts by. Third-party measurements put
 * Claude 3/4 token counts 20-30 % above GPT-4o's o200k_base on English text (see
 * `research/parse-chunk.md`, section 3); 1.4 is the 30 % upper end plus a ~8 % safety margin. Not
 * calibrated against `POST /v1/messages/count_tokens` (no API access where this was written).
 */
export const CLAUDE_TOKEN_FACTOR = 1.4;

/** @internal The BPE encodings behind the named tokenizers. */
export type BpeName = "o200k_base" | "cl100k_base";
/** @internal The BPE tables a named tokenizer counts with (`"claude"` counts with o200k_base's). */
export const bpeName = (tokenizer: TokenizerName): BpeName =>
  tokenizer === "cl100k_base" ? "cl100k_base" : "o200k_base";
