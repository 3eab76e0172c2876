import { O200K_TOKEN_SPLIT_REGEX } from "gpt-tokenizer/encodingParams/constants";
import { bpeCounter } from "./bpe-counters.js";
import type { BpeCounter } from "./bpe-counter.js";
import { MEMO_MAX_ENTRIES, MEMO_MAX_LENGTH } from "./piece-memo.js";
import { type PieceScanner, pieceScanner, regexPieceScanner } from "./piece-scanner.js";
import { type BpeName, CLAUDE_TOKEN_FACTOR, type TokenizerOption } from "./tokenizer-option.js";

/**
 * What the chunker needs from a tokenizer: counts in "base units" plus how to turn them into the
 * caller's units. BPE tokenizers expose their pre-tokenization regex, so summed piece counts are exact.
 * @internal
 */
export interface BaseTokenizer {
  /** A new pre-tokenization scanner: the end of the piece starting at a position. */
  scanner(): PieceScanner;
  /** Count of one text in base units. */
  countBase(text: string): number;
  /**
   * Count of the piece `text[start, end)` the scanner found, in base units (memoised, not a
   * re-tokenization; a piece seen before is found without slicing it): the chunker's per-piece path.
   */
  countRange(text: string, start: number, end: number): number;
  /** Whether counts of whole pre-tokenization pieces add up exactly (true for BPE tokenizers). */
  readonly exactSums: boolean;
  /** Largest base-unit count whose caller-unit count is <= `tokens`. */
  baseBudget(tokens: number): number;
  /** Caller units for a base count. */
  toTokens(base: number): number;
  /** Characters passed to `countBase` so far (for the amplification figure). */
  readonly counted: { chars: number };
}

function bpeTokenizer(name: BpeName, factor: number): BaseTokenizer {
  let counter: BpeCounter | undefined;
  const scan = pieceScanner(name);
  const counted = { chars: 0 };
  return {
    counted,
    countRange: (text, start, end) => {
      counter ??= bpeCounter(name);
      return counter.range(text, start, end);
    },
    // No special tokens: `<|endoftext|>` and friends are counted as the text they are.
    countBase: (text) => {
      counted.chars += text.length;
      counter ??= bpeCounter(name);
      let n = 0;
      for (let at = 0; at < text.length; ) {
        const end = scan(text, at);
        n += counter.range(text, at, end);
        at = end;
      }
      return n;
    },
    scanner: () => pieceScanner(name),
    exactSums: true,
    baseBudget:
      factor === 1
        ? (tokens) => tokens
        : (tokens) => {
            let base = Math.floor(tokens / factor);
            while (Math.ceil((base + 1) * factor) <= tokens) base++;
            while (base > 0 && Math.ceil(base * factor) > tokens) base--;
            return base;
          },
    toTokens: factor === 1 ? (base) => base : (base) => Math.ceil(base * factor),
  };
}

/** @internal Resolves a tokenizer option into what the chunker works with. */
export function resolveTokenizer(option: TokenizerOption): BaseTokenizer {
  if (option === "o200k_base" || option === "cl100k_base") return bpeTokenizer(option, 1);
  if (option === "claude") return bpeTokenizer("o200k_base", CLAUDE_TOKEN_FACTOR);
  if (typeof option === "object" && option !== null && typeof option.count === "function") {
    const count = option.count.bind(option);
    const counted = { chars: 0 };
    const memo = new Map<string, number>();
    const countBase = (text: string): number => {
      counted.chars += text.length;
      const n = count(text);
      if (!Number.isInteger(n) || n < 0) {
        throw new TypeError(
          `[threadmill] tokenizer.count() returned ${n}; it must return a non-negative integer.`,
        );
      }
      return n;
    };
    const countPiece = (piece: string): number => {
      if (piece.length > MEMO_MAX_LENGTH) return countBase(piece);
      let n = memo.get(piece);
      if (n === undefined) {
        n = countBase(piece);
        if (memo.size >= MEMO_MAX_ENTRIES) memo.clear();
        memo.set(piece, n);
      }
      return n;
    };
    return {
      counted,
      countRange: (text, start, end) => countPiece(text.slice(start, end)),
      countBase,
      scanner: () => regexPieceScanner(O200K_TOKEN_SPLIT_REGEX),
      exactSums: false,
      baseBudget: (tokens) => tokens,
      toTokens: (base) => base,
    };
  }
  throw new TypeError(
    `[threadmill] unknown tokenizer ${JSON.stringify(option)}; use "o200k_base", "cl100k_base", "claude" or { count(text) }.`,
  );
}
