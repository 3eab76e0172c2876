import { describe, expect, it } from "vitest";
import type { Chunk } from "../chunk/chunk.js";
import type { Conversation } from "../export/conversation.js";
import type { ChunkSink, ChunkStore } from "../ports/chunk-store.js";
import type { ConversationStore } from "../ports/conversation-store.js";
import type { Lease } from "../ports/lease.js";
import type { UnitResult } from "./pipeline.js";
import { writeOutputs } from "./write-outputs.js";

const lease: Lease = { tenant: "t", jobId: "j", epoch: 1, workerId: "w", expiresAt: Date.now() + 60_000 };
const tick = () => new Promise((resolve) => setImmediate(resolve));

/** A write the test finishes by hand. */
function gate() {
  let open!: () => void;
  let fail!: (error: Error) => void;
  const done = new Promise<void>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { done, open, fail };
}

/**
 * Sinks whose writes wait for the given promises, logging what they were asked in order. `fenced`
 * makes the chunk sink a fenced `ChunkStore` (a store of the adapters); otherwise it is a user's own
 * `ChunkSink`.
 */
function sinks(conversationWrite: Promise<void>, chunkWrite: Promise<void>, fenced: boolean) {
  const log: string[] = [];
  const conversationSink = {
    upsert: async () => {
      log.push("conversations: start");
      await conversationWrite.finally(() => log.push("conversations: end"));
    },
  } as unknown as ConversationStore;
  const upsert = async () => {
    log.push("chunks: start");
    await chunkWrite.finally(() => log.push("chunks: end"));
  };
  const chunkSink: ChunkSink | ChunkStore = fenced
    ? ({ upsert, list: async () => [], fenced: true } as unknown as ChunkStore)
    : { upsert };
  return { log, context: { conversationSink, chunkSink, factSink: undefined, librarySink: undefined } };
}

const unit = {
  conversations: [{ id: "c1" } as Conversation],
  chunks: [{ id: "k1" } as Chunk],
} as unknown as UnitResult;

describe("writeOutputs", () => {
  it("writes a unit's conversations and chunks side by side into a fenced chunk store", async () => {
    const conversations = gate();
    const chunks = gate();
    const { log, context } = sinks(conversations.done, chunks.done, true);
    const written = writeOutputs(context, lease, unit);
    await tick();
    expect(log).toEqual(["conversations: start", "chunks: start"]);
    chunks.open();
    conversations.open();
    await written;
    expect(log.slice(2).sort()).toEqual(["chunks: end", "conversations: end"]);
  });

  it("throws a failed write only once the other has settled: nothing is still writing", async () => {
    const conversations = gate();
    const chunks = gate();
    const { log, context } = sinks(conversations.done, chunks.done, true);
    const written = writeOutputs(context, lease, unit);
    let settled = false;
    written
      .catch(() => {})
      .finally(() => {
        settled = true;
      });
    await tick();
    chunks.fail(new Error("chunks failed"));
    await tick();
    expect(settled).toBe(false);
    conversations.open();
    await expect(written).rejects.toThrow("chunks failed");
    expect(log).toContain("conversations: end");
  });

  it("writes a user's own (unfenced) chunk sink only after the conversations, and not at all when they fail", async () => {
    const conversations = gate();
    const { log, context } = sinks(conversations.done, Promise.resolve(), false);
    const written = writeOutputs(context, lease, unit);
    await tick();
    expect(log).toEqual(["conversations: start"]);
    // The fenced conversation store refuses a worker that lost its lease.
    conversations.fail(new Error("lease lost"));
    await expect(written).rejects.toThrow("lease lost");
    expect(log).toEqual(["conversations: start", "conversations: end"]);

    const second = sinks(Promise.resolve(), Promise.resolve(), false);
    await writeOutputs(second.context, lease, unit);
    expect(second.log).toEqual([
      "conversations: start",
      "conversations: end",
      "chunks: start",
      "chunks: end",
    ]);
  });
});
