import type { Chunk } from "../chunk/chunk.js";
import type { Chunker } from "../chunk/chunker.js";
import type { Conversation } from "../export/conversation.js";
import type { Cursor } from "../export/cursor.js";
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
  readonly iterator: AsyncIterator<Conversation>;
  readonly pooled: PooledChunker | null;
  readonly chunker: Chunker | null;
  readonly signal: AbortSignal;
  readonly limits: BatchLimits;
  /** Parse issues counted so far (the reader's `onIssue` adds to it). */
  issues: number;
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
  const conversations: StoredConversation[] = [];
  const chunkLists: (Chunk[] | Promise<Chunk[]>)[] = [];
  let messages = 0;
  try {
    messages = await takeConversations(read, unit, conversations, chunkLists);
  } catch (error) {
    // Let chunks already sent to the pool finish, so nothing of this unit runs after it failed.
    await Promise.allSettled(chunkLists);
    throw error;
  }
  const chunks: Chunk[] = [];
  for (const settled of await Promise.allSettled(chunkLists)) {
    if (settled.status === "rejected") throw settled.reason;
    for (const chunk of settled.value) chunks.push(chunk);
  }
  read.signal.throwIfAborted();
  const p =
    read.progress ?? (read.position ? { done: read.position.offset, total: null, unit: "bytes" } : undefined);
  return {
    cursor: read.position,
    done: read.finished,
    counts: {
      conversations: conversations.length,
      messages,
      chunks: chunks.length,
      issues: read.issues - startIssues,
    },
    ...(p ? { progress: read.finished && p.total !== null ? { ...p, done: p.total } : p } : {}),
    conversations,
    chunks,
  };
}

/** Takes conversations into the batch until a limit is reached or the export ends; returns the messages taken. */
async function takeConversations(
  read: ImportRead,
  unit: UnitContext,
  conversations: StoredConversation[],
  chunkLists: (Chunk[] | Promise<Chunk[]>)[],
): Promise<number> {
  const startedAt = Date.now();
  let messages = 0;
  let fromOffset = read.position?.offset ?? 0;
  let fromEntry = read.position?.entry ?? null;
  for (;;) {
    const step = await read.iterator.next();
    if (step.done) {
      read.finished = true;
      return messages;
    }
    const conversation: Conversation = step.value;
    read.beforeFirst = false;
    const { cursor: at, ...stored } = conversation;
    if (at.entry !== fromEntry) {
      fromEntry = at.entry;
      fromOffset = 0;
    }
    conversations.push(stored);
    messages += conversation.messages.length;
    for (const branch of conversation.branches ?? []) messages += branch.messages.length;
    if (read.pooled) {
      const list = read.pooled.chunk(conversation);
      // Awaited by readBatch; a rejection before then must not count as unhandled.
      list.catch(() => {});
      chunkLists.push(list);
    } else {
      chunkLists.push(await chunkInProcess(read.chunker!, conversation, unit));
    }
    read.position = at;
    await unit.yield();
    read.signal.throwIfAborted();
    const now = Date.now();
    if (
      conversations.length >= read.limits.conversations ||
      at.offset - fromOffset >= read.limits.bytes ||
      now - startedAt >= read.limits.ms ||
      now >= unit.endBy - (now - startedAt) / conversations.length
    ) {
      return messages;
    }
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
