import type { BaseTokenizer } from "./base-tokenizer.js";
import { boundaryRank, isJsWhitespace, RANK_END } from "./boundary-rank.js";
import type { PathContext, WindowArrays } from "./path-context.js";
import type { PathText } from "./path-layout.js";
import type { ChunkSpan, SpanChunk } from "./span-chunk.js";

/** @internal Rank of a boundary not computed yet (`boundaryRank` runs only for cut candidates). */
export const UNKNOWN_RANK = -2;

/**
 * The window: units (pre-tokenization pieces, or grapheme groups of a huge piece) from the start of
 * the current chunk (its overlap included) to the scan position. Boundary i is the start of unit i;
 * boundary n (n = number of units) is `pendingPos`, the start of the unit about to be added. Typed
 * arrays, compacted in place at every cut, so the per-piece path allocates nothing. One object per
 * run, of one shape (made by `createWindow` only), read and written by the functions below and by
 * `windowChunks`. @internal
 */
export interface ChunkWindow {
  readonly text: string;
  readonly layout: PathText;
  readonly messageCount: number;
  readonly tokenizer: BaseTokenizer;
  readonly budget: number;
  readonly overlapBudget: number;
  readonly toTokens: (base: number) => number;
  readonly totals: { textChars: number; chunks: number };
  /** The chunker's arrays, updated when they grow. */
  readonly arrays: WindowArrays;
  capacity: number;
  // starts[i], ranks[i], synced[i]: unit i's start, its boundary rank (computed lazily: only cut
  // candidates need one), 1 if it is one of the tokenizer's own boundaries in the whole text;
  // cum[i]: base tokens of units 0..i-1; splitCum[i]: how many of them are grapheme groups of a
  // split piece. Entries past the window's units are stale from an earlier path.
  starts: Int32Array;
  ranks: Int8Array;
  synced: Uint8Array;
  cum: Int32Array;
  splitCum: Int32Array;
  n: number;
  pendingPos: number;
  pendingRank: number;
  pendingSynced: boolean;
  /** First unit of the current chunk (overlap included). */
  h: number;
  /** First unit of the current chunk's new content. */
  c: number;
  /** The first message the next chunk may hold. */
  firstMessage: number;
  /** Boundaries whose chunk did not fit, while choosing an end. */
  readonly excluded: Set<number>;
  readonly span: ChunkSpan;
  /** Chunks still to emit after `span.syncAfter`. */
  syncLeft: number;
  readonly meet: Set<string> | null;
  /** A resumed run: the units before `span.contentFrom` are the first chunk's overlap. */
  contentPending: boolean;
}

/** @internal A window over `layout` for `span`, with the chunker's `arrays`. */
export function createWindow(
  layout: PathText,
  ctx: PathContext,
  span: ChunkSpan,
  arrays: WindowArrays,
): ChunkWindow {
  arrays.cum[0] = 0;
  arrays.splitCum[0] = 0;
  return {
    text: layout.text,
    layout,
    messageCount: layout.spanStart.length,
    tokenizer: ctx.tokenizer,
    budget: ctx.budget,
    overlapBudget: ctx.overlapBudget,
    toTokens: ctx.toTokens,
    totals: ctx.totals,
    arrays,
    capacity: arrays.capacity,
    starts: arrays.starts,
    ranks: arrays.ranks,
    synced: arrays.synced,
    cum: arrays.cum,
    splitCum: arrays.splitCum,
    n: 0,
    pendingPos: span.from,
    pendingRank: RANK_END,
    pendingSynced: true,
    h: 0,
    c: 0,
    firstMessage: 0,
    excluded: new Set<number>(),
    span,
    syncLeft: span.syncChunks,
    meet: span.meet === undefined ? null : new Set(span.meet),
    contentPending: span.contentFrom !== undefined && span.contentFrom > span.from,
  };
}

/** @internal Whether the span has emitted all it should (a whole path: never before the end). */
export function spanDone(w: ChunkWindow, chunk: SpanChunk): boolean {
  const span = w.span;
  return w.meet !== null
    ? w.meet.has(`${chunk.start}:${chunk.contentStart}`)
    : !span.last && chunk.start >= span.syncAfter && --w.syncLeft <= 0;
}

/** @internal A resumed run's new content starts at the first unit at or after `span.contentFrom`. */
export function reachContent(w: ChunkWindow, at: number): void {
  if (w.contentPending && at >= w.span.contentFrom!) {
    w.contentPending = false;
    w.c = w.n;
  }
}

/** @internal Where boundary `i` lies in the text. */
export function pos(w: ChunkWindow, i: number): number {
  return i < w.n ? w.starts[i]! : w.pendingPos;
}

/** @internal The rank of boundary `i`, computed on first use. */
export function rankAt(w: ChunkWindow, i: number): number {
  let r = i < w.n ? w.ranks[i]! : w.pendingRank;
  if (r === UNKNOWN_RANK) {
    r = boundaryRank(w.text, pos(w, i));
    if (i < w.n) w.ranks[i] = r;
    else w.pendingRank = r;
  }
  return r;
}

