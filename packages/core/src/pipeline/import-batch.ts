import type { Chunk } from "../chunk/chunk.js";
import type { Chunker } from "../chunk/chunker.js";
import type { Conversation } from "../export/conversation.js";
import type { Cursor } from "../export/cursor.js";
import type { ExportItem } from "../export/export-item.js";
import type { ParseIssue } from "../export/parse-issue.js";
import type { LibraryChange, LibraryTracker } from "../library/library-tracker.js";
import type { StoredConversation } from "../ports/conversation-store.js";
import type { JobProgress } from "../ports/job.js";
import type { PooledChunker } from "./import-pipeline-options.js";
import type { UnitContext, UnitResult } from "./pipeline.js";

/** Limits of one unit: it takes conversations until the first one is reached. */
export interface BatchLimits {
  readonly conversations: number;
  readonly bytes: number;
  readonly ms: number;
}

/** The state of one opened import stage that successive batches read on from. */
export interface ImportRead {
  readonly iterator: AsyncIterator<ExportItem>;
  /** The tenant's library, when the runner's store has one (set before the first batch). */
  tracker: LibraryTracker | null;
  readonly pooled: PooledChunker | null;
  readonly chunker: Chunker | null;
  readonly signal: AbortSignal;
  readonly limits: BatchLimits;
  /** Parse issues counted so far (the reader's `onIssue` adds to it). */
  issues: number;
  /** Counts an issue the stage itself finds and passes it to the pipeline's `onIssue`. */
  readonly report: (issue: ParseIssue) => void;
  /** Still before the first conversation of a resumed read (its issues were counted already). */
  beforeFirst: boolean;
  progress: JobProgress | undefined;
  position: Cursor | null;
  finished: boolean;
}

/**
 * Reads, renders and chunks one batch. Never runs twice at once on one `ImportRead`: units are
 * produced in order.
 */
export async function readBatch(read: ImportRead, unit: UnitContext): Promise<UnitResult<Cursor | null>> {
  const startIssues = read.issues;
  const batch: Batch = {
    conversations: [],
    changes: [],
    chunkLists: [],
    taken: 0,
    duplicates: 0,
    messages: 0,
  };
  try {
    await takeConversations(read, unit, batch);
  } catch (error) {
    // Let chunks already sent to the pool finish, so nothing of this unit runs after it failed.
    await Promise.allSettled(batch.chunkLists);
    throw error;
  }
  const { conversations } = batch;
  const chunks: Chunk[] = [];
  for (const [i, settled] of (await Promise.allSettled(batch.chunkLists)).entries()) {
    if (settled.status === "rejected") throw settled.reason;
    for (const chunk of settled.value) chunks.push(chunk);
    const change = batch.changes[i];
    if (change && read.tracker) {
      const c = conversations[i]!;
      let messages = c.messages.length;
      for (const b of c.branches ?? []) messages += b.messages.length;
      read.tracker.written(
        c,
        change.rawHash,
        change,
        settled.value.map((x) => x.id),
        messages,
      );
    }
  }
  read.signal.throwIfAborted();
  const library = read.tracker?.take();
  // Done is where the checkpoint stands; the reader's progress (every few MB) only tells the total,
  // which a claim reading less than that between its reports would otherwise never learn.
  const done = read.position?.offset ?? read.progress?.done;
  const p: JobProgress | undefined =
    done === undefined ? undefined : { done, total: read.progress?.total ?? null, unit: "bytes" };
  return {
    cursor: read.position,
    done: read.finished,
    counts: {
      ...library?.counts,
      conversations: batch.taken - batch.duplicates,
      messages: batch.messages + (library?.counts.messages ?? 0),
      chunks: chunks.length + (library?.counts.chunks ?? 0),
      issues: read.issues - startIssues,
    },
    ...(p ? { progress: read.finished && p.total !== null ? { ...p, done: p.total } : p } : {}),
    conversations,
    chunks,
    ...(library ? { library: library.writes } : {}),
  };
}

