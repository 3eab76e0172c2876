import { JobConfigurationError } from "../errors/job-configuration-error.js";
import type { Lease } from "../ports/lease.js";
import type { UnitResult } from "./pipeline.js";
import type { RunnerContext } from "./runner-options.js";
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
  const [held, written] = await Promise.allSettled([holds, writeRecords(context, lease, result)]);
  if (written.status === "rejected") throw written.reason;
  if (held.status === "rejected") throw held.reason;
  if (result.library && sinks) await writeLibrary(sinks, lease, result.library);
}

/**
 * The unit's conversations, chunks and facts. Conversations and chunks go at once (a store with
 * several connections writes them side by side); no reader sees either before the unit's library
 * changes, which follow.
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
  // Both settle before either's failure is thrown: a unit that fails has nothing still writing.
  const [c, k] = await Promise.allSettled([conversations(), chunks()]);
  if (c.status === "rejected") throw c.reason;
  if (k.status === "rejected") throw k.reason;
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
