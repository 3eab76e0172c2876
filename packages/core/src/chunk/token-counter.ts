import { O200K_TOKEN_SPLIT_REGEX } from "gpt-tokenizer/encodingParams/constants";
import { type PieceScanner, pieceScanner, regexPieceScanner } from "./piece-scanner.js";

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

/**
 * Counts tokens of a text the way the chunker does: special-token strings such as `<|endoftext|>`
 * are plain text (never an error), lone surrogates count as U+FFFD.
 */
export interface TokenCounter {
  /** Exact count of `text` under this tokenizer (for `"claude"`: the documented estimate). */
  count(text: string): number;
}

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

type BpeName = "o200k_base" | "cl100k_base";
/** The BPE tables a named tokenizer counts with (`"claude"` counts with o200k_base's). */
const bpeName = (tokenizer: TokenizerName): BpeName =>
  tokenizer === "cl100k_base" ? "cl100k_base" : "o200k_base";
type RankTable = ReadonlyArray<string | readonly number[]>;

const utf8 = new TextEncoder();

// Pieces up to this many UTF-16 code units are memoised (longer ones are rare, and counted afresh).
const MEMO_MAX_LENGTH = 48;
// The memo is emptied when it holds this many pieces or this many code units of them.
const MEMO_MAX_ENTRIES = 1 << 18;
const MEMO_MAX_CHARS = 1 << 22;

/** FNV-1a over the code units `text[start, end)`. */
function hashChars(text: string, start: number, end: number): number {
  let h = 0x811c9dc5 | 0;
  for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h;
}

/** Whether `chars[at, at + length)` holds the code units `text[start, start + length)`. */
function sameChars(chars: Uint16Array, at: number, text: string, start: number, length: number): boolean {
  let i = 0;
  while (i < length && chars[at + i] === text.charCodeAt(start + i)) i++;
  return i === length;
}

/**
 * Counts of short pieces by their text, in typed arrays (an open-addressing table over a UTF-16
 * arena): looked up straight from a range of the text being chunked, so a known piece costs one
 * hash and one compare and no allocation (a `Map<string, number>` needs the piece as a string).
 * About 12 bytes per slot plus 2 per code unit: a few MB for a large, varied text. @internal
 */
export class PieceMemo {
  constructor(
    private readonly maxEntries = MEMO_MAX_ENTRIES,
    private readonly maxChars = MEMO_MAX_CHARS,
  ) {}

  private mask = (1 << 12) - 1;
  private hashes = new Int32Array(1 << 12);
  // Arena offset + 1 of each slot's piece (0: empty slot).
  private offsets = new Int32Array(1 << 12);
  // Length | count << 8 of each slot's piece.
  private meta = new Int32Array(1 << 12);
  private chars = new Uint16Array(1 << 14);
  private used = 0;
  private size = 0;

  /** The memoised count of `text[start, end)` (at most MEMO_MAX_LENGTH long), or -1. */
  get(text: string, start: number, end: number): number {
    const length = end - start;
    const h = hashChars(text, start, end);
    const mask = this.mask;
    const chars = this.chars;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const offset = this.offsets[slot]!;
      if (offset === 0) return -1;
      const meta = this.meta[slot]!;
      if (this.hashes[slot] !== h || (meta & 0xff) !== length) continue;
      if (sameChars(chars, offset - 1, text, start, length)) return meta >>> 8;
    }
  }

  /** Remembers the count of `text[start, end)`, a piece `get` did not find. */
  set(text: string, start: number, end: number, count: number): void {
    const length = end - start;
    if (this.size >= this.maxEntries || this.used + length > this.maxChars) this.clear();
    if ((this.size + 1) * 2 > this.mask + 1) this.rehash((this.mask + 1) * 2);
    if (this.used + length > this.chars.length) {
      const grown = new Uint16Array(
        Math.max(this.used + length, Math.min(this.maxChars, this.chars.length * 2)),
      );
      grown.set(this.chars);
      this.chars = grown;
    }
    const offset = this.used;
    for (let i = 0; i < length; i++) this.chars[offset + i] = text.charCodeAt(start + i);
    this.used += length;
    this.size++;
    this.insert(hashChars(text, start, end), offset + 1, length | (count << 8));
  }

  private insert(h: number, offset: number, meta: number): void {
    let slot = h & this.mask;
    while (this.offsets[slot] !== 0) slot = (slot + 1) & this.mask;
    this.hashes[slot] = h;
    this.offsets[slot] = offset;
    this.meta[slot] = meta;
  }

  private rehash(capacity: number): void {
    const { hashes, offsets, meta } = this;
    this.mask = capacity - 1;
    this.hashes = new Int32Array(capacity);
    this.offsets = new Int32Array(capacity);
    this.meta = new Int32Array(capacity);
    for (let slot = 0; slot < offsets.length; slot++) {
      if (offsets[slot] !== 0) this.insert(hashes[slot]!, offsets[slot]!, meta[slot]!);
    }
  }

  private clear(): void {
    this.offsets.fill(0);
    this.used = 0;
    this.size = 0;
  }
}

