import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { generateExport } from "@threadmill/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { conversation, msg, prose } from "../../test/support/chunk-test-helpers.js";
import { createChunker } from "../chunk/chunker.js";
import type { Conversation } from "../export/conversation.js";
import { type ChunkerPool, chunkerPoolStats, createChunkerPool } from "./chunker-pool.js";
import { readExport } from "./read-export.js";

type Conv = Pick<Conversation, "id" | "messages" | "branches">;

/** What the chunk benchmark's prose case reads: Vim's help files when installed, else synthetic prose. */
function proseText(chars: number): string {
  const dir = "/usr/share/vim/vim90/doc";
  const parts: string[] = [];
  let size = 0;
  if (existsSync(dir)) {
    for (const name of readdirSync(dir).sort()) {
      if (!name.endsWith(".txt") || size >= chars) continue;
      const text = readFileSync(join(dir, name), "utf8");
      parts.push(text);
      size += text.length;
    }
  }
  for (let seed = 1; size < chars; seed++) {
    const text = prose(4000, seed);
    parts.push(text);
    size += text.length;
  }
  return parts.join("\n\n").slice(0, chars);
}

async function exportConversations(seed: number, extra: object): Promise<Conv[]> {
  const parts: Uint8Array[] = [];
  for await (const part of generateExport({
    format: "chatgpt-json",
    seed,
    branches: 0.3,
    ...extra,
  }).bytes()) {
    parts.push(part);
  }
  const out: Conv[] = [];
  for await (const c of readExport(Buffer.concat(parts), { branches: "all", onIssue: () => {} })) out.push(c);
  return out;
}

