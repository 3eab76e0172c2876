// What the chunker pool and its worker threads send each other.
import type { Chunk } from "../chunk/chunk.js";
import type { PathLayout, PathText } from "../chunk/path-layout.js";
import { type ChunkSpan, spanChunkToChunk } from "../chunk/span-chunk.js";
import type { TokenizerName } from "../chunk/tokenizer-option.js";
import { type PackedRows, rowChunk, rowPath } from "./chunker-pool-rows.js";

/** @internal What a pool worker is started with. */
export interface ChunkerPoolWorkerData {
  readonly maxTokens: number;
  readonly overlapTokens: number;
  readonly tokenizer: TokenizerName;
  readonly labels: { readonly user: string; readonly assistant: string };
  readonly separator: string;
  /** The pool's `SharedPieceMemo`: pieces one thread counted, every thread finds. */
  readonly memo: SharedArrayBuffer;
  /** The pool's `SharedRanks`: the rank table the first thread builds and the others use. */
  readonly ranks: SharedArrayBuffer;
}
/** @internal One path of a conversation as a worker gets it: its formatted text and message spans. */
export interface WirePath extends PathText {
  readonly branchId: string | null;
}
/**
 * @internal A whole conversation (its paths, formatted by the caller, which keeps the texts), or a
 * stretch of one path's formatted text (a slice of it). One string and a few typed arrays per path
 * cross the thread boundary, not the conversation's object graph.
 */
export type ChunkerPoolRequest =
  | { readonly id: number; readonly conversationId: string; readonly paths: readonly WirePath[] }
  | { readonly id: number; readonly layout: PathText; readonly span: ChunkSpan };
/** @internal A stretch's chunks, positions in the slice the request carried. */
export type PackedSpan = PackedRows;
/** @internal A whole conversation's chunks, and their ids (32 hex characters each) concatenated. */
export interface PackedChunks extends PackedRows {
  readonly ids: string;
}
/** @internal */
export type ChunkerPoolResponse =
  | { id: number; packed: PackedChunks }
  | { id: number; span: PackedSpan }
  | { id: number; error: unknown };

/** Length of a chunk id (`contentHash`: 128 bits in hex). */
const ID_LENGTH = 32;

/** @internal The chunks of a `PackedChunks`, from the layouts of the paths the request carried. */
export function unpackChunks(
  conversationId: string,
  paths: readonly { readonly branchId: string | null; readonly layout: PathLayout }[],
  packed: PackedChunks,
): Chunk[] {
  const out: Chunk[] = new Array(packed.count);
  let current = -1;
  let index = 0;
  let path = { conversationId, branchId: null as string | null };
  for (let k = 0; k < packed.count; k++) {
    const p = rowPath(packed, k);
    if (p !== current) {
      current = p;
      index = 0;
      path = { conversationId, branchId: paths[p]!.branchId };
    }
    const id = packed.ids.slice(k * ID_LENGTH, (k + 1) * ID_LENGTH);
    out[k] = spanChunkToChunk(path, index++, paths[p]!.layout, rowChunk(packed, k), id);
  }
  return out;
}