// Shared memo layout: a header of Int32s, then the slots (hash, arena offset + 1 or CLAIMED or 0,
// length | count << 8: one slot's fields side by side), then the arena of code units.
const SHARED_USED = 0;
const SHARED_SIZE = 1;
const SHARED_HEADER = 4;
const SHARED_SLOTS = 1 << 19;
const SHARED_CHARS = 1 << 22;
const SHARED_BYTES = (SHARED_HEADER + SHARED_SLOTS * 3) * 4 + SHARED_CHARS * 2;
// A slot taken by a thread that has not finished writing it.
const CLAIMED = -1;

/**
 * Counts of short pieces in shared memory, for the threads of a chunker pool: what one thread counts,
 * the others find, so a vocabulary is counted once per pool, not once per thread. Insert-only (it
 * stops taking pieces when half its slots or its arena are used; each thread's own `PieceMemo`
 * goes on) and lock-free: a thread reserves arena space with `Atomics.add`, writes the piece, claims
 * an empty slot with `Atomics.compareExchange`, fills it, then publishes it with `Atomics.store`;
 * readers load a slot's offset with `Atomics.load` before reading its fields, so they see a slot
 * whole or not at all. About 14 MB of address space, of which only the pages used are touched.
 * @internal
 */
export class SharedPieceMemo {
  /** Memory for a new shared memo, to hand to every thread. */
  static allocate(): SharedArrayBuffer {
    return new SharedArrayBuffer(SHARED_BYTES);
  }

  private readonly header: Int32Array;
  private readonly slots: Int32Array;
  private readonly chars: Uint16Array;
  private readonly mask = SHARED_SLOTS - 1;

  constructor(buffer: SharedArrayBuffer) {
    if (!(buffer instanceof SharedArrayBuffer) || buffer.byteLength !== SHARED_BYTES) {
      throw new TypeError(
        "[threadmill] a shared piece memo needs the buffer SharedPieceMemo.allocate() makes.",
      );
    }
    this.header = new Int32Array(buffer, 0, SHARED_HEADER);
    this.slots = new Int32Array(buffer, SHARED_HEADER * 4, SHARED_SLOTS * 3);
    this.chars = new Uint16Array(buffer, (SHARED_HEADER + SHARED_SLOTS * 3) * 4, SHARED_CHARS);
  }

  /** Pieces stored so far, by every thread. */
  get size(): number {
    return Atomics.load(this.header, SHARED_SIZE);
  }

