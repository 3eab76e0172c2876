import { concatBytes } from "./element-bytes.js";
import { isJsonSpace as isSpace } from "./sniff-bytes.js";
import { TailScanner } from "./tail-scanner.js";

/** One element of the export's conversation array, as raw bytes with exact offsets. */
export interface ScannedElement {
  /**
   * The element's bytes in order: one view into the input when it sat in one chunk, else one view
   * per chunk it spans (never copied into one buffer, so a 100 MB conversation is not held twice).
   */
  parts: readonly Uint8Array[];
  /** Absolute byte offset of its first byte in the decoded entry. */
  readonly start: number;
  /** Absolute byte offset just after its last byte. */
  readonly end: number;
  /** Its index in the array (0 for a bare top-level object). */
  readonly index: number;
  /** How deep arrays and objects nest in it (1 for a flat object; 0 for a primitive). */
  readonly depth: number;
}

/** How the input is laid out: `[...]`, `{ "conversations": [...] }`, or one bare conversation object. */
export type ScanLayout = "array" | "wrapper" | "object";

/** Where the scanner starts. */
export interface ElementScannerOptions {
  /** Resume inside the array just after an element: its end offset and index. Without it, start at byte 0. */
  readonly resume?: { readonly offset: number; readonly index: number };
}

/** How the input ended, from `ElementScanner.end()`. */
export interface ScanEnd {
  /** Nothing but whitespace (and a BOM) was seen. */
  readonly empty: boolean;
  /** The input stopped inside an element or before the array closed. */
  readonly truncated: boolean;
  /** Offset where the unfinished element began, when truncated inside one. */
  readonly truncatedAt: number | null;
  /** Offset of the first byte other than whitespace after the top-level value ended; absent when none. */
  readonly trailingAt?: number;
}

const ST_START = 0;
const ST_TOP = 1; // inside a top-level object: a wrapper or a bare conversation
const ST_ARRAY = 2; // between elements of the conversation array
const ST_ELEMENT = 3; // inside an object/array element
const ST_PRIM = 4; // inside a primitive element (an error the reader reports)
const ST_DONE = 5;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const decoder = new TextDecoder();

/**
 * A byte-level JSON scanner that finds the elements of an export's conversation array without
 * parsing them: it tracks depth and strings (string bodies are skipped with `indexOf`), so each
 * element can be `JSON.parse`d on its own and its exact byte offsets are known for resuming.
 * Memory holds only the element being assembled. Feed chunks with `push`, then call `end`.
 * Throws `SyntaxError` when the input is not a JSON array or object (the reader maps it).
 */
export class ElementScanner {
  /** Set once the first significant byte has been seen. */
  layout: ScanLayout | null = null;
  private state: number;
  private base = 0;
  private depth = 0;
  private deepest = 0;
  private inString = false;
  private escapeCarry = false;
  private index = 0;
  private parts: Uint8Array[] = [];
  private elementStart = -1;
  private elementStartPos = -1;
  // Key tracking inside a top-level object.
  private expectKey = false;
  private keyParts: Uint8Array[] | null = null;
  private lastKey: string | null = null;
  private afterColon = false;

  // Set when resumed: until a significant byte arrives, the end of input is not a truncation (the
  // cursor may sit after the last element, or after a bare top-level object).
  private resumedQuiet = false;
  // A resumed scanner cannot tell an array from a wrapper's array: it accepts either's end.
  private readonly resumed: boolean;
  private tail: TailScanner | null = null;

  constructor(options: ElementScannerOptions = {}) {
    this.resumed = options.resume !== undefined;
    if (options.resume) {
      this.resumedQuiet = true;
      this.state = ST_ARRAY;
      this.base = options.resume.offset;
      this.index = options.resume.index + 1;
      this.layout = "array";
    } else {
      this.state = ST_START;
    }
  }

  /** Absolute offset of the next byte to be pushed. */
  get offset(): number {
    return this.base;
  }

