import {
  isGraphemeBoundary,
  RANK_END,
  RANK_INNER,
  RANK_MESSAGE,
  RANK_UNSAFE,
  RANK_WORD,
} from "./boundary-rank.js";
import {
  type ChunkWindow,
  createWindow,
  exact,
  makeChunk,
  pos,
  push,
  rankAt,
  reachContent,
  setRank,
  spanDone,
  UNKNOWN_RANK,
} from "./chunk-window.js";
import { LONG_PIECE, splitPiece } from "./graphemes.js";
import type { PathContext, WindowArrays } from "./path-context.js";
import type { PathText } from "./path-layout.js";
import type { ChunkSpan, SpanChunk } from "./span-chunk.js";

/**
 * @internal The chunks of `layout` for `span` (see `ChunkSpan`): the text is scanned piece by
 * piece into the window, and a chunk is cut whenever the next piece would not fit.
 */
export function* windowChunks(
  layout: PathText,
  ctx: PathContext,
  span: ChunkSpan,
  arrays: WindowArrays,
): Generator<SpanChunk> {
  const { text, spanStart } = layout;
  const messageCount = spanStart.length;
  if (messageCount === 0 || text.length === 0 || span.from >= text.length) return;
  if (span.from === 0) ctx.totals.textChars += text.length;
  const w = createWindow(layout, ctx, span, arrays);
  const { tokenizer, budget, countRange } = ctx;

  const pieceEnd = tokenizer.scanner();
  // The next message whose start may be a message boundary (the scan's first position is not one).
  let nextMessage = 0;
  let at = span.from;
  while (at < text.length) {
    const start = at;
    const end = pieceEnd(text, at);
    // Near the end of a slice, pieces (and their lookaheads) may differ from the whole text's.
    if (!span.last && end > span.scanEnd) return;
    at = end;
    while (nextMessage < messageCount && spanStart[nextMessage]! < start) nextMessage++;
    const rank =
      start === span.from
        ? RANK_INNER
        : nextMessage < messageCount && spanStart[nextMessage] === start
          ? RANK_MESSAGE
          : UNKNOWN_RANK;
    const count = end - start > LONG_PIECE ? budget + 1 : countRange(text, start, end);
    if (count <= budget) {
      reachContent(w, start);
      w.pendingPos = start;
      w.pendingRank = rank;
      w.pendingSynced = true;
      while (mustCut(w, count)) {
        const chunk = cut(w);
        yield chunk;
        if (spanDone(w, chunk)) return;
      }
      push(w, start, count, rank, true, false);
      continue;
    }
    // A piece that cannot fit in one chunk: split it into grapheme groups of a quarter chunk each.
    let groupStart = start;
    let first = true;
    const piece = text.slice(start, end);
    for (const group of splitPiece(piece, Math.max(1, budget >> 2), budget, tokenizer.countBase)) {
      const groupCount = tokenizer.countBase(group);
      reachContent(w, groupStart);
      w.pendingPos = groupStart;
      w.pendingRank = first ? rank : RANK_INNER;
      w.pendingSynced = first;
      while (mustCut(w, groupCount)) {
        const chunk = cut(w);
        yield chunk;
        if (spanDone(w, chunk)) return;
      }
      push(w, groupStart, groupCount, w.pendingRank, first, true);
      groupStart += group.length;
      first = false;
    }
  }

  // The end of the text: emit what is left, cutting again while it does not fit.
  if (!span.last) return;
  reachContent(w, text.length);
  w.pendingPos = text.length;
  w.pendingRank = RANK_END;
  w.pendingSynced = true;
  while (w.c < w.n) {
    const base = exact(w, w.h, w.n);
    if (base <= budget) {
      yield makeChunk(w, w.h, w.c, w.n, base);
      return;
    }
    yield cut(w);
  }
}

/**
 * Picks where the chunk starting at boundary `from` ends: the best-ranked boundary in (c, n] that
 * keeps it at least half full (the latest such), else the latest; only ones whose exact count
 * fits. Grapheme-splitting boundaries are used only when nothing else fits (a single cluster
 * bigger than a chunk). `null` when no boundary fits.
 */