  /** The count of `text[start, end)` (at most MEMO_MAX_LENGTH long) any thread stored, or -1. */
  get(text: string, start: number, end: number): number {
    const length = end - start;
    const h = hashChars(text, start, end);
    const { slots, chars, mask } = this;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const k = slot * 3;
      const offset = Atomics.load(slots, k + 1);
      if (offset === 0) return -1;
      if (offset === CLAIMED) continue;
      const meta = slots[k + 2]!;
      if (slots[k] !== h || (meta & 0xff) !== length) continue;
      if (sameChars(chars, offset - 1, text, start, length)) return meta >>> 8;
    }
  }

  /** Stores the count of `text[start, end)` for every thread; nothing once the memo is full. */
  set(text: string, start: number, end: number, count: number): void {
    const length = end - start;
    const { header, slots, chars, mask } = this;
    // Full: stop here, before reserving (a full arena's counter would otherwise keep growing).
    if (
      Atomics.load(header, SHARED_SIZE) * 2 >= SHARED_SLOTS ||
      Atomics.load(header, SHARED_USED) + length > SHARED_CHARS
    ) {
      return;
    }
    const at = Atomics.add(header, SHARED_USED, length);
    if (at + length > SHARED_CHARS) return;
    for (let i = 0; i < length; i++) chars[at + i] = text.charCodeAt(start + i);
    Atomics.add(header, SHARED_SIZE, 1);
    const h = hashChars(text, start, end);
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const k = slot * 3;
      if (Atomics.compareExchange(slots, k + 1, 0, CLAIMED) !== 0) continue;
      slots[k] = h;
      slots[k + 2] = length | (count << 8);
      Atomics.store(slots, k + 1, at + 1);
      return;
    }
  }
}

// Rank of a byte sequence that is no token ("none"), above every real rank.
const NO_RANK = 0x7fffffff;

/** FNV-1a over `bytes[from, to)`. */
function hashBytes(bytes: Uint8Array, from: number, to: number): number {
  let h = 0x811c9dc5 | 0;
  for (let i = from; i < to; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h;
}

/**
 * An encoding's ranks by the token's bytes: an open-addressing table over one byte arena, looked up
 * from a range of a byte buffer (no key string per lookup), each slot's fields side by side (one
 * cache line per probe), and a direct table for two-byte tokens, the first lookups of every merge.
 * About 10 MB for o200k_base's 200k tokens, a third of a `Map` of binary strings. Built from
 * gpt-tokenizer's table, or a view of the copy a chunker pool's threads share (`SharedRanks`).
 */
class ByteRanks {
  private readonly mask: number;

  private constructor(
    // Per slot: hash, arena offset + 1 of the token (0: empty slot), its length, its rank.
    private readonly slots: Int32Array,
    // Rank of each two-byte token by `first << 8 | second`, NO_RANK for none.
    private readonly pairs: Int32Array,
    private readonly arena: Uint8Array,
  ) {
    this.mask = slots.length / 4 - 1;
  }

  /** Slots for a table of `tokens` entries: a power of two, at least twice as many. */
  static capacity(tokens: number): number {
    let capacity = 1024;
    while (capacity < tokens * 2) capacity *= 2;
    return capacity;
  }

  static build(table: RankTable): ByteRanks {
    const capacity = ByteRanks.capacity(table.length);
    const mask = capacity - 1;
    const slots = new Int32Array(capacity * 4);
    const pairs = new Int32Array(1 << 16).fill(NO_RANK);
    let arena = new Uint8Array(table.length * 8);
    let used = 0;
    const reserve = (bytes: number): void => {
      if (used + bytes <= arena.length) return;
      const grown = new Uint8Array(Math.max(arena.length * 2, used + bytes));
      grown.set(arena);
      arena = grown;
    };
    for (let rank = 0; rank < table.length; rank++) {
      const value = table[rank];
      if (value === undefined) continue;
      const at = used;
      if (typeof value === "string") {
        reserve(value.length * 3);
        used += utf8.encodeInto(value, arena.subarray(at)).written;
      } else {
        reserve(value.length);
        for (let i = 0; i < value.length; i++) arena[at + i] = value[i]!;
        used += value.length;
      }
      const length = used - at;
      if (length === 2) pairs[(arena[at]! << 8) | arena[at + 1]!] = rank;
      const h = hashBytes(arena, at, used);
      let slot = h & mask;
      while (slots[slot * 4 + 1] !== 0) slot = (slot + 1) & mask;
      slots[slot * 4] = h;
      slots[slot * 4 + 1] = at + 1;
      slots[slot * 4 + 2] = length;
      slots[slot * 4 + 3] = rank;
    }
    return new ByteRanks(slots, pairs, arena.subarray(0, used));
  }

  /** These ranks copied into `shared`, or null if they do not fit (a bigger table than planned for). */
  copyTo(shared: SharedRanks): ByteRanks | null {
    const views = shared.views(this.slots.length / 4, this.arena.length);
    if (views === null) return null;
    views.slots.set(this.slots);
    views.pairs.set(this.pairs);
    views.arena.set(this.arena);
    return new ByteRanks(views.slots, views.pairs, views.arena);
  }

  /** The ranks a thread copied into `shared`. */
  static view(shared: SharedRanks): ByteRanks {
    const views = shared.published();
    return new ByteRanks(views.slots, views.pairs, views.arena);
  }

  /** The rank of the token `bytes[from, to)`, or NO_RANK. */
  get(bytes: Uint8Array, from: number, to: number): number {
    const length = to - from;
    if (length === 2) return this.pairs[(bytes[from]! << 8) | bytes[from + 1]!]!;
    const h = hashBytes(bytes, from, to);
    const { slots, arena, mask } = this;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const k = slot * 4;
      const offset = slots[k + 1]!;
      if (offset === 0) return NO_RANK;
      if (slots[k] !== h || slots[k + 2] !== length) continue;
      const at = offset - 1 - from;
      let i = from;
      while (i < to && arena[at + i] === bytes[i]) i++;
      if (i === to) return slots[k + 3]!;
    }
  }
}

