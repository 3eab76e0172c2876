import { afterEach, describe, expect, it } from "vitest";
import { conversation, msg, prose } from "../chunk/chunk-test-helpers.js";
import { createChunker } from "../chunk/chunker.js";
import { type ChunkerPool, createChunkerPool } from "./chunker-pool.js";

let pool: ChunkerPool | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

describe("createChunkerPool", () => {
  it("returns the same chunks as the single-threaded chunker, dates still Dates, branches included", async () => {
    const options = {
      maxTokens: 120,
      overlapTokens: 12,
      format: { label: (r: string) => `[${r}] `, separator: "\n" },
    };
    pool = createChunkerPool({ threads: 2, ...options });
    const convs = Array.from({ length: 6 }, (_, i) =>
      conversation([prose(300 + i * 50, i), prose(200, i + 10), "日本語 😀 <|endoftext|>"], {
        id: `conv-${i}`,
        branches: [{ id: `b${i}`, forkMessageId: "m0", messages: [msg(9, prose(150, i + 20), "assistant")] }],
      }),
    );
    const chunker = createChunker(options);
    const results = await Promise.all(convs.map((c) => pool!.chunk(c)));
    for (const [i, c] of convs.entries()) {
      const expected = [...chunker.chunk(c)];
      expect(results[i]).toEqual(expected);
      expect(results[i]!.some((ch) => ch.branchId === `b${i}`)).toBe(true);
      expect(results[i]![0]!.startAt).toBeInstanceOf(Date);
    }
  });

  it("rejects with the chunker's error for a bad conversation and keeps working", async () => {
    pool = createChunkerPool({ threads: 1 });
    await expect(pool.chunk({ id: "x", messages: null as never })).rejects.toThrow(TypeError);
    const chunks = await pool.chunk(conversation(["still alive"]));
    expect(chunks[0]!.text).toBe("User: still alive");
  });

  it("rejects, rather than return wrong texts, when the conversation changes while it is chunked", async () => {
    pool = createChunkerPool({ threads: 1 });
    const conv = conversation([prose(200, 1)]);
    const pending = pool.chunk(conv);
    conv.messages.push(msg(1, "added afterwards"));
    await expect(pending).rejects.toThrow(/changed while/);
  });

  it("rejects calls after close, and close is idempotent", async () => {
    pool = createChunkerPool({ threads: 1 });
    await pool.chunk(conversation(["warm up"]));
    await pool.close();
    await pool.close();
    await expect(pool.chunk(conversation(["late"]))).rejects.toThrow(/closed/);
  });

  it("validates its options where the caller can see the error", () => {
    expect(() => createChunkerPool({ threads: 0 })).toThrow(RangeError);
    expect(() => createChunkerPool({ maxTokens: 2 })).toThrow(RangeError);
    expect(() => createChunkerPool({ tokenizer: { count: (t) => t.length } })).toThrow(/named tokenizer/);
  });
});
