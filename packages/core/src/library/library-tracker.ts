import type { StoredConversation } from "../ports/conversation-store.js";
import type { LibraryStore } from "../ports/library-store.js";
import { conversationFingerprint } from "./conversation-fingerprint.js";
import { type LibraryVersion, libraryTombstoneId, libraryVersionId } from "./library-version.js";
import type { LibraryWrites } from "./library-writes.js";

/** What a re-import does with conversations of the library that its export no longer has. */
export type MissingConversations = "keep" | "delete";

/**
 * The counts a re-import reports, per unit and summed in the job's result; `messages` and `chunks`
 * are those of conversations a cut-short run of the unit wrote (counted as that run would have).
 */
export type LibraryCounts = Record<
  "unchanged" | "changed" | "new" | "missing" | "messages" | "chunks",
  number
>;

/** A parsed conversation the library has no current version of with its fingerprint: to chunk and write. */
export interface LibraryChange {
  readonly fingerprint: string;
  readonly previous: LibraryVersion | undefined;
}

interface Pending {
  versions: LibraryVersion[];
  hold: { chunks: string[]; conversations: string[]; versions: string[] };
  add: { chunks: string[]; conversations: string[]; versions: string[] };
  remove: { chunks: string[]; conversations: string[]; versions: string[] };
  sinkDeletes: string[];
  counts: LibraryCounts;
}

const emptyPending = (): Pending => ({
  versions: [],
  hold: { chunks: [], conversations: [], versions: [] },
  add: { chunks: [], conversations: [], versions: [] },
  remove: { chunks: [], conversations: [], versions: [] },
  sinkDeletes: [],
  counts: { unchanged: 0, changed: 0, new: 0, missing: 0, messages: 0, chunks: 0 },
});

/** Options of `LibraryTracker.load`. */
export interface LibraryTrackerOptions {
  readonly store: LibraryStore;
  readonly tenant: string;
  readonly jobId: string;
  /** `librarySettings` of the job. */
  readonly settings: string;
  readonly missing: MissingConversations;
}

/**
 * An import job's view of the tenant's library: the current version of every conversation (read once
 * when the stage opens), which tells each conversation of the export unchanged, changed or new, and
 * the writes that hold, swap or delete them. A unit that ran before in this job (a resume) finds its
 * own versions current: they count as what they were, and nothing is written twice.
 */
export class LibraryTracker {
  private pending = emptyPending();
  /** Conversations this stage run saw (those of units not yet written included). */
  private readonly seen = new Set<string>();

  private constructor(
    private readonly options: LibraryTrackerOptions,
    private readonly current: Map<string, LibraryVersion>,
    private readonly byRaw: Map<string, LibraryVersion>,
  ) {}

  /** Reads the tenant's library. */
  static async load(options: LibraryTrackerOptions): Promise<LibraryTracker> {
    const current = new Map<string, LibraryVersion>();
    const byRaw = new Map<string, LibraryVersion>();
    for await (const version of pages(options.store, options.tenant, { library: true })) {
      current.set(version.conversationId, version);
      if (version.rawHash !== null && version.settings === options.settings)
        byRaw.set(version.rawHash, version);
    }
    return new LibraryTracker(options, current, byRaw);
  }

  /** Whether the export's bytes of a conversation are those of its current version (it is not parsed then). */
  readonly known = (rawHash: string): boolean => this.byRaw.has(rawHash);

  /**
   * A conversation `known` accepted: unchanged, and `null`; or, when this run met its id already (a
   * later copy in the same export, which is skipped), that id.
   */
  skipped(rawHash: string): string | null {
    const version = this.byRaw.get(rawHash)!;
    if (this.seen.has(version.conversationId)) return version.conversationId;
    this.keep(version);
    return null;
  }

  /**
   * A parsed conversation: `null` when unchanged (held), `"duplicate"` when it is a later copy of a
   * conversation this export already gave (the first copy stays), else what to write once it is
   * chunked.
   */
  parsed(conversation: StoredConversation): LibraryChange | "duplicate" | null {
    if (this.seen.has(conversation.id)) return "duplicate";
    const fingerprint = conversationFingerprint(conversation, this.options.settings);
    const previous = this.current.get(conversation.id);
    if (previous && previous.fingerprint === fingerprint) {
      this.keep(previous);
      return null;
    }
    // This job wrote the conversation, in an earlier run of the stage, with other content: not the
    // unit being run again (that gives the same fingerprint) but a later copy met after a resume.
    if (previous && previous.jobId === this.options.jobId) return "duplicate";
    return { fingerprint, previous };
  }