  /** Scans one chunk; returns the elements it completed, in order. */
  push(chunk: Uint8Array): ScannedElement[] {
    const out: ScannedElement[] = [];
    const len = chunk.length;
    let pos = 0;
    if (
      this.state === ST_START &&
      this.base === 0 &&
      len >= 3 &&
      chunk[0] === 0xef &&
      chunk[1] === 0xbb &&
      chunk[2] === 0xbf
    ) {
      pos = 3;
    }
    while (pos < len) {
      switch (this.state) {
        case ST_ELEMENT: {
          pos = this.scanElement(chunk, pos, out);
          break;
        }
        case ST_ARRAY: {
          const b = chunk[pos]!;
          if (b === 0x7b || b === 0x5b) {
            this.resumedQuiet = false;
            this.beginElement(pos);
            this.state = ST_ELEMENT;
            this.depth = 1;
            pos++;
          } else if (b === 0x5d) {
            this.state = ST_DONE;
            this.tail = new TailScanner(this.layout === "wrapper" || this.resumed);
            pos++;
          } else if (isSpace(b)) {
            pos++;
          } else if (b === 0x2c) {
            this.resumedQuiet = false;
            pos++;
          } else {
            this.resumedQuiet = false;
            this.beginElement(pos);
            this.state = ST_PRIM;
            this.inString = false;
          }
          break;
        }
        case ST_PRIM: {
          pos = this.scanPrimitive(chunk, pos, out);
          break;
        }
        case ST_START: {
          const b = chunk[pos]!;
          if (isSpace(b)) {
            pos++;
          } else if (b === 0x5b) {
            this.layout = "array";
            this.state = ST_ARRAY;
            pos++;
          } else if (b === 0x7b) {
            this.layout = "object";
            this.beginElement(pos);
            this.state = ST_TOP;
            this.depth = 1;
            this.expectKey = true;
            pos++;
          } else {
            throw new SyntaxError(`expected '[' or '{' at byte ${this.base + pos}, found ${describe(b)}`);
          }
          break;
        }
        case ST_TOP: {
          pos = this.scanTop(chunk, pos, out);
          break;
        }
        default:
          this.tail?.scan(chunk, pos, this.base);
          pos = len;
      }
    }
    if (this.elementStart !== -1) {
      this.parts.push(this.elementStartPos > 0 ? chunk.subarray(this.elementStartPos) : chunk);
      this.elementStartPos = 0;
    }
    this.base += len;
    return out;
  }

  /** Says how the input ended. */
  end(): ScanEnd {
    const inside = this.state === ST_ELEMENT || this.state === ST_PRIM || this.state === ST_TOP;
    return {
      empty: this.state === ST_START,
      truncated: inside || (this.state === ST_ARRAY && !this.resumedQuiet),
      truncatedAt: inside ? this.elementStart : null,
      ...(this.tail?.trailingAt == null ? {} : { trailingAt: this.tail.trailingAt }),
    };
  }

  private beginElement(pos: number): void {
    this.elementStart = this.base + pos;
    this.elementStartPos = pos;
    this.parts = [];
    this.deepest = 1;
  }

  private finishElement(chunk: Uint8Array, endPos: number, out: ScannedElement[]): void {
    let parts: Uint8Array[];
    if (this.parts.length === 0) {
      parts = [chunk.subarray(this.elementStartPos, endPos)];
    } else {
      this.parts.push(chunk.subarray(0, endPos));
      parts = this.parts;
      this.parts = [];
    }
    out.push({
      parts,
      start: this.elementStart,
      end: this.base + endPos,
      index: this.index++,
      depth: this.state === ST_PRIM ? 0 : this.deepest,
    });
    this.elementStart = -1;
    this.elementStartPos = -1;
  }

  /** Inside a string: finds its closing quote; returns the position after it, or `len` with state kept. */
  private skipString(chunk: Uint8Array, pos: number): number {
    const len = chunk.length;
    if (this.escapeCarry) {
      this.escapeCarry = false;
      pos++;
      if (pos >= len) return len;
    }
    for (;;) {
      const q = chunk.indexOf(QUOTE, pos);
      if (q === -1) {
        let k = len - 1;
        let bs = 0;
        while (k >= pos && chunk[k] === BACKSLASH) {
          bs++;
          k--;
        }
        this.escapeCarry = (bs & 1) === 1;
        return len;
      }
      let k = q - 1;
      let bs = 0;
      while (k >= pos && chunk[k] === BACKSLASH) {
        bs++;
        k--;
      }
      pos = q + 1;
      if ((bs & 1) === 0) {
        this.inString = false;
        return pos;
      }
    }
  }

