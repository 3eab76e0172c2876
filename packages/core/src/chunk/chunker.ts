import type { Conversation, Message } from "../export/conversation.js";
import { contentHash } from "../util/hash.js";
import {
  boundaryRank,
  isGraphemeBoundary,
  isJsWhitespace,
  RANK_END,
  RANK_INNER,
  RANK_MESSAGE,
  RANK_UNSAFE,
  RANK_WORD,
} from "./boundary-rank.js";
import type { Chunk } from "./chunk.js";
import { primerConversations } from "./primer.js";
import { spanStarts } from "./spans.js";
import {
  type BaseTokenizer,
  resolveTokenizer,
  type TokenizerName,
  type TokenizerOption,
} from "./token-counter.js";

/** How messages appear in chunk text. */
export interface ChunkFormat {
  /** Text put before each message's text, e.g. `"User: "`. Counts toward `maxTokens`. */
  label(role: Message["role"]): string;
  /** Text between two messages, e.g. `"\n\n"`. */
  readonly separator: string;
}

export interface ChunkerOptions {
  /** Hard upper bound of every chunk's `tokens` (overlap and labels included); at least 8. @default 512 */
  readonly maxTokens?: number;
  /** Upper bound of the tokens repeated from the previous chunk; below `maxTokens`. @default 64 */
  readonly overlapTokens?: number;
  /**
   * `"o200k_base"`, `"cl100k_base"`, `"claude"` (o200k_base times `CLAUDE_TOKEN_FACTOR`, rounded up)
   * or your own `{ count(text) }` (then every chunk is recounted with it). @default "o200k_base"
   */
  readonly tokenizer?: TokenizerOption;
  /** @default labels `User: ` / `Assistant: `, separator `\n\n` */
  readonly format?: ChunkFormat;
}

/** The messages of one path of a conversation: the active path (`branchId: null`) or one branch. */
export interface ChunkPath {
  readonly conversationId: string;
  readonly branchId: string | null;
  readonly messages: readonly Message[];
}

export interface Chunker {
  /**
   * Chunks the active path (`branchId: null`), then each of `conversation.branches` in order (their
   * `branchId`, indexes restarting at 0). Lazy: each chunk is computed when it is pulled.
   */
  chunk(conversation: Pick<Conversation, "id" | "messages" | "branches">): Iterable<Chunk>;
  /** Chunks one path only (what `chunk` does for each path). Lazy. */
  chunkPath(path: ChunkPath): Iterable<Chunk>;
  /** The formatted text of a path: its messages, each `label + text`, joined by the separator. */
  format(messages: readonly Message[]): string;
  /**
   * Work done so far by this chunker: characters of formatted text chunked, and characters handed
   * to the tokenizer (the pre-tokenization scan of every character included). Their ratio is the
   * tokenization amplification.
   */
  stats(): { readonly textChars: number; readonly tokenizedChars: number; readonly chunks: number };
}

/** The default `format`: `User: ` / `Assistant: ` labels, messages separated by a blank line. */
export const DEFAULT_CHUNK_FORMAT: ChunkFormat = {
  label: (role) => (role === "user" ? "User: " : "Assistant: "),
  separator: "\n\n",
};

// Pieces longer than this are never BPE-encoded whole (gpt-tokenizer's merge is quadratic in the
// piece length): they are split into grapheme groups first.
const LONG_PIECE = 1024;
// Rank of a boundary not computed yet (`boundaryRank` runs only for cut candidates).
const UNKNOWN_RANK = -2;

/**
 * Creates a token-accurate chunker. Chunks are consecutive slices of the formatted conversation,
 * cut at the best natural boundary (message, paragraph, line, sentence, clause, word, then inside a
 * word, never inside a grapheme cluster) that keeps the chunk at least half full, each extended at
 * its start by up to `overlapTokens` of the previous slice's tail, so that
 * `chunks.map((c) => c.text.slice(c.overlap)).join("")` is the formatted text exactly. Every chunk's
 * `tokens` is its exact count and never exceeds `maxTokens`.
 * @example
 * const chunker = createChunker({ maxTokens: 512, overlapTokens: 64 });
 * for (const chunk of chunker.chunk(conversation)) await store(chunk);
 */