  /** A new or changed conversation, chunked: its version, and the swap of its chunks in the library. */
  written(
    conversation: StoredConversation,
    rawHash: string | null,
    change: LibraryChange,
    chunkIds: string[],
    messages: number,
  ): void {
    const { jobId, settings } = this.options;
    const { previous, fingerprint } = change;
    const ids = new Set(chunkIds);
    const replaced = previous ? previous.chunkIds.filter((id) => !ids.has(id)) : [];
    const version: LibraryVersion = {
      id: libraryVersionId(conversation.id, fingerprint),
      conversationId: conversation.id,
      fingerprint,
      rawHash,
      settings,
      chunkIds,
      messages,
      jobId,
      change: previous === undefined ? "new" : previous.jobId === jobId ? previous.change : "changed",
      replacedChunkIds: replaced,
      createdAt: new Date(),
    };
    const p = this.pending;
    p.versions.push(version);
    p.counts[version.change === "deleted" ? "changed" : version.change] += 1;
    p.add.chunks.push(...chunkIds);
    p.remove.chunks.push(...replaced);
    p.add.conversations.push(conversation.id);
    p.add.versions.push(version.id);
    if (previous && previous.id !== version.id) p.remove.versions.push(previous.id);
    p.sinkDeletes.push(...replaced);
    // The version goes to the unit's writes and is not kept here: a later copy of the conversation
    // is a duplicate (`seen`), so nothing asks for it again, and keeping every version with its
    // chunk ids made a 1 GB import's heap grow by about 50 MB.
    this.seen.add(conversation.id);
    this.current.delete(conversation.id);
    if (previous?.rawHash) this.byRaw.delete(previous.rawHash);
  }

  /**
   * The end of the export: the library's conversations this job neither held nor wrote are missing;
   * counted, and with `missing: "delete"` taken out of the library (a tombstone records it). Call it
   * once every earlier unit's writes are done: it reads what the job holds from the store.
   */
  async finish(): Promise<void> {
    const { store, tenant, jobId, settings } = this.options;
    const p = this.pending;
    const held = new Set(this.seen);
    const tombstoned: LibraryVersion[] = [];
    for await (const version of pages(store, tenant, { jobId })) {
      if (version.change === "deleted" && version.jobId === jobId) tombstoned.push(version);
      else held.add(version.conversationId);
    }
    const missing = [...this.current.values()].filter((v) => !held.has(v.conversationId));
    const gone = tombstoned.filter((t) => !this.current.has(t.conversationId));
    p.counts.missing += missing.length + gone.length;
    if (this.options.missing === "keep") return;
    for (const version of missing) {
      p.versions.push({
        id: libraryTombstoneId(version.conversationId, jobId),
        conversationId: version.conversationId,
        fingerprint: null,
        rawHash: null,
        settings,
        chunkIds: [],
        messages: 0,
        jobId,
        change: "deleted",
        replacedChunkIds: version.chunkIds,
        createdAt: new Date(),
      });
      p.remove.chunks.push(...version.chunkIds);
      p.remove.conversations.push(version.conversationId);
      p.remove.versions.push(version.id);
      p.sinkDeletes.push(...version.chunkIds);
      this.current.delete(version.conversationId);
    }
    // Deleted by an earlier run of this unit: a user's sink may not have heard of it yet.
    for (const t of gone) p.sinkDeletes.push(...t.replacedChunkIds);
  }

  /** The writes and counts since the last call. */
  take(): { writes: LibraryWrites; counts: LibraryCounts } {
    const p = this.pending;
    this.pending = emptyPending();
    return {
      writes: {
        versions: p.versions,
        chunks: { hold: p.hold.chunks, addToLibrary: p.add.chunks, removeFromLibrary: p.remove.chunks },
        conversations: {
          hold: p.hold.conversations,
          addToLibrary: p.add.conversations,
          removeFromLibrary: p.remove.conversations,
        },
        library: {
          hold: p.hold.versions,
          addToLibrary: p.add.versions,
          removeFromLibrary: p.remove.versions,
        },
        sinkDeletes: p.sinkDeletes,
      },
      counts: p.counts,
    };
  }

  /** An unchanged conversation (held by this job), or one this job wrote in an earlier run of the unit. */
  private keep(version: LibraryVersion): void {
    const p = this.pending;
    this.seen.add(version.conversationId);
    if (version.jobId === this.options.jobId) {
      p.counts[version.change === "deleted" ? "changed" : version.change] += 1;
      p.counts.messages += version.messages;
      p.counts.chunks += version.chunkIds.length;
      p.sinkDeletes.push(...version.replacedChunkIds);
      return;
    }
    p.counts.unchanged += 1;
    p.hold.chunks.push(...version.chunkIds);
    p.hold.conversations.push(version.conversationId);
    p.hold.versions.push(version.id);
  }
}

/** Every version in a scope of the tenant, a page at a time. */
async function* pages(
  store: LibraryStore,
  tenant: string,
  scope: { readonly jobId?: string; readonly library?: boolean },
): AsyncGenerator<LibraryVersion> {
  let after: string | undefined;
  for (;;) {
    const page = await store.list(tenant, {
      ...scope,
      limit: 1000,
      ...(after === undefined ? {} : { after }),
    });
    yield* page;
    if (page.length < 1000) return;
    after = page[page.length - 1]!.id;
  }
}
