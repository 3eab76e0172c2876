// Pieces up to this many UTF-16 code units are memoised (longer ones are rare, and counted afresh).
export const MEMO_MAX_LENGTH = 48;
// The memo is emptied when it holds this many pieces or this many code units of them.
export const MEMO_MAX_ENTRIES = 1 << 18;
const MEMO_MAX_CHARS = 1 << 22;

/** FNV-1a over the code units `text[start, end)`. */
export function hashChars(text: string, start: number, end: number): number {
  let h = 0x811c9dc5 | 0;
  for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h;
}

/** Whether `chars[at, at + length)` holds the code units `text[start, start + length)`. */
export function sameChars(
  chars: Uint16Array,
  at: number,
  text: string,
  start: number,
  length: number,
): boolean {
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