// Shared rank table layout: a header of Int32s (state, arena bytes), then the slots, the two-byte
// table, and the arena.
const RANKS_STATE = 0;
const RANKS_ARENA = 1;
const RANKS_HEADER = 4;
const RANKS_PAIRS = 1 << 16;
// States: nobody has claimed the table yet; a thread is building it; it is ready; building failed
// (or it did not fit), so every thread builds its own.
const RANKS_EMPTY = 0;
const RANKS_BUILDING = 1;
const RANKS_READY = 2;
const RANKS_FAILED = 3;
// Room planned for each encoding: its slots (ByteRanks.capacity of its token count) and its arena
// (the UTF-8 bytes of all its tokens: 1.40 MB for o200k_base, 0.64 MB for cl100k_base).
const RANKS_ROOM: Record<BpeName, { capacity: number; arena: number }> = {
  o200k_base: { capacity: 1 << 19, arena: 3 << 19 },
  cl100k_base: { capacity: 1 << 18, arena: 3 << 18 },
};
const ranksBytes = (room: { capacity: number; arena: number }): number =>
  (RANKS_HEADER + room.capacity * 4 + RANKS_PAIRS) * 4 + room.arena;
// How long a thread waits for another to build the table before building its own (a thread that
// was stopped mid-build never publishes it).
const RANKS_WAIT_MS = 10_000;

/**
 * One encoding's rank table in shared memory, for the threads of a chunker pool: the first thread
 * to count builds it from gpt-tokenizer's table and publishes it; the others wait for it instead of
 * loading that table themselves (about 45 MB of RSS and 100-150 ms each). If the build fails, or
 * the table does not fit, each thread builds its own as it would alone. About 12 MB (o200k_base)
 * of address space. @internal
 */
export class SharedRanks {
  /** Memory for `tokenizer`'s shared rank table, to hand to every thread. */
  static allocate(tokenizer: TokenizerName): SharedArrayBuffer {
    return new SharedArrayBuffer(ranksBytes(RANKS_ROOM[bpeName(tokenizer)]));
  }

  private readonly header: Int32Array;
  private readonly room: { capacity: number; arena: number };

  constructor(
    tokenizer: BpeName,
    private readonly buffer: SharedArrayBuffer,
    private readonly waitMs = RANKS_WAIT_MS,
  ) {
    this.room = RANKS_ROOM[tokenizer];
    if (!(buffer instanceof SharedArrayBuffer) || buffer.byteLength !== ranksBytes(this.room)) {
      throw new TypeError(
        `[threadmill] a shared ${tokenizer} rank table needs the buffer SharedRanks.allocate("${tokenizer}") makes.`,
      );
    }
    this.header = new Int32Array(buffer, 0, RANKS_HEADER);
  }