/** @internal */
export function setRank(w: ChunkWindow, i: number, rank: number): void {
  if (i < w.n) w.ranks[i] = rank;
  else w.pendingRank = rank;
}

function syncedAt(w: ChunkWindow, i: number): boolean {
  return i < w.n ? w.synced[i] === 1 : w.pendingSynced;
}

// Summed piece counts are exact up to a boundary that the tokenizer's regex could not have placed
// differently in a substring ending there: one of its own boundaries right after a non-space
// (lookaheads like `\s+(?!\S)` and `\s+$` only behave differently at the end after whitespace).
function stableBefore(w: ChunkWindow, i: number): boolean {
  const p = pos(w, i);
  if (p === w.text.length) return true;
  return syncedAt(w, i) && !isJsWhitespace(w.text.charCodeAt(p - 1));
}

/** @internal Exact base-token count of the text between boundaries `si` and `ei`. */
export function exact(w: ChunkWindow, si: number, ei: number): number {
  const s = pos(w, si);
  const e = pos(w, ei);
  if (s === e) return 0;
  const { tokenizer, splitCum, cum, text } = w;
  if (!tokenizer.exactSums || !syncedAt(w, si) || splitCum[ei]! !== splitCum[si]!) {
    return tokenizer.countBase(text.slice(s, e));
  }
  let k = ei;
  while (k > si && !stableBefore(w, k)) k--;
  const sum = cum[k]! - cum[si]!;
  return k === ei ? sum : sum + tokenizer.countBase(text.slice(pos(w, k), e));
}

/** @internal The chunk from boundary `si` (new content from `ci`) to `ei`, of `base` base tokens. */
export function makeChunk(w: ChunkWindow, si: number, ci: number, ei: number, base: number): SpanChunk {
  const s = pos(w, si);
  const e = pos(w, ei);
  const { messageCount, text } = w;
  const { spanStart, spanEnd, times } = w.layout;
  while (
    w.firstMessage < messageCount - 1 &&
    spanEnd[w.firstMessage]! <= s &&
    spanStart[w.firstMessage + 1]! <= s
  ) {
    w.firstMessage++;
  }
  // The messages a chunk holds are consecutive (they lie in text order, and an empty one it
  // skips lies before or after those it holds).
  let messageStart = -1;
  let messageEnd = -1;
  let startAt = Number.NaN;
  let endAt = Number.NaN;
  for (let m = w.firstMessage; m < messageCount && spanStart[m]! <= e; m++) {
    const a = spanStart[m]!;
    const b = spanEnd[m]!;
    const holds = a === b ? a >= s && (a < e || e === text.length) : a < e && b > s;
    if (!holds) continue;
    if (messageStart === -1) messageStart = m;
    else if (m !== messageEnd)
      throw new Error("[threadmill] chunker invariant broken: messages not consecutive.");
    messageEnd = m + 1;
    const t = times[m]!;
    if (!Number.isNaN(t)) {
      if (Number.isNaN(startAt) || t < startAt) startAt = t;
      if (Number.isNaN(endAt) || t > endAt) endAt = t;
    }
  }
  w.totals.chunks++;
  if (messageStart === -1) messageStart = messageEnd = w.firstMessage;
  return {
    start: s,
    contentStart: pos(w, ci),
    end: e,
    tokens: w.toTokens(base),
    messageStart,
    messageEnd,
    startAt,
    endAt,
  };
}

function grown<T extends Int32Array | Int8Array | Uint8Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

/** Doubles the window's arrays (the chunker keeps the bigger ones). */
function grow(w: ChunkWindow): void {
  const capacity = w.capacity * 2;
  w.capacity = capacity;
  w.starts = grown(w.starts, new Int32Array(capacity));
  w.ranks = grown(w.ranks, new Int8Array(capacity));
  w.synced = grown(w.synced, new Uint8Array(capacity));
  w.cum = grown(w.cum, new Int32Array(capacity + 1));
  w.splitCum = grown(w.splitCum, new Int32Array(capacity + 1));
  const arrays = w.arrays;
  arrays.capacity = capacity;
  arrays.starts = w.starts;
  arrays.ranks = w.ranks;
  arrays.synced = w.synced;
  arrays.cum = w.cum;
  arrays.splitCum = w.splitCum;
}

/** @internal Adds a unit at the end of the window. */
export function push(
  w: ChunkWindow,
  start: number,
  count: number,
  rank: number,
  isSynced: boolean,
  isSplit: boolean,
): void {
  if (w.n === w.capacity) grow(w);
  const n = w.n;
  w.starts[n] = start;
  w.ranks[n] = rank;
  w.synced[n] = isSynced ? 1 : 0;
  w.cum[n + 1] = w.cum[n]! + count;
  w.splitCum[n + 1] = w.splitCum[n]! + (isSplit ? 1 : 0);
  w.n = n + 1;
}
