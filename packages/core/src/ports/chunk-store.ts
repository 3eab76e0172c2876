import type { Chunk } from "../chunk/chunk.js";
import type { RecordStore } from "./record-store.js";

/** The sink of chunks. */
export type ChunkStore = RecordStore<Chunk>;

/**
 * A user's own sink (a vector store, say): unfenced, so ids being content hashes is what makes a
 * repeated write harmless. threadmill keeps no record of what it wrote there, so `runner.purge` and
 * `runner.purgeTenant` do not reach it: the sink purges itself (every chunk arrives with its tenant).
 */
export interface ChunkSink {
  /** Inserts or replaces the tenant's chunks by id. Must be idempotent: a unit may be written twice. */
  upsert(tenant: string, chunks: readonly Chunk[]): Promise<void>;
}
