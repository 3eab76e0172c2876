import type { PathLayout, PathText } from "../chunk/path-layout.js";
import type { ChunkSpan, SpanChunk } from "../chunk/span-chunk.js";
import type { PackedSpan } from "./chunker-pool-protocol.js";
import { rowChunk } from "./chunker-pool-rows.js";

// Characters of context sent on each side of a stretch: the boundary ranks look up to 8 characters
// back, the grapheme check 32 either way, and the split regexes' lookaheads one past a piece.
const SPAN_CONTEXT = 64;

/**
 * @internal The request for stretch `span` of `layout`: the slice of text it reads, positions made
 * relative.
 */
export function spanRequest(
  layout: PathLayout,
  span: ChunkSpan,
): { layout: PathText; span: ChunkSpan; offset: number; messageOffset: number } {
  const text = layout.text;
  const offset = Math.max(0, span.from - SPAN_CONTEXT);
  const sliceEnd = span.last ? text.length : Math.min(text.length, span.scanEnd + SPAN_CONTEXT);
  // The messages the slice touches (message spans are in text order): from the first that ends at
  // or after the slice's start, found by bisection, to the last that starts before its end.
  let lo = 0;
  let hi = layout.ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (layout.spanEnd[mid]! < offset) lo = mid + 1;
    else hi = mid;
  }
  let to = lo;
  while (to < layout.ids.length && layout.spanStart[to]! <= sliceEnd) to++;
  const spanStart = layout.spanStart.slice(lo, to);
  const spanEnd = layout.spanEnd.slice(lo, to);
  for (let m = 0; m < spanStart.length; m++) {
    spanStart[m]! -= offset;
    spanEnd[m]! -= offset;
  }
  const shift = (k: string): string => {
    const [a, b] = k.split(":");
    return `${Number(a) - offset}:${Number(b) - offset}`;
  };
  return {
    offset,
    messageOffset: lo,
    layout: {
      text: text.slice(offset, sliceEnd),
      spanStart,
      spanEnd,
      times: layout.times.slice(lo, to),
    },
    span: {
      from: span.from - offset,
      ...(span.contentFrom === undefined ? {} : { contentFrom: span.contentFrom - offset }),
      ...(span.meet === undefined ? {} : { meet: span.meet.map(shift) }),
      syncAfter: span.syncAfter - offset,
      syncChunks: span.syncChunks,
      scanEnd: (span.last ? text.length : span.scanEnd) - offset,
      last: span.last,
    },
  };
}

/** @internal The chunks of a stretch, positions moved back into the whole path. */
export function unpackSpan(packed: PackedSpan, offset: number, messageOffset: number): SpanChunk[] {
  const out: SpanChunk[] = new Array(packed.count);
  for (let k = 0; k < packed.count; k++) out[k] = rowChunk(packed, k, offset, messageOffset);
  return out;
}
