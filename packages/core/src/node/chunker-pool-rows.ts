// How the chunker pool's workers send chunks back: one Float64Array of fixed-width rows (positions,
// counts, message indexes and times are all exact in a double), copied in one piece by postMessage.
import type { SpanChunk } from "../chunk/span-chunk.js";

const START = 0;
const CONTENT_START = 1;
const END = 2;
const TOKENS = 3;
const MESSAGE_START = 4;
const MESSAGE_END = 5;
const START_AT = 6;
const END_AT = 7;
const PATH = 8;
/** Numbers per chunk. */
const WIDTH = 9;

/** @internal Chunks in rows, without their text (the caller slices it from its own copy). */
export interface PackedRows {
  readonly count: number;
  readonly rows: Float64Array;
}

/**
 * @internal `chunks` as rows; `paths[k]` is the path (index into the request's paths) of chunk k,
 * 0 when omitted.
 */
export function packRows(chunks: readonly SpanChunk[], paths?: readonly number[]): PackedRows {
  const count = chunks.length;
  const rows = new Float64Array(count * WIDTH);
  for (let k = 0, r = 0; k < count; k++, r += WIDTH) {
    const c = chunks[k]!;
    rows[r + START] = c.start;
    rows[r + CONTENT_START] = c.contentStart;
    rows[r + END] = c.end;
    rows[r + TOKENS] = c.tokens;
    rows[r + MESSAGE_START] = c.messageStart;
    rows[r + MESSAGE_END] = c.messageEnd;
    rows[r + START_AT] = c.startAt;
    rows[r + END_AT] = c.endAt;
    rows[r + PATH] = paths === undefined ? 0 : paths[k]!;
  }
  return { count, rows };
}

/** @internal The path of row `k`. */
export const rowPath = (packed: PackedRows, k: number): number => packed.rows[k * WIDTH + PATH]!;

/** @internal Row `k`, positions moved by `offset` and message indexes by `messageOffset`. */
export function rowChunk(packed: PackedRows, k: number, offset = 0, messageOffset = 0): SpanChunk {
  const rows = packed.rows;
  const r = k * WIDTH;
  return {
    start: rows[r + START]! + offset,
    contentStart: rows[r + CONTENT_START]! + offset,
    end: rows[r + END]! + offset,
    tokens: rows[r + TOKENS]!,
    messageStart: rows[r + MESSAGE_START]! + messageOffset,
    messageEnd: rows[r + MESSAGE_END]! + messageOffset,
    startAt: rows[r + START_AT]!,
    endAt: rows[r + END_AT]!,
  };
}