export function createChunker(options: ChunkerOptions = {}): Chunker {
  const maxTokens = options.maxTokens ?? 512;
  const overlapTokens = options.overlapTokens ?? 64;
  if (!Number.isInteger(maxTokens) || maxTokens < 8) {
    throw new RangeError(`[threadmill] maxTokens must be an integer >= 8, got ${maxTokens}.`);
  }
  if (!Number.isInteger(overlapTokens) || overlapTokens < 0 || overlapTokens >= maxTokens) {
    throw new RangeError(
      `[threadmill] overlapTokens must be an integer from 0 to maxTokens - 1 (${maxTokens - 1}), got ${overlapTokens}.`,
    );
  }
  const format = options.format ?? DEFAULT_CHUNK_FORMAT;
  if (typeof format.label !== "function" || typeof format.separator !== "string") {
    throw new TypeError("[threadmill] format must be { label(role): string, separator: string }.");
  }
  const tokenizerOption = options.tokenizer ?? "o200k_base";
  const tokenizer = resolveTokenizer(tokenizerOption);
  const budget = tokenizer.baseBudget(maxTokens);
  const overlapBudget = tokenizer.baseBudget(overlapTokens);
  if (budget < 4) {
    throw new RangeError(`[threadmill] maxTokens ${maxTokens} leaves fewer than 4 base tokens per chunk.`);
  }
  const countRange = tokenizer.countRange;

  const formatMessages = (messages: readonly Message[]): string => {
    const parts: string[] = [];
    for (let i = 0; i < messages.length; i++) {
      if (i > 0) parts.push(format.separator);
      const m = messages[i]!;
      parts.push(format.label(m.role), m.text);
    }
    return parts.join("");
  };

  const totals = { textChars: 0, chunks: 0 };
  const ctx: PathContext = {
    tokenizer,
    budget,
    overlapBudget,
    countRange,
    toTokens: tokenizer.toTokens,
    totals,
    spareWindows: [],
    prime: typeof tokenizerOption === "string" ? tokenizerOption : null,
  };
  const chunkPath = (path: ChunkPath): Iterable<Chunk> => ({
    [Symbol.iterator]: () => pathChunks(path, format, ctx),
  });
  internals.set(chunkPath, {
    layout: (messages) => layoutPath(messages, format),
    chunkSpan: (layout, span) => layoutChunks(layout, ctx, span),
  });

  return {
    chunkPath,
    stats: () => ({
      textChars: totals.textChars,
      tokenizedChars: totals.textChars + tokenizer.counted.chars,
      chunks: totals.chunks,
    }),
    format: formatMessages,
    chunk(conversation) {
      return {
        *[Symbol.iterator]() {
          yield* chunkPath({
            conversationId: conversation.id,
            branchId: null,
            messages: conversation.messages,
          });
          for (const branch of conversation.branches ?? []) {
            yield* chunkPath({
              conversationId: conversation.id,
              branchId: branch.id,
              messages: branch.messages,
            });
          }
        },
      };
    },
  };
}

interface PathContext {
  readonly tokenizer: BaseTokenizer;
  readonly budget: number;
  readonly overlapBudget: number;
  readonly countRange: (text: string, start: number, end: number) => number;
  readonly toTokens: (base: number) => number;
  readonly totals: { textChars: number; chunks: number };
  /** Window arrays of finished paths, for the next path. */
  readonly spareWindows: WindowArrays[];
  /** The named tokenizer to prime this thread's chunking code with before the first path, or null. */
  prime: TokenizerName | null;
}

// Named tokenizers this thread has primed its chunking code with.
const primed = new Set<TokenizerName>();

/**
 * Chunks the primer (a few KB of every kind of text, see primer.ts) once per thread and named
 * tokenizer, before the first real path: V8 then optimises the scanner, the boundary ranks and the
 * window code with feedback from every branch, instead of for the first text it meets, to throw the
 * optimised code away (a deopt, then a recompile on a helper thread) at each new kind of character.
 * About 50 ms once, after the tokenizer tables load; 10-15 % faster chunking of the next few MB, and
 * the helper threads a pool's workers share stay free. Never runs user code (default format).
 */
