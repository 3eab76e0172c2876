import { JobConfigurationError } from "../errors/job-configuration-error.js";
import type { LibraryWrites } from "../library/library-writes.js";
import type { ChunkSink, ChunkStore } from "../ports/chunk-store.js";
import type { ConversationStore } from "../ports/conversation-store.js";
import type { LibraryStore } from "../ports/library-store.js";
import type { Lease } from "../ports/lease.js";
import type { MembershipChange } from "../ports/record-store.js";
import { settleAll } from "./settle-all.js";

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

/** The sinks a unit's library changes go to. */
export interface LibrarySinks {
  readonly conversationSink: ConversationStore;
  readonly chunkSink: ChunkStore | ChunkSink;
  readonly librarySink: LibraryStore;
}

const holdOnly = (c: MembershipChange): MembershipChange => ({ hold: c.hold ?? [] });
const libraryOnly = (c: MembershipChange): MembershipChange => ({
  addToLibrary: c.addToLibrary ?? [],
  removeFromLibrary: c.removeFromLibrary ?? [],
});

/**
 * The unchanged conversations' holds (their chunks, conversations and versions, recorded as held by
 * this job), all at once: nothing a reader of the library sees changes, so they need no order.
 */
export async function writeHolds(sinks: LibrarySinks, lease: Lease, writes: LibraryWrites): Promise<void> {
  const { conversationSink, chunkSink, librarySink } = sinks;
  const holds: Promise<void>[] = [];
  const chunks = writes.chunks.hold ?? [];
  if (isChunkStore(chunkSink) && chunks.length > 0) {
    // Two halves at once: a server store inserts the rows on two connections (two cores).
    const half = Math.ceil(chunks.length / 2);
    for (const part of [chunks.slice(0, half), chunks.slice(half)]) {
      if (part.length > 0) holds.push(chunkSink.updateMembership(lease, { hold: part }));
    }
  }
  if (writes.conversations.hold?.length) {
    holds.push(conversationSink.updateMembership(lease, holdOnly(writes.conversations)));
  }
  if (writes.library.hold?.length) holds.push(librarySink.updateMembership(lease, holdOnly(writes.library)));
  await settleAll(holds);
}

/**
 * Writes a unit's library swaps in the order that keeps every reader of the library on the old
 * version or the new one of each conversation (see `LibraryWrites`); the holds went with
 * `writeHolds`.
 */
export async function writeLibrary(sinks: LibrarySinks, lease: Lease, writes: LibraryWrites): Promise<void> {
  const { conversationSink, chunkSink, librarySink } = sinks;
  if (writes.versions.length > 0) await librarySink.upsert(lease, writes.versions);
  if (isChunkStore(chunkSink)) {
    if (changes(libraryOnly(writes.chunks)))
      await chunkSink.updateMembership(lease, libraryOnly(writes.chunks));
  }
  const conversations = libraryOnly(writes.conversations);
  if (changes(conversations)) await conversationSink.updateMembership(lease, conversations);
  const versions = libraryOnly(writes.library);
  if (changes(versions)) await librarySink.updateMembership(lease, versions);
  if (!isChunkStore(chunkSink) && writes.sinkDeletes.length > 0) {
    await chunkSink.delete!(lease.tenant, [...new Set(writes.sinkDeletes)]);
  }
}
