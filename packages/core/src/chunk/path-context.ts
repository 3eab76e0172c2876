import type { BaseTokenizer } from "./base-tokenizer.js";

/**
 * @internal The chunking window's typed arrays. A chunker keeps them between paths: allocating five
 * per path cost more than chunking a short conversation.
 */
export interface WindowArrays {
  capacity: number;
  starts: Int32Array;
  cum: Int32Array;
  ranks: Int8Array;
  synced: Uint8Array;
  splitCum: Int32Array;
}

/** @internal What a chunker's paths share: its tokenizer, budgets, counters and spare windows. */
export interface PathContext {
  readonly tokenizer: BaseTokenizer;
  readonly budget: number;
  readonly overlapBudget: number;
  readonly countRange: (text: string, start: number, end: number) => number;
  readonly toTokens: (base: number) => number;
  readonly totals: { textChars: number; chunks: number };
  /** Window arrays of finished paths, for the next path. */
  readonly spareWindows: WindowArrays[];
  /** Run once before the first path is chunked (primes this thread's chunking code), or null. */
  prime: (() => void) | null;
}

/**
 * @internal A chunker's context, every field set here (one object shape for every chunker, the
 * primer's included).
 */
export function createPathContext(
  tokenizer: BaseTokenizer,
  maxTokens: number,
  overlapTokens: number,
  prime: (() => void) | null,
): PathContext {
  return {
    tokenizer,
    budget: tokenizer.baseBudget(maxTokens),
    overlapBudget: tokenizer.baseBudget(overlapTokens),
    countRange: tokenizer.countRange,
    toTokens: tokenizer.toTokens,
    totals: { textChars: 0, chunks: 0 },
    spareWindows: [],
    prime,
  };
}

// Spare windows a chunker keeps (one per path being chunked at once, which is rarely more than one),
// and the largest capacity worth keeping (a window holds about one chunk's pieces).
const SPARE_WINDOWS = 2;
const SPARE_CAPACITY = 1 << 16;

/** @internal A spare window of `ctx`, else a new one. */
export function takeWindow(ctx: PathContext): WindowArrays {
  return (
    ctx.spareWindows.pop() ?? {
      capacity: 1024,
      starts: new Int32Array(1024),
      cum: new Int32Array(1025),
      ranks: new Int8Array(1024),
      synced: new Uint8Array(1024),
      splitCum: new Int32Array(1025),
    }
  );
}

/** @internal Gives a window back to `ctx` for its next path (unless it has enough, or it grew huge). */
export function returnWindow(ctx: PathContext, window: WindowArrays): void {
  if (ctx.spareWindows.length < SPARE_WINDOWS && window.capacity <= SPARE_CAPACITY) {
    ctx.spareWindows.push(window);
  }
}
