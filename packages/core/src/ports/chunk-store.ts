import type { Chunk } from "../chunk/chunk.js";
import type { RecordStore } from "./record-store.js";

/** The sink of chunks. */
export type ChunkStore = RecordStore<Chunk>;

/**
 * A user's own sink (a vector store, say): unfenced, so ids being content hashes is what makes a
 * repeated write harmless. `delete` is called on purge when present.
 */
export interface ChunkSink {
  upsert(tenant: string, chunks: readonly Chunk[]): Promise<void>;
  delete?(tenant: string, ids: readonly string[]): Promise<void>;
}