function primeThread(tokenizer: TokenizerName): void {
  if (primed.has(tokenizer)) return;
  // Marked first: the primer's own chunkers must not prime again.
  primed.add(tokenizer);
  try {
    const conversations = primerConversations();
    for (const maxTokens of [64, 512]) {
      const chunker = createChunker({ tokenizer, maxTokens, overlapTokens: maxTokens >> 3 });
      for (const conversation of conversations) for (const _ of chunker.chunk(conversation));
    }
    primeStretches(tokenizer, conversations[0]!.messages);
    primerRuns++;
  } catch (error) {
    // The tables could not load (no synchronous require: see loadTokenizer): the caller's own
    // chunking would fail the same way, so it fails here with that error; the next path primes.
    primed.delete(tokenizer);
    throw error;
  }
}

/**
 * The stretch code too (what a chunker pool runs on each thread for a huge path): the primer's
 * first conversation in stretches of about 1 KB, each started mid-text and stopped a few chunks
 * past the next one's start, then one resumed where it ended until it meets a later stretch's.
 */
function primeStretches(tokenizer: TokenizerName, messages: readonly Message[]): void {
  const spans = chunkerInternals(createChunker({ tokenizer, maxTokens: 64, overlapTokens: 8 }));
  const layout = spans.layout(messages);
  const length = layout.text.length;
  const starts = spanStarts(layout.text, 1024);
  const runs = starts.map((from, j) => {
    const last = j === starts.length - 1;
    const to = last ? length : starts[j + 1]!;
    return [
      ...spans.chunkSpan(layout, {
        from,
        syncAfter: to,
        syncChunks: 2,
        scanEnd: Math.min(length, to + 512),
        last,
      }),
    ];
  });
  const tail = runs[0]?.[runs[0].length - 1];
  if (tail === undefined || runs.length < 2) return;
  const meet = runs[1]!.map((c) => `${c.start}:${c.contentStart}`);
  const resumed = { from: tail.start, contentFrom: tail.contentStart, meet, syncAfter: 0, syncChunks: 0 };
  for (const _ of spans.chunkSpan(layout, { ...resumed, scanEnd: length, last: true }));
}
let primerRuns = 0;
/** @internal How many times this thread chunked the primer (once per named tokenizer). */
export const chunkerPrimerRuns = (): number => primerRuns;

let segmenter: Intl.Segmenter | null | undefined;
// Segments in windows: iterating one Intl.Segmenter over a 100 KB string is quadratic in V8.
function graphemes(text: string): string[] {
  if (segmenter === undefined) {
    segmenter =
      typeof Intl !== "undefined" && "Segmenter" in Intl
        ? new Intl.Segmenter("und", { granularity: "grapheme" })
        : null;
  }
  if (segmenter === null) return Array.from(text);
  const out: string[] = [];
  let at = 0;
  while (at < text.length) {
    const end = Math.min(text.length, at + 512);
    const window = text.slice(at, end);
    let last = "";
    let lastIndex = 0;
    for (const s of segmenter.segment(window)) {
      if (last !== "") out.push(last);
      last = s.segment;
      lastIndex = s.index;
    }
    // The window's last cluster may continue past it, unless the window reached the end.
    if (end === text.length || lastIndex === 0) {
      out.push(last);
      at += lastIndex + last.length;
    } else {
      at += lastIndex;
    }
  }
  return out;
}

/**
 * Splits a piece too big for one chunk into groups of whole grapheme clusters of at most `limit`
 * base tokens each (a cluster alone may have up to `hardLimit`). A single cluster above `hardLimit`
 * is split between code points (a surrogate pair is never split); a single code point above it
 * cannot be chunked at all.
 */
