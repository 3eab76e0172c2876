import type { ChunkSink, ChunkStore } from "../ports/chunk-store.js";
import type { Lease } from "../ports/lease.js";
import type { UnitResult } from "./pipeline.js";
import type { RunnerContext } from "./runner-options.js";

/** A `ChunkStore` (fenced, with membership) rather than a user's own `ChunkSink`. */
export const isChunkStore = (sink: ChunkStore | ChunkSink): sink is ChunkStore =>
  typeof (sink as ChunkStore).list === "function" && typeof (sink as ChunkStore).fenced === "boolean";

/** Writes a unit's conversations and chunks to the runner's sinks, before its checkpoint advances. */
export async function writeOutputs(
  context: Pick<RunnerContext, "conversationSink" | "chunkSink">,
  lease: Lease,
  result: UnitResult,
): Promise<void> {
  const { conversationSink, chunkSink } = context;
  if (result.conversations && result.conversations.length > 0) {
    await conversationSink.upsert(lease, result.conversations);
  }
  if (result.chunks && result.chunks.length > 0) {
    if (isChunkStore(chunkSink)) await chunkSink.upsert(lease, result.chunks);
    else await chunkSink.upsert(lease.tenant, result.chunks);
  }
}