  private scanElement(chunk: Uint8Array, pos: number, out: ScannedElement[]): number {
    const len = chunk.length;
    let depth = this.depth;
    let deepest = this.deepest;
    while (pos < len) {
      if (this.inString) {
        pos = this.skipString(chunk, pos);
        continue;
      }
      const b = chunk[pos++]!;
      if (b === QUOTE) {
        this.inString = true;
      } else if (b === 0x7b || b === 0x5b) {
        if (++depth > deepest) deepest = depth;
      } else if (b === 0x7d || b === 0x5d) {
        if (--depth === 0) {
          this.depth = 0;
          this.deepest = deepest;
          this.finishElement(chunk, pos, out);
          this.state = ST_ARRAY;
          return pos;
        }
      }
    }
    this.depth = depth;
    this.deepest = deepest;
    return pos;
  }

  private scanPrimitive(chunk: Uint8Array, pos: number, out: ScannedElement[]): number {
    const len = chunk.length;
    while (pos < len) {
      if (this.inString) {
        pos = this.skipString(chunk, pos);
        continue;
      }
      const b = chunk[pos]!;
      if (b === QUOTE) {
        this.inString = true;
        pos++;
      } else if (b === 0x2c || b === 0x5d) {
        this.finishElement(chunk, pos, out);
        this.state = ST_ARRAY;
        return pos;
      } else {
        pos++;
      }
    }
    return pos;
  }

  /** Inside a top-level object: watches depth-1 keys for `"conversations": [`. */
  private scanTop(chunk: Uint8Array, pos: number, out: ScannedElement[]): number {
    const len = chunk.length;
    while (pos < len) {
      if (this.inString) {
        const from = pos;
        pos = this.skipString(chunk, pos);
        if (this.keyParts) {
          if (this.inString) {
            this.keyParts.push(chunk.slice(from, pos));
          } else {
            this.keyParts.push(chunk.slice(from, pos - 1));
            this.lastKey = decodeParts(this.keyParts);
            this.keyParts = null;
          }
        }
        continue;
      }
      const b = chunk[pos]!;
      if (isSpace(b)) {
        pos++;
        continue;
      }
      if (this.depth === 1) {
        if (this.afterColon) {
          this.afterColon = false;
          if (b === 0x5b && this.lastKey === "conversations") {
            this.layout = "wrapper";
            this.state = ST_ARRAY;
            this.elementStart = -1;
            this.elementStartPos = -1;
            this.parts = [];
            return pos + 1;
          }
        }
        if (b === QUOTE && this.expectKey) {
          this.expectKey = false;
          this.keyParts = [];
          this.inString = true;
          pos++;
          continue;
        }
        if (b === 0x3a) {
          this.afterColon = true;
          pos++;
          continue;
        }
        if (b === 0x2c) {
          this.expectKey = true;
          pos++;
          continue;
        }
      }
      pos++;
      if (b === QUOTE) this.inString = true;
      else if (b === 0x7b || b === 0x5b) {
        if (++this.depth > this.deepest) this.deepest = this.depth;
      } else if (b === 0x7d || b === 0x5d) {
        if (--this.depth === 0) {
          this.finishElement(chunk, pos, out);
          this.state = ST_DONE;
          this.tail = new TailScanner(false);
          return pos;
        }
      }
    }
    return pos;
  }
}

function decodeParts(parts: Uint8Array[]): string {
  return decoder.decode(concatBytes(parts));
}

function describe(b: number): string {
  if (b >= 0x20 && b < 0x7f) return `'${String.fromCharCode(b)}'`;
  return `byte 0x${b.toString(16).padStart(2, "0")}`;
}