function splitPiece(
  piece: string,
  limit: number,
  hardLimit: number,
  count: (text: string) => number,
): string[] {
  const out: string[] = [];
  const emit = (parts: string[], byCodePoint: boolean): void => {
    const text = parts.join("");
    const n = text.length <= LONG_PIECE || parts.length === 1 ? count(text) : Number.POSITIVE_INFINITY;
    if (n <= limit || (parts.length === 1 && n <= hardLimit)) {
      out.push(text);
      return;
    }
    if (parts.length > 1) {
      const half = parts.length >> 1;
      emit(parts.slice(0, half), byCodePoint);
      emit(parts.slice(half), byCodePoint);
      return;
    }
    if (byCodePoint) {
      throw new RangeError(
        `[threadmill] the single character U+${text.codePointAt(0)!.toString(16)} counts ${n} tokens, more than fit in a chunk; raise maxTokens.`,
      );
    }
    emit(Array.from(text), true);
  };
  const units = graphemes(piece);
  const target = Math.max(1, limit * 2);
  for (let i = 0; i < units.length; i += target) emit(units.slice(i, i + target), false);
  return out;
}

/**
 * A path's formatted text and where each message's `label + text` lies in it, with the message
 * times (epoch ms, NaN for none): all that chunking reads (what the pool sends a worker). @internal
 */
export interface PathText {
  readonly text: string;
  readonly spanStart: Int32Array;
  readonly spanEnd: Int32Array;
  readonly times: Float64Array;
}

/** A `PathText` with its message ids, which chunks name by index. @internal */
export interface PathLayout extends PathText {
  readonly ids: readonly string[];
}

/** A chunk as positions in its path's formatted text, before it gets its index and id. @internal */
export interface SpanChunk {
  /** Start of the chunk (its overlap included). */
  readonly start: number;
  /** Start of its new content (`start + overlap`). */
  readonly contentStart: number;
  readonly end: number;
  readonly tokens: number;
  /** The messages the chunk holds: indexes `messageStart` to `messageEnd - 1` of its layout's. */
  readonly messageStart: number;
  readonly messageEnd: number;
  /** Epoch ms, NaN for none. */
  readonly startAt: number;
  readonly endAt: number;
}

/**
 * Chunks a stretch of a path only, so that stretches of one huge path can be chunked in parallel.
 * Scanning starts at `from`, which must be one of the tokenizer's own piece boundaries in the
 * whole text (the pool uses line starts before a letter or digit: no piece spans `\n` + letter), as
 * if a chunk started there; it stops after `syncChunks` chunks that start at or after `syncAfter`,
 * or, unless `last`, before a piece that ends after `scanEnd` (the text may be a slice of the path
 * there). From the first chunk whose start and content start equal a chunk of the sequential run,
 * every later chunk equals that run's too: what follows a chunk depends on those two positions only.
 * @internal
 */
export interface ChunkSpan {
  readonly from: number;
  /**
   * Resumes a run instead: the first chunk's new content starts here (a chunk of an earlier run had
   * this start and content start, and `from` is a piece boundary); the run's first chunk is that one.
   */
  readonly contentFrom?: number;
  /** Stops after a chunk whose `${start}:${contentStart}` is one of these (else at the end, if `last`). */
  readonly meet?: readonly string[];
  readonly syncAfter: number;
  readonly syncChunks: number;
  readonly scanEnd: number;
  readonly last: boolean;
}

/** @internal What the worker-thread pool needs beyond the public `Chunker`. */
export interface ChunkerInternals {
  layout(messages: readonly Message[]): PathLayout;
  chunkSpan(layout: PathText, span: ChunkSpan): Iterable<SpanChunk>;
}

// Keyed by a chunker's `chunkPath` function, so the public object carries nothing extra.
const internals = new WeakMap<object, ChunkerInternals>();

/** @internal The span-level entry points of a chunker made by `createChunker`. */
export function chunkerInternals(chunker: Chunker): ChunkerInternals {
  const found = internals.get(chunker.chunkPath);
  if (found === undefined) throw new TypeError("[threadmill] not a chunker made by createChunker.");
  return found;
}