  /** Where a table of `capacity` slots and `arena` bytes goes, or null if it does not fit. */
  views(capacity: number, arena: number): { slots: Int32Array; pairs: Int32Array; arena: Uint8Array } | null {
    if (capacity !== this.room.capacity || arena > this.room.arena) return null;
    Atomics.store(this.header, RANKS_ARENA, arena);
    return this.published();
  }

  /** The table's parts in the buffer (its slots are always the planned ones). */
  published(): { slots: Int32Array; pairs: Int32Array; arena: Uint8Array } {
    const slotsAt = RANKS_HEADER * 4;
    const pairsAt = slotsAt + this.room.capacity * 16;
    const arenaAt = pairsAt + RANKS_PAIRS * 4;
    return {
      slots: new Int32Array(this.buffer, slotsAt, this.room.capacity * 4),
      pairs: new Int32Array(this.buffer, pairsAt, RANKS_PAIRS),
      arena: new Uint8Array(this.buffer, arenaAt, Atomics.load(this.header, RANKS_ARENA)),
    };
  }

  /**
   * This thread's ranks: the shared table when another thread built it (waiting while it builds),
   * else built here from `load()`'s table and published for the others.
   * @throws what `load` throws (the others then build their own, and meet the same error).
   */
  ranks(load: () => RankTable): ByteRanks {
    const header = this.header;
    const deadline = Date.now() + this.waitMs;
    for (;;) {
      const state = Atomics.compareExchange(header, RANKS_STATE, RANKS_EMPTY, RANKS_BUILDING);
      if (state === RANKS_READY) return ByteRanks.view(this);
      if (state === RANKS_FAILED) return ByteRanks.build(load());
      if (state === RANKS_EMPTY) {
        let shared: ByteRanks | null = null;
        try {
          const own = ByteRanks.build(load());
          shared = own.copyTo(this);
          return shared ?? own;
        } finally {
          Atomics.store(header, RANKS_STATE, shared === null ? RANKS_FAILED : RANKS_READY);
          Atomics.notify(header, RANKS_STATE);
        }
      }
      const left = deadline - Date.now();
      if (left <= 0) return ByteRanks.build(load());
      Atomics.wait(header, RANKS_STATE, RANKS_BUILDING, left);
    }
  }
}

/**
 * Token counting for one BPE encoding, written for counting only: ranks are looked up by a range of
 * the piece's UTF-8 bytes, and counts of short pieces are memoised by their text. Same results as
 * gpt-tokenizer's `countTokens` with no special tokens allowed (tested on random Unicode text);
 * about 2 µs for a piece it has not seen.
 */
class BpeCounter {
  private readonly memo = new PieceMemo();
  // Scratch buffers, reused: the piece's UTF-8 bytes, part starts and adjacent pairs' ranks.
  private bytes = new Uint8Array(256);
  private starts = new Int32Array(256);
  private pairRanks = new Int32Array(256);

  constructor(private readonly ranks: ByteRanks) {}

  /** Pieces counted on other threads too (a chunker pool's workers), or null. */
  shared: SharedPieceMemo | null = null;

  /** Tokens of the pre-tokenization piece `text[start, end)`; slices it only the first time. */
  range(text: string, start: number, end: number): number {
    const length = end - start;
    if (length === 1 && text.charCodeAt(start) < 0x80) return 1;
    if (length > MEMO_MAX_LENGTH) return this.uncached(text, start, end);
    const known = this.memo.get(text, start, end);
    if (known !== -1) return known;
    const shared = this.shared;
    let n = shared === null ? -1 : shared.get(text, start, end);
    if (n === -1) {
      n = this.uncached(text, start, end);
      shared?.set(text, start, end, n);
    }
    this.memo.set(text, start, end, n);
    return n;
  }

