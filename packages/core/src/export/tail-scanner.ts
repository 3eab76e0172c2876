import { isJsonSpace } from "./sniff-bytes.js";

const START = 0; // a wrapper's tail must start with `,` or `}` (or be absent)
const WRAPPER = 1; // inside the rest of the wrapper object
const DONE = 2; // only whitespace may follow

/**
 * What follows an export's top-level value: whitespace only, or after a wrapper's conversation array
 * the rest of the wrapper object up to its `}`. Finds where trailing data starts (`]}` after an
 * array, a NUL, text), which the reader reports instead of passing over it.
 */
export class TailScanner {
  /** Absolute offset of the first byte of trailing data, once seen. */
  trailingAt: number | null = null;
  private state: number;
  private depth = 1;
  private inString = false;
  private escaped = false;

  /**
   * `wrapper`: the conversation array closed inside a wrapper object, or may have (a scanner resumed
   * from a cursor cannot tell an array from a wrapper's array, so it accepts a wrapper's end).
   */
  constructor(wrapper: boolean) {
    this.state = wrapper ? START : DONE;
  }

  /** Scans `chunk` from `pos`; `base` is the chunk's absolute offset. Stops at trailing data. */
  scan(chunk: Uint8Array, pos: number, base: number): void {
    for (; pos < chunk.length && this.trailingAt === null; pos++) {
      const b = chunk[pos]!;
      if (this.state === WRAPPER) {
        if (this.inString) {
          if (this.escaped) this.escaped = false;
          else if (b === 0x5c) this.escaped = true;
          else if (b === 0x22) this.inString = false;
        } else if (b === 0x22) this.inString = true;
        else if (b === 0x7b || b === 0x5b) this.depth++;
        else if ((b === 0x7d || b === 0x5d) && --this.depth === 0) this.state = DONE;
      } else if (!isJsonSpace(b)) {
        if (this.state === START && (b === 0x2c || b === 0x7d)) {
          this.state = WRAPPER;
          pos--; // read this byte again as part of the wrapper
        } else {
          this.trailingAt = base + pos;
        }
      }
    }
  }
}
