import { describe, expect, it } from "vitest";
import type { Chunk } from "../chunk/chunk.js";
import type { Conversation } from "../export/conversation.js";
import type { ChunkSink } from "../ports/chunk-store.js";
import type { ConversationStore } from "../ports/conversation-store.js";
import type { Lease } from "../ports/lease.js";
import type { UnitResult } from "./pipeline.js";
import { writeOutputs } from "./write-outputs.js";

const lease: Lease = { tenant: "t", jobId: "j", epoch: 1, workerId: "w", expiresAt: Date.now() + 60_000 };

/** A write the test finishes by hand, and what the sinks were asked, in order. */
function gate() {
  let open!: () => void;
  let fail!: (error: Error) => void;
  const done = new Promise<void>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { done, open, fail };
}

function sinks(conversationWrite: Promise<void>, chunkWrite: Promise<void>) {
  const log: string[] = [];
  const conversationSink = {
    upsert: async () => {
      log.push("conversations: start");
      await conversationWrite.finally(() => log.push("conversations: end"));
    },
  } as unknown as ConversationStore;
  const chunkSink: ChunkSink = {
    upsert: async () => {
      log.push("chunks: start");
      await chunkWrite.finally(() => log.push("chunks: end"));
    },
  };
  return { log, context: { conversationSink, chunkSink, factSink: undefined, librarySink: undefined } };
}

const unit = {
  conversations: [{ id: "c1" } as Conversation],
  chunks: [{ id: "k1" } as Chunk],
} as unknown as UnitResult;

describe("writeOutputs", () => {
  it("writes a unit's conversations and chunks side by side", async () => {
    const conversations = gate();
    const chunks = gate();
    const { log, context } = sinks(conversations.done, chunks.done);
    const written = writeOutputs(context, lease, unit);
    await new Promise((resolve) => setImmediate(resolve));
    expect(log).toEqual(["conversations: start", "chunks: start"]);
    chunks.open();
    conversations.open();
    await written;
    expect(log.slice(2).sort()).toEqual(["chunks: end", "conversations: end"]);
  });

  it("throws a failed write only once the other has settled: nothing is still writing", async () => {
    const conversations = gate();
    const chunks = gate();
    const { log, context } = sinks(conversations.done, chunks.done);
    const written = writeOutputs(context, lease, unit);
    let settled = false;
    written
      .catch(() => {})
      .finally(() => {
        settled = true;
      });
    await new Promise((resolve) => setImmediate(resolve));
    chunks.fail(new Error("chunks failed"));
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    conversations.open();
    await expect(written).rejects.toThrow("chunks failed");
    expect(log).toContain("conversations: end");
  });
});
