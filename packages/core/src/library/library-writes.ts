import type { MembershipChange } from "../ports/record-store.js";
import type { LibraryVersion } from "./library-version.js";

/**
 * What one import unit changes in the tenant's library, written by the runner after the unit's
 * conversations and chunks and before its checkpoint, in this order: the versions; the chunks'
 * and conversations' memberships (a changed conversation's new chunks in and stale ones out, in one
 * atomic step); the versions' library membership (the pointer a re-import compares with); then a
 * user's own chunk sink is told to delete the stale chunks. A kill in between leaves the old version
 * or the new one visible, and the unit, run again, finishes the swap.
 */
export interface LibraryWrites {
  /** New versions of new and changed conversations, and tombstones of deleted ones. */
  readonly versions: readonly LibraryVersion[];
  readonly chunks: MembershipChange;
  readonly conversations: MembershipChange;
  /** Membership of the versions themselves: unchanged ones held, new ones in, replaced ones out. */
  readonly library: MembershipChange;
  /**
   * Chunk ids a user's own `ChunkSink` must delete (it has no library): the stale ones, and those a
   * run of the unit that was cut short may not have deleted yet. Ignored for a `ChunkStore`.
   */
  readonly sinkDeletes: readonly string[];
}

/** Whether `writes` changes nothing. */
export function isEmptyLibraryWrites(writes: LibraryWrites): boolean {
  const empty = (c: MembershipChange) =>
    !c.hold?.length && !c.addToLibrary?.length && !c.removeFromLibrary?.length;
  return (
    writes.versions.length === 0 &&
    empty(writes.chunks) &&
    empty(writes.conversations) &&
    empty(writes.library) &&
    writes.sinkDeletes.length === 0
  );
}

const join = (a: MembershipChange, b: MembershipChange): MembershipChange => ({
  hold: [...(a.hold ?? []), ...(b.hold ?? [])],
  addToLibrary: [...(a.addToLibrary ?? []), ...(b.addToLibrary ?? [])],
  removeFromLibrary: [...(a.removeFromLibrary ?? []), ...(b.removeFromLibrary ?? [])],
});

/** `a`'s writes, then `b`'s, as one unit's. */
export function mergeLibraryWrites(a: LibraryWrites | undefined, b: LibraryWrites): LibraryWrites {
  if (!a) return b;
  return {
    versions: [...a.versions, ...b.versions],
    chunks: join(a.chunks, b.chunks),
    conversations: join(a.conversations, b.conversations),
    library: join(a.library, b.library),
    sinkDeletes: [...a.sinkDeletes, ...b.sinkDeletes],
  };
}
