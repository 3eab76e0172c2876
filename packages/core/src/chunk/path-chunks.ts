import type { Message } from "../export/conversation.js";
import type { Chunk } from "./chunk.js";
import type { ChunkFormat } from "./chunk-format.js";
import { windowChunks } from "./window-chunks.js";
import { type PathContext, returnWindow, takeWindow } from "./path-context.js";
import { layoutPath, type PathText } from "./path-layout.js";
import { type ChunkSpan, type SpanChunk, spanChunkToChunk } from "./span-chunk.js";

/** The messages of one path of a conversation: the active path (`branchId: null`) or one branch. */
export interface ChunkPath {
  readonly conversationId: string;
  readonly branchId: string | null;
  readonly messages: readonly Message[];
}

/** @internal The chunks of one path: its messages formatted, then chunked whole. */
export function* pathChunks(path: ChunkPath, format: ChunkFormat, ctx: PathContext): Generator<Chunk> {
  const layout = layoutPath(path.messages, format);
  const span: ChunkSpan = { from: 0, syncAfter: 0, syncChunks: 0, scanEnd: layout.text.length, last: true };
  let index = 0;
  for (const c of layoutChunks(layout, ctx, span)) yield spanChunkToChunk(path, index++, layout, c);
}

/** @internal The chunks of stretch `span` of a formatted path, with a window of `ctx`'s. */
export function* layoutChunks(layout: PathText, ctx: PathContext, span: ChunkSpan): Generator<SpanChunk> {
  if (ctx.prime !== null) {
    const prime = ctx.prime;
    ctx.prime = null;
    prime();
  }
  const window = takeWindow(ctx);
  try {
    // Copies of one shape each: a path formatted here, one cloned to a worker thread, a stretch's
    // slice and the primer's would otherwise reach the window code as objects of different hidden
    // classes, and V8 would throw its optimised code away (a "wrong map" deopt) at each new one.
    const text: PathText = {
      text: layout.text,
      spanStart: layout.spanStart,
      spanEnd: layout.spanEnd,
      times: layout.times,
    };
    const stretch: ChunkSpan = {
      from: span.from,
      contentFrom: span.contentFrom,
      meet: span.meet,
      syncAfter: span.syncAfter,
      syncChunks: span.syncChunks,
      scanEnd: span.scanEnd,
      last: span.last,
    };
    yield* windowChunks(text, ctx, stretch, window);
  } finally {
    returnWindow(ctx, window);
  }
}