/** The formatted text of `messages` and where each message lies in it. */
function layoutPath(messages: readonly Message[], format: ChunkFormat): PathLayout {
  const count = messages.length;
  const parts: string[] = [];
  const spanStart = new Int32Array(count);
  const spanEnd = new Int32Array(count);
  const ids: string[] = new Array(count);
  const times = new Float64Array(count);
  let length = 0;
  for (let i = 0; i < messages.length; i++) {
    if (i > 0) {
      parts.push(format.separator);
      length += format.separator.length;
    }
    const m = messages[i]!;
    const label = format.label(m.role);
    if (typeof label !== "string") throw new TypeError("[threadmill] format.label() must return a string.");
    spanStart[i] = length;
    parts.push(label, m.text);
    length += label.length + m.text.length;
    spanEnd[i] = length;
    ids[i] = m.id;
    times[i] = m.createdAt === null ? Number.NaN : m.createdAt.getTime();
  }
  return { text: parts.join(""), spanStart, spanEnd, ids, times };
}

/**
 * @internal The public chunk for the `index`-th chunk of a path, from its positions in the path's
 * layout; `id` when already computed (by a pool worker), else hashed here.
 */
export function spanChunkToChunk(
  path: Omit<ChunkPath, "messages">,
  index: number,
  layout: PathLayout,
  c: SpanChunk,
  id?: string,
): Chunk {
  const chunkText = layout.text.slice(c.start, c.end);
  return {
    id: id ?? contentHash(path.conversationId, path.branchId, index, chunkText),
    conversationId: path.conversationId,
    branchId: path.branchId,
    index,
    text: chunkText,
    tokens: c.tokens,
    overlap: c.contentStart - c.start,
    messageIds: layout.ids.slice(c.messageStart, c.messageEnd),
    startAt: Number.isNaN(c.startAt) ? null : new Date(c.startAt),
    endAt: Number.isNaN(c.endAt) ? null : new Date(c.endAt),
  };
}

function* pathChunks(path: ChunkPath, format: ChunkFormat, ctx: PathContext): Generator<Chunk> {
  const layout = layoutPath(path.messages, format);
  const span: ChunkSpan = { from: 0, syncAfter: 0, syncChunks: 0, scanEnd: layout.text.length, last: true };
  let index = 0;
  for (const c of layoutChunks(layout, ctx, span)) yield spanChunkToChunk(path, index++, layout, c);
}

/**
 * The chunking window's typed arrays. A chunker keeps them between paths: allocating five per path
 * cost more than chunking a short conversation.
 */
interface WindowArrays {
  capacity: number;
  starts: Int32Array;
  cum: Int32Array;
  ranks: Int8Array;
  synced: Uint8Array;
  splitCum: Int32Array;
}

// Spare windows a chunker keeps (one per path being chunked at once, which is rarely more than one),
// and the largest capacity worth keeping (a window holds about one chunk's pieces).
const SPARE_WINDOWS = 2;
const SPARE_CAPACITY = 1 << 16;

function* layoutChunks(layout: PathText, ctx: PathContext, span: ChunkSpan): Generator<SpanChunk> {
  if (ctx.prime !== null) {
    const tokenizer = ctx.prime;
    ctx.prime = null;
    primeThread(tokenizer);
  }
  const window = ctx.spareWindows.pop() ?? {
    capacity: 1024,
    starts: new Int32Array(1024),
    cum: new Int32Array(1025),
    ranks: new Int8Array(1024),
    synced: new Uint8Array(1024),
    splitCum: new Int32Array(1025),
  };
  try {
    // Copies of one shape each: a path formatted here, one cloned to a worker thread, a stretch's
    // slice and the primer's would otherwise reach the window code as objects of different hidden
    // classes, and V8 would throw its optimised code away (a "wrong map" deopt) at each new one.
    const text: PathText = {
      text: layout.text,
      spanStart: layout.spanStart,
      spanEnd: layout.spanEnd,
      times: layout.times,
    };
    const stretch: ChunkSpan = {
      from: span.from,
      contentFrom: span.contentFrom,
      meet: span.meet,
      syncAfter: span.syncAfter,
      syncChunks: span.syncChunks,
      scanEnd: span.scanEnd,
      last: span.last,
    };
    yield* windowChunks(text, ctx, stretch, window);
  } finally {
    if (ctx.spareWindows.length < SPARE_WINDOWS && window.capacity <= SPARE_CAPACITY) {
      ctx.spareWindows.push(window);
    }
  }
}

