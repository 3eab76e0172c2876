import type { Adapter } from "@threadmill/core";
import {
  createAndClaim,
  progressEvent,
  sampleChunk,
  sampleConversation,
  sampleFact,
  sampleLibraryVersion,
  spec,
  uniqueTenant,
} from "../conformance-context.js";

/**
 * A victim tenant holding a running job (with a checkpoint, an event, a conversation, chunks and,
 * when the adapter has them, facts and library versions; all of them in the tenant's library), a
 * queued job with idempotency and singleton keys, and a failed job.
 */
export async function seedVictim(adapter: Adapter) {
  const victim = uniqueTenant("victim");
  const running = await createAndClaim(adapter, victim, 60_000);
  await adapter.checkpoints.save(running.lease, {
    stage: "import",
    cursors: { import: 7 },
    completed: [],
    counts: { chunks: 1 },
  });
  await adapter.events.append(running.lease, progressEvent(running.lease, 1));
  await adapter.conversations.upsert(running.lease, [sampleConversation("conv-1")]);
  await adapter.chunks.upsert(running.lease, [sampleChunk("chunk-1"), sampleChunk("chunk-2", 1)]);
  await adapter.facts?.upsert(running.lease, [sampleFact("fact-1"), sampleFact("fact-2", 1)]);
  await adapter.library?.upsert(running.lease, [sampleLibraryVersion("version-1")]);
  const library = { addToLibrary: ["conv-1", "chunk-1", "chunk-2", "fact-1", "fact-2", "version-1"] };
  for (const store of [adapter.conversations, adapter.chunks, adapter.facts, adapter.library]) {
    await store?.updateMembership(running.lease, library);
  }
  const { job: queued } = await adapter.jobs.create(
    spec(victim, {
      idempotencyKey: "victim-idem",
      singletonKey: "victim-single",
      runAt: Date.now() + 3_600_000,
    }),
  );
  const failedClaim = await createAndClaim(adapter, victim);
  await adapter.queue.deadLetter(failedClaim.lease, {
    code: "X",
    name: "X",
    message: "x",
    retriable: false,
  });
  const victimIds = [running.job.id, queued.id, failedClaim.job.id];
  return { victim, running, victimIds };
}