/** Chunks every conversation with the pool and with one chunker and expects the very same chunks. */
async function expectSameAsOneThread(
  convs: readonly Conv[],
  options: { maxTokens?: number; overlapTokens?: number; spanChars?: number },
): Promise<void> {
  const single = createChunker(options);
  const results = await Promise.all(convs.map((c) => pool!.chunk(c)));
  for (const [i, c] of convs.entries()) {
    const expected = [...single.chunk(c)];
    expect(results[i]!.length).toBe(expected.length);
    expect(results[i]).toEqual(expected);
  }
}

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

  it("batches calls that queue up while the threads are busy into few messages, with the same chunks", async () => {
    pool = createChunkerPool({ threads: 1, maxTokens: 64, overlapTokens: 8 });
    const convs = Array.from({ length: 200 }, (_, i) =>
      conversation([prose(5 + (i % 7) * 40, i), i % 3 === 0 ? "" : prose(20, i + 1)], { id: `c${i}` }),
    );
    const results = await Promise.all(convs.map((c) => pool!.chunk(c)));
    const chunker = createChunker({ maxTokens: 64, overlapTokens: 8 });
    for (const [i, c] of convs.entries()) expect(results[i]).toEqual([...chunker.chunk(c)]);
    // Two messages go out at once (the one a thread chunks and the next), the other 198 calls queue
    // and leave in batches of up to 64 calls or 64 K characters.
    const { messages } = chunkerPoolStats(pool);
    expect(messages).toBeGreaterThanOrEqual(2 + Math.ceil(198 / 64));
    expect(messages).toBeLessThanOrEqual(12);
  });

  it("its threads share one piece memo: a word counted on one thread is not counted again on the other", async () => {
    pool = createChunkerPool({ threads: 2, maxTokens: 64, overlapTokens: 8 });
    // 3,000 made-up words (each a piece the tokenizer has to count), spread over 40 conversations.
    const letters = (n: number): string =>
      (n < 26 ? "" : letters(Math.floor(n / 26))) + "abcdefghijklmnopqrstuvwxyz"[n % 26];
    const words = Array.from({ length: 3000 }, (_, i) => ` zq${letters(i * 7919)}v`);
    const convs = Array.from({ length: 40 }, (_, i) =>
      conversation([words.slice(i * 75, i * 75 + 75).join("")], { id: `w${i}` }),
    );
    await Promise.all(convs.map((c) => pool!.chunk(c)));
    const learned = chunkerPoolStats(pool).sharedPieces;
    expect(learned).toBeGreaterThanOrEqual(3000);
    // Again, the conversations reversed (so most land on the other thread): all found, none added.
    const again = await Promise.all([...convs].reverse().map((c) => pool!.chunk(c)));
    expect(chunkerPoolStats(pool).sharedPieces).toBe(learned);
    const chunker = createChunker({ maxTokens: 64, overlapTokens: 8 });
    expect(again.reverse()).toEqual(convs.map((c) => [...chunker.chunk(c)]));
  });

  it("rejects with the chunker's error for a bad conversation and keeps working", async () => {
    pool = createChunkerPool({ threads: 1 });
    await expect(pool.chunk({ id: "x", messages: null as never })).rejects.toThrow(TypeError);
    const chunks = await pool.chunk(conversation(["still alive"]));
    expect(chunks[0]!.text).toBe("User: still alive");
  });

  it("chunks the conversation as it was when chunk() was called, even if it changes meanwhile", async () => {
    pool = createChunkerPool({ threads: 1 });
    const conv = conversation([prose(200, 1)]);
    const expected = [...createChunker().chunk(conv)];
    const pending = pool.chunk(conv);
    conv.messages.push(msg(1, "added afterwards"));
    (conv.messages[0] as { text: string }).text = "changed afterwards";
    expect(await pending).toEqual(expected);
  });

  it("sends workers the formatted texts, not the conversation: messages may hold what cannot be cloned", async () => {
    pool = createChunkerPool({ threads: 1 });
    const conv = conversation([prose(300, 3), prose(200, 4)]);
    (conv.messages[0] as { attachments: unknown[] }).attachments = [{ open: () => "not cloneable" }];
    expect(await pool.chunk(conv)).toEqual([...createChunker().chunk(conv)]);
  });

  it("close rejects the calls still waiting for a thread, not only those a thread holds", async () => {
    pool = createChunkerPool({ threads: 1 });
    const calls = Array.from({ length: 8 }, (_, i) => pool!.chunk(conversation([prose(2000, i)])));
    const settled = Promise.allSettled(calls);
    await pool.close();
    const results = await settled;
    expect(results.every((r) => r.status === "rejected")).toBe(true);
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

  it("chunks a huge prose conversation (one 1 MB message, and 400 messages) in stretches on both threads: the same chunks as one thread", async () => {
    const text = proseText(1_000_000);
    const oneMessage: Conv = { id: "prose-one", messages: [msg(0, text)] };
    const paragraphs = text.split(/\n{2,}/);
    const perMessage = Math.ceil(paragraphs.length / 400);
    const manyMessages: Conv = {
      id: "prose-many",
      messages: Array.from({ length: 400 }, (_, i) =>
        msg(i, paragraphs.slice(i * perMessage, (i + 1) * perMessage).join("\n\n")),
      ),
    };
    for (const [maxTokens, overlapTokens] of [
      [512, 64],
      [48, 8],
    ] as const) {
      pool = createChunkerPool({ threads: 2, maxTokens, overlapTokens, spanChars: 32_768 });
      await expectSameAsOneThread([oneMessage, manyMessages], { maxTokens, overlapTokens });
      const stats = chunkerPoolStats(pool);
      expect(stats.paths).toBe(2);
      expect(stats.stretches).toBeGreaterThan(40);
      expect(stats.fallbacks).toBe(0);
      await pool.close();
    }
  });

  it("chunks generated exports with a huge conversation, 1,000-turn ones and branches like one thread", async () => {
    const convs = await exportConversations(7, {
      conversations: 12,
      hugeConversationBytes: 600_000,
      longConversations: 1,
    });
    const options = { maxTokens: 200, overlapTokens: 24, spanChars: 16_384 };
    pool = createChunkerPool({ threads: 2, ...options });
    await expectSameAsOneThread(convs, options);
    const stats = chunkerPoolStats(pool);
    expect(stats.stretches).toBeGreaterThan(20);
    expect(stats.fallbacks).toBe(0);
  });

  it("joins stretches of hostile text (CJK, RTL, emoji, a 100 KB word, lone surrogates, NUL, CRLF) exactly", async () => {
    const pieces = [
      "日本語のテキストです。これは文です。\n",
      "שלום עולם, זה טקסט.\n",
      "emoji 👩‍👩‍👧‍👦 🏳️‍🌈 e\u0301 \ud83d lone \u0000 nul <|endoftext|>\r\n",
      `${"x".repeat(100_000)}\n`,
      "Line 42 starts with a letter.\n",
      "9 starts with a digit\n",
    ];
    const messages = Array.from({ length: 60 }, (_, i) =>
      msg(i, pieces.map((p, k) => (k === 3 && i % 20 !== 0 ? "" : p)).join(prose(300, i))),
    );
    pool = createChunkerPool({ threads: 2, maxTokens: 64, overlapTokens: 8, spanChars: 8_192 });
    await expectSameAsOneThread([{ id: "hostile", messages }], { maxTokens: 64, overlapTokens: 8 });
    expect(chunkerPoolStats(pool).stretches).toBeGreaterThan(20);
  });

  it("continues a stretch to the end, with the same chunks, when it meets no later one", async () => {
    // Identical words give every cut the same rank: runs started at different places stay apart.
    const words = Array.from({ length: 40 }, () => "word ".repeat(2_000).trimEnd()).join("\nword ");
    pool = createChunkerPool({ threads: 2, maxTokens: 48, overlapTokens: 8, spanChars: 4_096 });
    await expectSameAsOneThread([{ id: "uniform", messages: [msg(0, words)] }], {
      maxTokens: 48,
      overlapTokens: 8,
    });
    const stats = chunkerPoolStats(pool);
    expect(stats.stretches).toBeGreaterThan(20);
    expect(stats.continuations).toBeGreaterThan(0);
    expect(stats.fallbacks).toBe(0);
  });

  it("rejects a bad spanChars", () => {
    expect(() => createChunkerPool({ spanChars: 10 })).toThrow(RangeError);
    expect(() => createChunkerPool({ spanChars: Number.NaN })).toThrow(RangeError);
  });
});