  private uncached(text: string, start: number, end: number): number {
    // Lone surrogates become U+FFFD (EF BF BD), as in gpt-tokenizer.
    if (this.bytes.length < (end - start) * 3) this.bytes = new Uint8Array((end - start) * 3);
    const bytes = this.bytes;
    let length = 0;
    for (let i = start; i < end; i++) {
      const code = text.charCodeAt(i);
      if (code >= 0x80) {
        length = utf8.encodeInto(text.slice(start, end), bytes).written;
        break;
      }
      bytes[length++] = code;
    }
    return this.ranks.get(bytes, 0, length) !== NO_RANK ? 1 : this.merge(length);
  }

  // tiktoken's byte-pair merge over `this.bytes[0, length)`: repeatedly merge the adjacent pair with
  // the lowest rank (leftmost on ties) until no pair is a token; the count is the parts left.
  private merge(length: number): number {
    if (this.starts.length < length + 1) {
      this.starts = new Int32Array(length + 1);
      this.pairRanks = new Int32Array(length + 1);
    }
    const { bytes, starts, pairRanks, ranks } = this;
    let parts = length;
    for (let i = 0; i <= length; i++) {
      starts[i] = i;
      pairRanks[i] = i + 2 <= length ? ranks.get(bytes, i, i + 2) : NO_RANK;
    }
    while (parts > 1) {
      let lowest = NO_RANK;
      let at = -1;
      for (let i = 0; i < parts - 1; i++) {
        if (pairRanks[i]! < lowest) {
          lowest = pairRanks[i]!;
          at = i;
        }
      }
      if (at === -1) break;
      // Part at+1 merges into part at: drop its start and the pair rank of part at (plain loops:
      // pieces are short, and copyWithin's call costs more than the copy).
      for (let i = at + 1; i < parts; i++) starts[i] = starts[i + 1]!;
      for (let i = at; i < parts - 1; i++) pairRanks[i] = pairRanks[i + 1]!;
      parts--;
      pairRanks[at] = at + 2 <= parts ? ranks.get(bytes, starts[at]!, starts[at + 2]!) : NO_RANK;
      if (at > 0) pairRanks[at - 1] = ranks.get(bytes, starts[at - 1]!, starts[at + 1]!);
    }
    return parts;
  }
}

const counters = new Map<BpeName, BpeCounter>();
// Rank tables loaded by `loadTokenizer` ahead of the first count.
const preloaded = new Map<BpeName, RankTable>();

// gpt-tokenizer's rank modules, by name: the ESM build's default export is the table; its CJS build
// sets `exports.default` without `__esModule`, so a bundler's interop may wrap it once more.
function rankTable(mod: unknown, name: BpeName): RankTable {
  let value = mod;
  for (let i = 0; i < 3 && !Array.isArray(value); i++) {
    value =
      typeof value === "object" && value !== null ? (value as { default?: unknown }).default : undefined;
  }
  if (!Array.isArray(value) || value.length < 50_000) {
    throw new Error(`[threadmill] gpt-tokenizer's ${name} table did not load; reinstall gpt-tokenizer.`);
  }
  return value as RankTable;
}

// A synchronous `require` where the runtime has one: Node's (Node >= 20.16, Bun and Deno have
// `process.getBuiltinModule`; no static import of a Node built-in here, so the root entry stays
// portable), else the CJS build's own. `null` elsewhere (browsers, edge runtimes, the ESM build on
// older Node): there `loadTokenizer` comes first.
function syncRequire(): ((id: string) => unknown) | null {
  const getBuiltinModule = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } })
    .process?.getBuiltinModule;
  const nodeModule =
    typeof getBuiltinModule === "function"
      ? (getBuiltinModule("module") as { createRequire?: (from: string) => (id: string) => unknown })
      : undefined;
  if (typeof nodeModule?.createRequire === "function") return nodeModule.createRequire(import.meta.url);
  // In the ESM build a bundler's `require` shim stands here; it throws, and the caller reports that.
  return typeof require === "function" ? require : null;
}

// Rank tables this thread has loaded from gpt-tokenizer (a pool's threads share one: tests check it).
let tablesLoaded = 0;
/** @internal */
export const rankTablesLoaded = (): number => tablesLoaded;

