import type { Message } from "../export/conversation.js";
import type { PathLayout, PathText } from "./path-layout.js";
import type { ChunkSpan, SpanChunk } from "./span-chunk.js";

/** @internal What the worker-thread pool needs beyond the public `Chunker`. */
export interface ChunkerInternals {
  layout(messages: readonly Message[]): PathLayout;
  chunkSpan(layout: PathText, span: ChunkSpan): Iterable<SpanChunk>;
}

// Keyed by a chunker's `chunkPath` function, so the public object carries nothing extra.
const internals = new WeakMap<object, ChunkerInternals>();

/** @internal Records the span-level entry points of the chunker whose `chunkPath` this is. */
export function setChunkerInternals(chunkPath: object, entries: ChunkerInternals): void {
  internals.set(chunkPath, entries);
}

/** @internal The span-level entry points of a chunker made by `createChunker`. */
export function chunkerInternals(chunker: { readonly chunkPath: object }): ChunkerInternals {
  const found = internals.get(chunker.chunkPath);
  if (found === undefined) throw new TypeError("[threadmill] not a chunker made by createChunker.");
  return found;
}
