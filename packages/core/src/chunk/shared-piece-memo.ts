import { hashChars, sameChars } from "./piece-memo.js";

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