function chooseEnd(w: ChunkWindow, from: number): { end: number; base: number } | null {
  const { excluded, budget, cum } = w;
  excluded.clear();
  const minFill = budget >> 1;
  for (const allowUnsafe of [false, true]) {
    for (;;) {
      let best = -1;
      let bestRank = -2;
      let latest = -1;
      const anyExcluded = excluded.size > 0;
      for (let i = w.n; i > w.c; i--) {
        if (anyExcluded && excluded.has(i)) continue;
        const r = rankAt(w, i);
        if (r < 0 && !allowUnsafe) continue;
        if (latest === -1) latest = i;
        if (cum[i]! - cum[from]! < minFill) break;
        if (r > bestRank) {
          best = i;
          bestRank = r;
        }
      }
      if (best === -1) best = latest;
      if (best === -1) break;
      if (!allowUnsafe && rankAt(w, best) >= 0 && !isGraphemeBoundary(w.text, pos(w, best))) {
        setRank(w, best, RANK_UNSAFE);
        continue;
      }
      const base = exact(w, from, best);
      if (base <= budget) return { end: best, base };
      excluded.add(best);
    }
  }
  return null;
}

/** Picks the overlap start for a chunk whose new content starts at boundary `b`. */
function chooseOverlap(w: ChunkWindow, b: number): number {
  const { overlapBudget, cum, c } = w;
  if (overlapBudget === 0 || b === c) return b;
  let i = b;
  while (i > c && cum[b]! - cum[i - 1]! <= overlapBudget) i--;
  for (const minRank of [RANK_WORD, RANK_INNER]) {
    for (let o = i; o < b; o++) {
      if (o !== c && (rankAt(w, o) < minRank || !isGraphemeBoundary(w.text, pos(w, o)))) continue;
      if (exact(w, o, b) <= overlapBudget) return o;
    }
  }
  return b;
}

/** Moves the chunk start `h` to the next safe boundary of the overlap (or to `c`: no overlap). */
function shrinkOverlap(w: ChunkWindow): void {
  do w.h++;
  while (
    w.h < w.c &&
    (rankAt(w, w.h) < 0 || !isGraphemeBoundary(w.text, pos(w, w.h)) || exact(w, w.h, w.c) > w.overlapBudget)
  );
}

/** Emits the chunk starting at `h` ending at the best boundary, then moves the window on. */
function cut(w: ChunkWindow): SpanChunk {
  let choice = chooseEnd(w, w.h);
  while (choice === null && w.h < w.c) {
    // Even the first new unit does not fit after the overlap: shrink the overlap.
    shrinkOverlap(w);
    choice = chooseEnd(w, w.h);
  }
  if (choice === null) throw new Error("[threadmill] chunker invariant broken: no unit fits in a chunk.");
  const chunk = makeChunk(w, w.h, w.c, choice.end, choice.base);
  const b = choice.end;
  const o = chooseOverlap(w, b);
  // Drop the units before the overlap from the window.
  if (o > 0) {
    const { cum, splitCum, n } = w;
    const base = cum[o]!;
    const splitBase = splitCum[o]!;
    w.starts.copyWithin(0, o, n);
    w.ranks.copyWithin(0, o, n);
    w.synced.copyWithin(0, o, n);
    for (let i = o; i <= n; i++) {
      cum[i - o] = cum[i]! - base;
      splitCum[i - o] = splitCum[i]! - splitBase;
    }
    w.n = n - o;
  }
  w.h = 0;
  w.c = b - o;
  return chunk;
}

/** Whether a chunk must be cut before a unit of `count` base tokens can join the window. */
function mustCut(w: ChunkWindow, count: number): boolean {
  for (;;) {
    if (w.cum[w.n]! - w.cum[w.h]! + count <= w.budget) return false;
    if (w.n !== w.c) return true;
    if (w.h === w.c) return false; // the unit alone is within budget by construction
    shrinkOverlap(w);
  }
}
