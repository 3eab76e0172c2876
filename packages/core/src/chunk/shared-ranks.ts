import { ByteRanks, type RankMemory, type RankTable, type RankViews } from "./byte-ranks.js";
import { type BpeName, bpeName, type TokenizerName } from "./tokenizer-option.js";

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
export class SharedRanks implements RankMemory {
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
  views(capacity: number, arena: number): RankViews | null {
    if (capacity !== this.room.capacity || arena > this.room.arena) return null;
    Atomics.store(this.header, RANKS_ARENA, arena);
    return this.published();
  }

  /** The table's parts in the buffer (its slots are always the planned ones). */
  published(): RankViews {
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