/** One unit's conversations to write, each with its chunks and (re-import) its library change. */
interface Batch {
  readonly conversations: StoredConversation[];
  readonly changes: ((LibraryChange & { readonly rawHash: string | null }) | null)[];
  readonly chunkLists: (Chunk[] | Promise<Chunk[]>)[];
  /** Conversations read, unchanged ones and duplicates included. */
  taken: number;
  /** Later copies of a conversation the export gave before, skipped (not counted as conversations). */
  duplicates: number;
  /** Messages of the conversations to write. */
  messages: number;
}

/** Takes conversations into the batch until a limit is reached or the export ends. */
async function takeConversations(read: ImportRead, unit: UnitContext, batch: Batch): Promise<void> {
  const startedAt = Date.now();
  let fromOffset = read.position?.offset ?? 0;
  let fromEntry = read.position?.entry ?? null;
  for (;;) {
    const step = await read.iterator.next();
    if (step.done) {
      read.finished = true;
      return;
    }
    const item = step.value;
    read.beforeFirst = false;
    const at = "skipped" in item ? item.cursor : item.conversation.cursor;
    if (at.entry !== fromEntry) {
      fromEntry = at.entry;
      fromOffset = 0;
    }
    batch.taken += 1;
    if ("skipped" in item) {
      const duplicate = read.tracker!.skipped(item.skipped);
      if (duplicate !== null) reportDuplicate(read, batch, at, duplicate);
    } else await takeConversation(read, unit, batch, item.conversation, item.rawHash);
    read.position = at;
    await unit.yield();
    read.signal.throwIfAborted();
    const now = Date.now();
    if (
      batch.taken >= read.limits.conversations ||
      at.offset - fromOffset >= read.limits.bytes ||
      now - startedAt >= read.limits.ms ||
      now >= unit.endBy - (now - startedAt) / batch.taken
    ) {
      return;
    }
  }
}

/**
 * A later copy of a conversation the export gave before: skipped, as a shard's older copy is. The
 * first copy stays, so what is imported never depends on where a unit ended.
 */
function reportDuplicate(read: ImportRead, batch: Batch, at: Cursor, conversationId: string): void {
  batch.duplicates += 1;
  read.report({
    code: "duplicate-conversation",
    message: "an earlier copy of this conversation in the same export was imported; this copy skipped",
    conversationId,
    ...(at.entry === null ? {} : { entry: at.entry }),
  });
}

/** One parsed conversation: held when the library has it unchanged, else into the batch and chunked. */
async function takeConversation(
  read: ImportRead,
  unit: UnitContext,
  batch: Batch,
  conversation: Conversation,
  rawHash: string | null,
): Promise<void> {
  const { cursor, ...stored } = conversation;
  const change = read.tracker ? read.tracker.parsed(stored) : null;
  if (change === "duplicate") return reportDuplicate(read, batch, cursor, stored.id);
  if (read.tracker && change === null) return;
  batch.conversations.push(stored);
  batch.changes.push(change ? { ...change, rawHash } : null);
  batch.messages += conversation.messages.length;
  for (const branch of conversation.branches ?? []) batch.messages += branch.messages.length;
  if (read.pooled) {
    const list = read.pooled.chunk(conversation);
    // Awaited by readBatch; a rejection before then must not count as unhandled.
    list.catch(() => {});
    batch.chunkLists.push(list);
  } else {
    batch.chunkLists.push(await chunkInProcess(read.chunker!, conversation, unit));
  }
}

/** The conversation's chunks on this thread, yielding to the event loop between them. */
async function chunkInProcess(
  chunker: Chunker,
  conversation: Conversation,
  unit: UnitContext,
): Promise<Chunk[]> {
  const list: Chunk[] = [];
  for (const chunk of chunker.chunk(conversation)) {
    list.push(chunk);
    await unit.yield();
  }
  return list;
}