function loadTableSync(name: BpeName): RankTable {
  tablesLoaded++;
  const table = preloaded.get(name);
  if (table !== undefined) return table;
  let mod: unknown;
  try {
    const load = syncRequire();
    if (load === null) throw new Error("no synchronous require");
    mod = load(`gpt-tokenizer/bpeRanks/${name}`);
  } catch (cause) {
    throw new Error(
      `[threadmill] this runtime cannot load the ${name} tables synchronously; call \`await loadTokenizer("${name}")\` before counting or chunking.`,
      { cause },
    );
  }
  return rankTable(mod, name);
}

// The rank tables (~2.4 MB of JS for o200k_base) load and the rank map (~100 ms, ~25 MB per encoding)
// is built on the first count, never at import: importing the package stays cheap for code that
// never tokenizes.
function bpeCounter(name: BpeName): BpeCounter {
  let counter = counters.get(name);
  if (counter === undefined) {
    const shared = sharedRanks.get(name);
    counter = new BpeCounter(
      shared === undefined ? ByteRanks.build(loadTableSync(name)) : shared.ranks(() => loadTableSync(name)),
    );
    counters.set(name, counter);
    preloaded.delete(name);
  }
  return counter;
}

// Rank tables this thread shares with others (a chunker pool's workers), by encoding.
const sharedRanks = new Map<BpeName, SharedRanks>();

/**
 * @internal Makes this thread count `tokenizer` with the rank table in `buffer` (from
 * `SharedRanks.allocate(tokenizer)`), built once by whichever thread of those sharing it counts
 * first. Call it before the first count; a thread that has counted already keeps its own table.
 */
export function shareRanks(tokenizer: TokenizerName, buffer: SharedArrayBuffer, waitMs?: number): void {
  const name = bpeName(tokenizer);
  sharedRanks.set(name, new SharedRanks(name, buffer, waitMs));
}

/**
 * @internal Makes this thread's counter for `tokenizer` read and fill `buffer` (from
 * `SharedPieceMemo.allocate()`), a piece memo other threads share.
 */
export function sharePieceMemo(tokenizer: TokenizerName, buffer: SharedArrayBuffer): void {
  bpeCounter(bpeName(tokenizer)).shared = new SharedPieceMemo(buffer);
}

/**
 * Loads a named tokenizer's tables now, with a dynamic `import()`, instead of on the first count.
 * Needed only where there is no synchronous `require` (browsers, edge runtimes, Node < 20.16 with
 * the ESM build); elsewhere it just moves the one-off cost (~150-250 ms, ~45 MB for o200k_base) to a
 * moment you choose. Custom `{ count }` tokenizers need nothing.
 * @example
 * await loadTokenizer("o200k_base");
 * const chunker = createChunker({ tokenizer: "o200k_base" });
 */
export async function loadTokenizer(tokenizer: TokenizerName = "o200k_base"): Promise<void> {
  const name = bpeName(tokenizer);
  if (tokenizer !== "o200k_base" && tokenizer !== "cl100k_base" && tokenizer !== "claude") {
    throw new TypeError(
      `[threadmill] unknown tokenizer ${JSON.stringify(tokenizer)}; use "o200k_base", "cl100k_base" or "claude".`,
    );
  }
  if (counters.has(name) || preloaded.has(name)) return;
  // Literal specifiers, so bundlers see (and split out) exactly these two modules.
  const mod =
    name === "o200k_base"
      ? await import("gpt-tokenizer/bpeRanks/o200k_base")
      : await import("gpt-tokenizer/bpeRanks/cl100k_base");
  if (!counters.has(name)) preloaded.set(name, rankTable(mod, name));
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

/**
 * A token counter with the chunker's semantics, for checking chunks or sizing prompts.
 * @example
 * createTokenCounter("o200k_base").count("Hello <|endoftext|>"); // 6, no throw
 */
export function createTokenCounter(tokenizer: TokenizerOption = "o200k_base"): TokenCounter {
  const resolved = resolveTokenizer(tokenizer);
  return { count: (text) => resolved.toTokens(resolved.countBase(text)) };
}
