import type { ChunkSink, ChunkStore } from "../ports/chunk-store.js";
import { JobConfigurationError } from "../errors/job-configuration-error.js";
import type { Lease } from "../ports/lease.js";
import type { UnitResult } from "./pipeline.js";
import type { RunnerContext } from "./runner-options.js";

/** A `ChunkStore` (fenced, with membership) rather than a user's own `ChunkSink`. */
export const isChunkStore = (sink: ChunkStore | ChunkSink): sink is ChunkStore =>
  typeof (sink as ChunkStore).list === "function" && typeof (sink as ChunkStore).fenced === "boolean";

/** Writes a unit's conversations, chunks and facts to the runner's sinks, before its checkpoint advances. */
export async function writeOutputs(
  context: Pick<RunnerContext, "conversationSink" | "chunkSink" | "factSink">,
  lease: Lease,
  result: UnitResult,
): Promise<void> {
  const { conversationSink, chunkSink, factSink } = context;
  if (result.conversations && result.conversations.length > 0) {
    await conversationSink.upsert(lease, result.conversations);
  }
  if (result.chunks && result.chunks.length > 0) {
    if (isChunkStore(chunkSink)) await chunkSink.upsert(lease, result.chunks);
    else await chunkSink.upsert(lease.tenant, result.chunks);
  }
  if (result.facts && result.facts.length > 0) {
    if (!factSink) {
      throw new JobConfigurationError(
        "MISSING_STORE",
        "a stage returned facts, but neither the runner's sink nor its store has a FactStore (facts).",
      );
    }
    await factSink.upsert(lease, result.facts);
  }
}
