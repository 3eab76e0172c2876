import { JobConfigurationError } from "../errors/job-configuration-error.js";
import type { LibraryWrites } from "../library/library-writes.js";
import type { ChunkSink, ChunkStore } from "../ports/chunk-store.js";
import type { ConversationStore } from "../ports/conversation-store.js";
import type { LibraryStore } from "../ports/library-store.js";
import type { Lease } from "../ports/lease.js";
import type { MembershipChange } from "../ports/record-store.js";

/** A `ChunkStore` (fenced, with membership and a library) rather than a user's own `ChunkSink`. */
export const isChunkStore = (sink: ChunkStore | ChunkSink): sink is ChunkStore =>
  typeof (sink as ChunkStore).list === "function" && typeof (sink as ChunkStore).fenced === "boolean";

const changes = (c: MembershipChange) =>
  (c.hold?.length ?? 0) + (c.addToLibrary?.length ?? 0) + (c.removeFromLibrary?.length ?? 0) > 0;

/**
 * Throws `JobConfigurationError` (`SINK_CANNOT_DELETE`) before anything is written when a user's
 * chunk sink would be left with stale chunks it cannot delete.
 */
export function assertSinkCanDelete(
  chunkSink: ChunkStore | ChunkSink,
  writes: LibraryWrites | undefined,
): void {
  if (!writes || writes.sinkDeletes.length === 0 || isChunkStore(chunkSink)) return;
  if (typeof chunkSink.delete !== "function") {
    throw new JobConfigurationError(
      "SINK_CANNOT_DELETE",
      "a re-import replaces or deletes chunks, but the runner's chunk sink has no delete(tenant, ids): add one, or keep the chunks in a ChunkStore",
    );
  }
}

/**
 * Writes a unit's library changes in the order that keeps every reader of the library on the old
 * version or the new one of each conversation (see `LibraryWrites`).
 */
export async function writeLibrary(
  sinks: {
    readonly conversationSink: ConversationStore;
    readonly chunkSink: ChunkStore | ChunkSink;
    readonly librarySink: LibraryStore;
  },
  lease: Lease,
  writes: LibraryWrites,
): Promise<void> {
  const { conversationSink, chunkSink, librarySink } = sinks;
  if (writes.versions.length > 0) await librarySink.upsert(lease, writes.versions);
  if (isChunkStore(chunkSink)) {
    if (changes(writes.chunks)) await chunkSink.updateMembership(lease, writes.chunks);
  }
  if (changes(writes.conversations)) await conversationSink.updateMembership(lease, writes.conversations);
  if (changes(writes.library)) await librarySink.updateMembership(lease, writes.library);
  if (!isChunkStore(chunkSink) && writes.sinkDeletes.length > 0) {
    await chunkSink.delete!(lease.tenant, [...new Set(writes.sinkDeletes)]);
  }
}
