import { JobConfigurationError } from "../errors/job-configuration-error.js";
import type { Lease } from "../ports/lease.js";
import type { UnitResult } from "./pipeline.js";
import type { RunnerContext } from "./runner-options.js";
import { settleAll } from "./settle-all.js";
import { assertSinkCanDelete, isChunkStore, writeHolds, writeLibrary } from "./write-library.js";

/**
 * Writes a unit's conversations, chunks, facts and library changes to the runner's sinks, before its
 * checkpoint advances. Facts join the tenant's library as they are written.
 */
export async function writeOutputs(
  context: Pick<RunnerContext, "conversationSink" | "chunkSink" | "factSink" | "librarySink">,
  lease: Lease,
  result: UnitResult,
): Promise<void> {
  const { conversationSink, chunkSink, librarySink } = context;
  assertSinkCanDelete(chunkSink, result.library);
  const sinks = librarySink ? { conversationSink, chunkSink, librarySink } : null;
  // A re-import's holds touch no record a reader of the library sees: they go beside the writes.
  const holds = result.library && sinks ? writeHolds(sinks, lease, result.library) : null;
  // The records' failure is the one to report when both fail.
  await settleAll([writeRecords(context, lease, result), holds]);
  if (result.library && sinks) await writeLibrary(sinks, lease, result.library);
}

/**
 * The unit's conversations, chunks and facts. With a fenced chunk store, conversations and chunks go
 * at once (a store with several connections writes them side by side); no reader of the library sees
 * either before the unit's library changes, which follow. A user's own chunk sink (never fenced) or
 * an unfenced store gets its chunks only after the conversations, as before: a fenced conversation
 * store then stops a worker that lost its lease before it writes any chunk.
 */
async function writeRecords(
  {
    conversationSink,
    chunkSink,
    factSink,
  }: Pick<RunnerContext, "conversationSink" | "chunkSink" | "factSink">,
  lease: Lease,
  result: UnitResult,
): Promise<void> {
  const conversations = async () => {
    if (result.conversations && result.conversations.length > 0) {
      await conversationSink.upsert(lease, result.conversations);
    }
  };
  const chunks = async () => {
    if (!result.chunks || result.chunks.length === 0) return;
    if (isChunkStore(chunkSink)) await chunkSink.upsert(lease, result.chunks);
    else await chunkSink.upsert(lease.tenant, result.chunks);
  };
  if (isChunkStore(chunkSink) && chunkSink.fenced) {
    await settleAll([conversations(), chunks()]);
  } else {
    await conversations();
    await chunks();
  }
  if (result.facts && result.facts.length > 0) {
    if (!factSink) {
      throw new JobConfigurationError(
        "MISSING_STORE",
        "a stage returned facts, but neither the runner's sink nor its store has a FactStore (facts).",
      );
    }
    await factSink.upsert(lease, result.facts);
    await factSink.updateMembership(lease, { addToLibrary: result.facts.map((f) => f.id) });
  }
}