function* windowChunks(
  layout: PathText,
  ctx: PathContext,
  span: ChunkSpan,
  window: WindowArrays,
): Generator<SpanChunk> {
  const { tokenizer, budget, overlapBudget, countRange, toTokens } = ctx;
  const { text, spanStart, spanEnd } = layout;
  const messageCount = spanStart.length;
  if (messageCount === 0 || text.length === 0 || span.from >= text.length) return;
  if (span.from === 0) ctx.totals.textChars += text.length;
  let syncLeft = span.syncChunks;
  const meet = span.meet === undefined ? null : new Set(span.meet);
  // Whether the span has emitted all it should (a whole path: never before the end).
  const spanDone = (chunk: SpanChunk): boolean =>
    meet !== null
      ? meet.has(`${chunk.start}:${chunk.contentStart}`)
      : !span.last && chunk.start >= span.syncAfter && --syncLeft <= 0;
  // A resumed run: the units before `contentFrom` are the first chunk's overlap.
  let contentPending = span.contentFrom !== undefined && span.contentFrom > span.from;
  const reachContent = (at: number): void => {
    if (contentPending && at >= span.contentFrom!) {
      contentPending = false;
      c = n;
    }
  };

  // The window: units (pre-tokenization pieces, or grapheme groups of a huge piece) from the start of
  // the current chunk (its overlap included) to the scan position. Boundary i is the start of unit i;
  // boundary n (n = number of units) is `pendingPos`, the start of the unit about to be added.
  // Typed arrays, compacted in place at every cut, so the per-piece path allocates nothing.
  let { capacity, starts, ranks, synced, cum, splitCum } = window;
  // starts[i], ranks[i], synced[i]: unit i's start, its boundary rank (computed lazily: only cut
  // candidates need one), 1 if it is one of the tokenizer's own boundaries in the whole text;
  // cum[i]: base tokens of units 0..i-1; splitCum[i]: how many of them are grapheme groups of a
  // split piece. Entries past the window's units are stale from an earlier path.
  cum[0] = 0;
  splitCum[0] = 0;
  let n = 0;
  let pendingPos = 0;
  let pendingRank: number = RANK_END;
  let pendingSynced = true;
  let h = 0; // first unit of the current chunk (overlap included)
  let c = 0; // first unit of the current chunk's new content

  let firstMessage = 0;
  const excluded = new Set<number>();

  const pos = (i: number): number => (i < n ? starts[i]! : pendingPos);
  const rankAt = (i: number): number => {
    let r = i < n ? ranks[i]! : pendingRank;
    if (r === UNKNOWN_RANK) {
      r = boundaryRank(text, pos(i));
      if (i < n) ranks[i] = r;
      else pendingRank = r;
    }
    return r;
  };
  const syncedAt = (i: number): boolean => (i < n ? synced[i] === 1 : pendingSynced);
  // Summed piece counts are exact up to a boundary that the tokenizer's regex could not have placed
  // differently in a substring ending there: one of its own boundaries right after a non-space
  // (lookaheads like `\s+(?!\S)` and `\s+$` only behave differently at the end after whitespace).
  const stableBefore = (i: number): boolean => {
    const p = pos(i);
    if (p === text.length) return true;
    return syncedAt(i) && !isJsWhitespace(text.charCodeAt(p - 1));
  };

  /** Exact base-token count of the text between boundaries `si` and `ei`. */
  const exact = (si: number, ei: number): number => {
    const s = pos(si);
    const e = pos(ei);
    if (s === e) return 0;
    if (!tokenizer.exactSums || !syncedAt(si) || splitCum[ei]! !== splitCum[si]!) {
      return tokenizer.countBase(text.slice(s, e));
    }
    let k = ei;
    while (k > si && !stableBefore(k)) k--;
    const sum = cum[k]! - cum[si]!;
    return k === ei ? sum : sum + tokenizer.countBase(text.slice(pos(k), e));
  };

  const makeChunk = (si: number, ci: number, ei: number, base: number): SpanChunk => {
    const s = pos(si);
    const e = pos(ei);
    while (
      firstMessage < messageCount - 1 &&
      spanEnd[firstMessage]! <= s &&
      spanStart[firstMessage + 1]! <= s
    ) {
      firstMessage++;
    }
    // The messages a chunk holds are consecutive (they lie in text order, and an empty one it
    // skips lies before or after those it holds).
    let messageStart = -1;
    let messageEnd = -1;
    let startAt = Number.NaN;
    let endAt = Number.NaN;
    for (let m = firstMessage; m < messageCount && spanStart[m]! <= e; m++) {
      const a = spanStart[m]!;
      const b = spanEnd[m]!;
      const holds = a === b ? a >= s && (a < e || e === text.length) : a < e && b > s;
      if (!holds) continue;
      if (messageStart === -1) messageStart = m;
      else if (m !== messageEnd)
        throw new Error("[threadmill] chunker invariant broken: messages not consecutive.");
      messageEnd = m + 1;
      const t = layout.times[m]!;
      if (!Number.isNaN(t)) {
        if (Number.isNaN(startAt) || t < startAt) startAt = t;
        if (Number.isNaN(endAt) || t > endAt) endAt = t;
      }
    }
    ctx.totals.chunks++;
    if (messageStart === -1) messageStart = messageEnd = firstMessage;
    return {
      start: s,
      contentStart: pos(ci),
      end: e,
      tokens: toTokens(base),
      messageStart,
      messageEnd,
      startAt,
      endAt,
    };
  };

  const setRank = (i: number, rank: number): void => {
    if (i < n) ranks[i] = rank;
    else pendingRank = rank;
  };

  /**
   * Picks where the chunk starting at boundary `from` ends: the best-ranked boundary in (c, n] that
   * keeps it at least half full (the latest such), else the latest; only ones whose exact count
   * fits. Grapheme-splitting boundaries are used only when nothing else fits (a single cluster
   * bigger than a chunk). `null` when no boundary fits.
   */
  const chooseEnd = (from: number): { end: number; base: number } | null => {
    excluded.clear();
    const minFill = budget >> 1;
    for (const allowUnsafe of [false, true]) {
      for (;;) {
        let best = -1;
        let bestRank = -2;
        let latest = -1;
        const anyExcluded = excluded.size > 0;
        for (let i = n; i > c; i--) {
          if (anyExcluded && excluded.has(i)) continue;
          const r = rankAt(i);
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
        if (!allowUnsafe && rankAt(best) >= 0 && !isGraphemeBoundary(text, pos(best))) {
          setRank(best, RANK_UNSAFE);
          continue;
        }
        const base = exact(from, best);
        if (base <= budget) return { end: best, base };
        excluded.add(best);
      }
    }
    return null;
  };

  /** Picks the overlap start for a chunk whose new content starts at boundary `b`. */
  const chooseOverlap = (b: number): number => {
    if (overlapBudget === 0 || b === c) return b;
    let i = b;
    while (i > c && cum[b]! - cum[i - 1]! <= overlapBudget) i--;
    for (const minRank of [RANK_WORD, RANK_INNER]) {
      for (let o = i; o < b; o++) {
        if (o !== c && (rankAt(o) < minRank || !isGraphemeBoundary(text, pos(o)))) continue;
        if (exact(o, b) <= overlapBudget) return o;
      }
    }
    return b;
  };

  /** Moves the chunk start `h` to the next safe boundary of the overlap (or to `c`: no overlap). */
  const shrinkOverlap = (): void => {
    do h++;
    while (h < c && (rankAt(h) < 0 || !isGraphemeBoundary(text, pos(h)) || exact(h, c) > overlapBudget));
  };

  /** Emits the chunk starting at `h` ending at the best boundary, then moves the window on. */
  const cut = (): SpanChunk => {
    let choice = chooseEnd(h);
    while (choice === null && h < c) {
      // Even the first new unit does not fit after the overlap: shrink the overlap.
      shrinkOverlap();
      choice = chooseEnd(h);
    }
    if (choice === null) throw new Error("[threadmill] chunker invariant broken: no unit fits in a chunk.");
    const chunk = makeChunk(h, c, choice.end, choice.base);
    const b = choice.end;
    const o = chooseOverlap(b);
    // Drop the units before the overlap from the window.
    if (o > 0) {
      const base = cum[o]!;
      const splitBase = splitCum[o]!;
      starts.copyWithin(0, o, n);
      ranks.copyWithin(0, o, n);
      synced.copyWithin(0, o, n);
      for (let i = o; i <= n; i++) {
        cum[i - o] = cum[i]! - base;
        splitCum[i - o] = splitCum[i]! - splitBase;
      }
      n -= o;
    }
    h = 0;
    c = b - o;
    return chunk;
  };

  const grow = (): void => {
    capacity *= 2;
    const grown = <T extends Int32Array | Int8Array | Uint8Array>(
      from: T,
      make: (size: number) => T,
      size: number,
    ): T => {
      const to = make(size);
      to.set(from);
      return to;
    };
    starts = grown(starts, (k) => new Int32Array(k), capacity);
    ranks = grown(ranks, (k) => new Int8Array(k), capacity);
    synced = grown(synced, (k) => new Uint8Array(k), capacity);
    cum = grown(cum, (k) => new Int32Array(k), capacity + 1);
    splitCum = grown(splitCum, (k) => new Int32Array(k), capacity + 1);
    Object.assign(window, { capacity, starts, ranks, synced, cum, splitCum });
  };

  const push = (start: number, count: number, rank: number, isSynced: boolean, isSplit: boolean): void => {
    if (n === capacity) grow();
    starts[n] = start;
    ranks[n] = rank;
    synced[n] = isSynced ? 1 : 0;
    cum[n + 1] = cum[n]! + count;
    splitCum[n + 1] = splitCum[n]! + (isSplit ? 1 : 0);
    n++;
  };

  /** Whether a chunk must be cut before a unit of `count` base tokens can join the window. */
  const mustCut = (count: number): boolean => {
    for (;;) {
      if (cum[n]! - cum[h]! + count <= budget) return false;
      if (n !== c) return true;
      if (h === c) return false; // the unit alone is within budget by construction
      shrinkOverlap();
    }
  };

  const pieceEnd = tokenizer.scanner();
  // The next message whose start may be a message boundary (the scan's first position is not one).
  let nextMessage = 0;
  let at = span.from;
  pendingPos = at;
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
      reachContent(start);
      pendingPos = start;
      pendingRank = rank;
      pendingSynced = true;
      while (mustCut(count)) {
        const chunk = cut();
        yield chunk;
        if (spanDone(chunk)) return;
      }
      push(start, count, rank, true, false);
      continue;
    }
    // A piece that cannot fit in one chunk: split it into grapheme groups of a quarter chunk each.
    let groupStart = start;
    let first = true;
    const piece = text.slice(start, end);
    for (const group of splitPiece(piece, Math.max(1, budget >> 2), budget, tokenizer.countBase)) {
      const groupCount = tokenizer.countBase(group);
      reachContent(groupStart);
      pendingPos = groupStart;
      pendingRank = first ? rank : RANK_INNER;
      pendingSynced = first;
      while (mustCut(groupCount)) {
        const chunk = cut();
        yield chunk;
        if (spanDone(chunk)) return;
      }
      push(groupStart, groupCount, pendingRank, first, true);
      groupStart += group.length;
      first = false;
    }
  }

  // The end of the text: emit what is left, cutting again while it does not fit.
  if (!span.last) return;
  reachContent(text.length);
  pendingPos = text.length;
  pendingRank = RANK_END;
  pendingSynced = true;
  while (c < n) {
    const base = exact(h, n);
    if (base <= budget) {
      yield makeChunk(h, c, n, base);
      return;
    }
    yield cut();
  }
}
