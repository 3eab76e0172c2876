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
  /**
   * Deletes the tenant's chunks by id (missing ids are no error): a re-import's chunks of a changed
   * or deleted conversation that its new version no longer has. Must be idempotent. Without it, a
   * re-import that would leave stale chunks in the sink fails with `JobConfigurationError`
   * (`SINK_CANNOT_DELETE`) before writing them.
   */
  delete?(tenant: string, ids: readonly string[]): Promise<void>;
}
