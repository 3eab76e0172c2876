/** @internal An encoding's tokens by rank, as gpt-tokenizer ships them. */
export type RankTable = ReadonlyArray<string | readonly number[]>;

/** @internal The parts of a `ByteRanks` table, as views of memory that may be shared. */
export interface RankViews {
  readonly slots: Int32Array;
  readonly pairs: Int32Array;
  readonly arena: Uint8Array;
}

/** @internal Memory a table can be copied into and viewed from (`SharedRanks`). */
export interface RankMemory {
  /** Where a table of `capacity` slots and `arena` bytes goes, or null if it does not fit. */
  views(capacity: number, arena: number): RankViews | null;
  /** The table's parts, once copied in. */
  published(): RankViews;
}

const utf8 = new TextEncoder();

/** @internal Rank of a byte sequence that is no token ("none"), above every real rank. */
export const NO_RANK = 0x7fffffff;

/** FNV-1a over `bytes[from, to)`. */
function hashBytes(bytes: Uint8Array, from: number, to: number): number {
  let h = 0x811c9dc5 | 0;
  for (let i = from; i < to; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h;
}

/**
 * @internal An encoding's ranks by the token's bytes: an open-addressing table over one byte arena, looked up
 * from a range of a byte buffer (no key string per lookup), each slot's fields side by side (one
 * cache line per probe), and a direct table for two-byte tokens, the first lookups of every merge.
 * About 10 MB for o200k_base's 200k tokens, a third of a `Map` of binary strings. Built from
 * gpt-tokenizer's table, or a view of the copy a chunker pool's threads share (`SharedRanks`).
 */
export class ByteRanks {
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
  copyTo(shared: RankMemory): ByteRanks | null {
    const views = shared.views(this.slots.length / 4, this.arena.length);
    if (views === null) return null;
    views.slots.set(this.slots);
    views.pairs.set(this.pairs);
    views.arena.set(this.arena);
    return new ByteRanks(views.slots, views.pairs, views.arena);
  }

  /** The ranks a thread copied into `shared`. */
  static view(shared: RankMemory): ByteRanks {
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
