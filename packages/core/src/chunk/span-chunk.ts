import { contentHash } from "../util/hash.js";
import type { Chunk } from "./chunk.js";
import type { PathLayout } from "./path-layout.js";

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

/**
 * @internal The public chunk for the `index`-th chunk of a path, from its positions in the path's
 * layout; `id` when already computed (by a pool worker), else hashed here.
 */
export function spanChunkToChunk(
  path: Pick<Chunk, "conversationId" | "branchId">,
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
