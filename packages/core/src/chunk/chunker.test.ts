import { describe, expect, it } from "vitest";
import { contentHash } from "../util/hash.js";
import type { Chunk } from "./chunk.js";
import { conversation, msg, oracleCount, prose, rejoin } from "../../test/support/chunk-test-helpers.js";
import { DEFAULT_CHUNK_FORMAT } from "./chunk-format.js";
import { createChunker } from "./chunker.js";
import { chunkerPrimerRuns, primerConversations } from "./primer.js";
import { createTokenCounter } from "./token-counter.js";
import { CLAUDE_TOKEN_FACTOR } from "./tokenizer-option.js";

/** Every invariant the design promises for one path's chunks. */
function checkPath(
  chunks: readonly Chunk[],
  formatted: string,
  maxTokens: number,
  overlapTokens: number,
  count: (text: string) => number = (t) => oracleCount(t),
): void {
  expect(rejoin(chunks)).toBe(formatted);
  chunks.forEach((chunk, i) => {
    expect(chunk.index).toBe(i);
    const tokens = count(chunk.text);
    expect(tokens).toBe(chunk.tokens);
    expect(tokens).toBeLessThanOrEqual(maxTokens);
    expect(count(chunk.text.slice(0, chunk.overlap))).toBeLessThanOrEqual(overlapTokens);
    expect(chunk.text.length).toBeGreaterThan(chunk.overlap);
    if (i === 0) expect(chunk.overlap).toBe(0);
    else expect(chunks[i - 1]!.text.endsWith(chunk.text.slice(0, chunk.overlap))).toBe(true);
  });
}

describe("createChunker", () => {
  it("uses the design's defaults: 512 tokens, 64 overlap, o200k_base, User:/Assistant: labels and a blank line", () => {
    const conv = conversation([prose(900, 1), prose(900, 2), prose(40, 3)]);
    const chunker = createChunker();
    const formatted = chunker.format(conv.messages);
    expect(
      formatted.startsWith(`User: ${conv.messages[0]!.text}\n\nAssistant: ${conv.messages[1]!.text}`),
    ).toBe(true);
    const chunks = [...chunker.chunk(conv)];
    expect(chunks.length).toBeGreaterThan(3);
    checkPath(chunks, formatted, 512, 64);
    expect(chunks.some((c) => c.overlap > 0)).toBe(true);
    expect(DEFAULT_CHUNK_FORMAT.label("user")).toBe("User: ");
    expect(DEFAULT_CHUNK_FORMAT.label("assistant")).toBe("Assistant: ");
    expect(DEFAULT_CHUNK_FORMAT.separator).toBe("\n\n");
  });

  it("seed 004: chunks are not undersized: every chunk but the last is more than half full, cut at sentence, line or message ends", () => {
    const conv = conversation(Array.from({ length: 12 }, (_, i) => prose(150 + 90 * i, i + 1)));
    const chunks = [...createChunker({ maxTokens: 256, overlapTokens: 32 }).chunk(conv)];
    const inner = chunks.slice(0, -1);
    expect(inner.every((c) => c.tokens > 128)).toBe(true);
    // Each slice (without overlap) ends at a sentence end, a line end or the end of a message.
    for (const c of inner) expect(c.text).toMatch(/(\.|\.\s+|\n)$/);
  });

  it("seed 002: a re-run writes the same ids (no duplicate chunks): ids hash conversation id, branch id, index and text", () => {
    const conv = conversation([prose(600), prose(600, 5)]);
    const a = [...createChunker({ maxTokens: 200, overlapTokens: 20 }).chunk(conv)];
    const b = [...createChunker({ maxTokens: 200, overlapTokens: 20 }).chunk(conv)];
    expect(b).toEqual(a);
    for (const c of a) expect(c.id).toBe(contentHash(c.conversationId, c.branchId, c.index, c.text));
    expect(new Set(a.map((c) => c.id)).size).toBe(a.length);
  });

  it("one chunker chunks several conversations at once, and after one left unfinished, as it does them one by one", () => {
    const a = conversation([prose(3000, 1), prose(800, 2)], { id: "a" });
    const b = conversation([prose(2500, 3)], { id: "b" });
    const c = conversation([prose(1200, 4), "short"], { id: "c" });
    const expected = (conv: typeof a) => [...createChunker({ maxTokens: 64, overlapTokens: 8 }).chunk(conv)];
    const chunker = createChunker({ maxTokens: 64, overlapTokens: 8 });
    expect([...chunker.chunk(c)]).toEqual(expected(c)); // leaves a spare window behind
    // Interleaved: each path's generator holds its own window while the other runs.
    const ia = chunker.chunk(a)[Symbol.iterator]();
    const ib = chunker.chunk(b)[Symbol.iterator]();
    const got: { a: Chunk[]; b: Chunk[] } = { a: [], b: [] };
    for (let done = 0; done < 2; ) {
      done = 0;
      const na = ia.next();
      if (na.done) done++;
      else got.a.push(na.value);
      const nb = ib.next();
      if (nb.done) done++;
      else got.b.push(nb.value);
    }
    expect(got.a).toEqual(expected(a));
    expect(got.b).toEqual(expected(b));
    // Left after two chunks (its window goes back), then another conversation, then all of it again.
    let taken = 0;
    for (const _ of chunker.chunk(a)) if (++taken === 2) break;
    expect([...chunker.chunk(c)]).toEqual(expected(c));
    expect([...chunker.chunk(a)]).toEqual(expected(a));
  });

  it("keeps two identical chunks of one conversation as two chunks with different ids", () => {
    const same = prose(300, 9);
    const conv = conversation([same, same, same, same]);
    const chunks = [...createChunker({ maxTokens: 400, overlapTokens: 0 }).chunk(conv)];
    const texts = chunks.map((c) => c.text);
    const dupes = texts.filter((t, i) => texts.indexOf(t) !== i);
    expect(dupes.length).toBeGreaterThan(0);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(chunks.length);
  });

  it("seed 004: no branch is dropped: the active path (branchId null), then every branch with its id, indexes restarting", () => {
    const conv = conversation([prose(300, 1), prose(300, 2)], {
      branches: [
        { id: "b1", forkMessageId: "m0", messages: [msg(10, prose(500, 3), "assistant")] },
        { id: "b2", forkMessageId: null, messages: [msg(11, "Edited question?", "user"), msg(12, "Short.")] },
      ],
    });
    const chunker = createChunker({ maxTokens: 128, overlapTokens: 16 });
    const chunks = [...chunker.chunk(conv)];
    const paths = [null, "b1", "b2"];
    expect([...new Set(chunks.map((c) => c.branchId))]).toEqual(paths);
    for (const [i, branchId] of paths.entries()) {
      const own = chunks.filter((c) => c.branchId === branchId);
      const messages = i === 0 ? conv.messages : conv.branches![i - 1]!.messages;
      checkPath(own, chunker.format(messages), 128, 16);
    }
    // chunkPath gives one path alone, the same chunks.
    const b1 = [
      ...chunker.chunkPath({
        conversationId: conv.id,
        branchId: "b1",
        messages: conv.branches![0]!.messages,
      }),
    ];
    expect(b1).toEqual(chunks.filter((c) => c.branchId === "b1"));
  });

  it("fills messageIds, startAt and endAt from the messages a chunk holds (overlap included)", () => {
    const times = [new Date("2025-01-01T00:00:00Z"), null, new Date("2025-01-03T00:00:00Z")];
    const conv = conversation([], {
      messages: [
        msg(0, "Hi there.", "user", times[0]),
        msg(1, prose(400, 4), "assistant", times[1]),
        msg(2, "Thanks!", "user", times[2]),
      ],
    });
    const chunks = [...createChunker({ maxTokens: 120, overlapTokens: 30 }).chunk(conv)];
    expect(chunks[0]!.messageIds).toEqual(["m0", "m1"]);
    expect(chunks[0]!.startAt).toEqual(times[0]);
    expect(chunks[0]!.endAt).toEqual(times[0]);
    const last = chunks.at(-1)!;
    expect(last.messageIds.at(-1)).toBe("m2");
    expect(last.endAt).toEqual(times[2]);
    for (const c of chunks.slice(1, -1)) {
      expect(c.messageIds).toEqual(["m1"]);
      expect(c.startAt).toBeNull();
    }
  });

  it("seed 002: never truncates a long message: it is split across chunks and no text is dropped", () => {
    const long = prose(3000, 7);
    const conv = conversation([long]);
    const chunker = createChunker({ maxTokens: 100, overlapTokens: 10 });
    const chunks = [...chunker.chunk(conv)];
    expect(chunks.length).toBeGreaterThan(20);
    checkPath(chunks, `User: ${long}`, 100, 10);
  });

  it("seed 004: counts real tokens instead of len / 4, so dense text never overflows", () => {
    // CJK and emoji run far above len / 4 tokens; an estimate would let these chunks overflow.
    const dense = "日本語のテキストとemoji 🎉👩‍👩‍👧🇫🇷 が混在しています。".repeat(80);
    expect(oracleCount(dense)).toBeGreaterThan(dense.length / 4);
    const conv = conversation([dense, dense]);
    const chunker = createChunker({ maxTokens: 64, overlapTokens: 8 });
    const chunks = [...chunker.chunk(conv)];
    checkPath(chunks, chunker.format(conv.messages), 64, 8);
  });

  it("treats special-token strings as plain text and never throws on them", () => {
    const text = `Before <|endoftext|> middle <|im_start|>system<|im_end|> after. `.repeat(30);
    const conv = conversation([text]);
    const chunker = createChunker({ maxTokens: 40, overlapTokens: 5 });
    const chunks = [...chunker.chunk(conv)];
    checkPath(chunks, chunker.format(conv.messages), 40, 5);
    expect(createTokenCounter().count("<|endoftext|>")).toBe(oracleCount("<|endoftext|>"));
  });

  it("never cuts inside a surrogate pair or a grapheme cluster, and keeps lone surrogates and NUL", () => {
    const family = "👩‍👩‍👧‍👦";
    const text = `${"e\u0301".repeat(50)} ${family.repeat(40)} \ud800 lone \udfff and \u0000 NUL. ${"🇯🇵🇫🇷".repeat(30)} ${"1\ufe0f\u20e3".repeat(30)} עברית וערבית العربية`;
    const conv = conversation([text, text]);
    const chunker = createChunker({ maxTokens: 16, overlapTokens: 4 });
    const chunks = [...chunker.chunk(conv)];
    const formatted = chunker.format(conv.messages);
    checkPath(chunks, formatted, 16, 4);
    const segmenter = new Intl.Segmenter("und", { granularity: "grapheme" });
    const boundaries = new Set([...segmenter.segment(formatted)].map((s) => s.index));
    let at = 0;
    for (const c of chunks) {
      at += c.text.length - c.overlap;
      if (at < formatted.length) expect(boundaries.has(at)).toBe(true);
      expect(boundaries.has(at - c.text.length)).toBe(true);
    }
  });

  it("splits a 100 KB word with no spaces at grapheme boundaries, within the limit", () => {
    let s = 7;
    const letters = "abcdefghijklmnopqrstuvwxyzé";
    const word = Array.from({ length: 100_000 }, () => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return letters[s % letters.length];
    }).join("");
    const conv = conversation([word]);
    const chunker = createChunker();
    const chunks = [...chunker.chunk(conv)];
    checkPath(chunks, `User: ${word}`, 512, 64);
  });

  it("splits a grapheme cluster bigger than a chunk between code points, as a last resort", () => {
    const zalgo = `a${"\u0301\u0302\u0303".repeat(200)}`;
    const conv = conversation([zalgo]);
    const chunker = createChunker({ maxTokens: 16, overlapTokens: 0 });
    const chunks = [...chunker.chunk(conv)];
    checkPath(chunks, `User: ${zalgo}`, 16, 0);
  });

  it("honours a custom format; labels count toward maxTokens", () => {
    const format = {
      label: (role: "user" | "assistant") => (role === "user" ? "### Human\n" : "### AI\n"),
      separator: "\n---\n",
    };
    const conv = conversation([prose(200, 1), prose(200, 2), prose(200, 3)]);
    const chunker = createChunker({ maxTokens: 60, overlapTokens: 10, format });
    const chunks = [...chunker.chunk(conv)];
    const formatted = chunker.format(conv.messages);
    expect(formatted).toBe(conv.messages.map((m) => format.label(m.role) + m.text).join("\n---\n"));
    checkPath(chunks, formatted, 60, 10);
  });

  it("supports cl100k_base, the claude estimate and a custom counter", () => {
    const conv = conversation([prose(500, 1), "Ünïcödé ✓ 中文 " + prose(300, 2)]);
    const cl = createChunker({ maxTokens: 80, overlapTokens: 8, tokenizer: "cl100k_base" });
    checkPath([...cl.chunk(conv)], cl.format(conv.messages), 80, 8, (t) => oracleCount(t, "cl100k_base"));

    const claude = createChunker({ maxTokens: 80, overlapTokens: 8, tokenizer: "claude" });
    const claudeCount = (t: string) => Math.ceil(oracleCount(t) * CLAUDE_TOKEN_FACTOR);
    checkPath([...claude.chunk(conv)], claude.format(conv.messages), 80, 8, claudeCount);
    expect(createTokenCounter("claude").count("hello world")).toBe(claudeCount("hello world"));

    const chars = { count: (t: string) => [...t].length };
    const custom = createChunker({ maxTokens: 50, overlapTokens: 10, tokenizer: chars });
    checkPath([...custom.chunk(conv)], custom.format(conv.messages), 50, 10, chars.count);
  });

  it("handles empty conversations and empty messages", () => {
    const chunker = createChunker();
    expect([...chunker.chunk(conversation([]))]).toEqual([]);
    const chunks = [...chunker.chunk(conversation(["", ""]))];
    expect(chunks).toHaveLength(1);
    expect(chunks[0]!.text).toBe("User: \n\nAssistant: ");
    expect(chunks[0]!.messageIds).toEqual(["m0", "m1"]);
    const bare = createChunker({ format: { label: () => "", separator: "" } });
    expect([...bare.chunk(conversation(["", ""]))]).toEqual([]);
  });

  it("is lazy: pulling the first chunk does not chunk the rest", () => {
    const conv = conversation([prose(20_000, 3)]);
    const chunker = createChunker({ maxTokens: 64, overlapTokens: 0 });
    const first = chunker.chunk(conv)[Symbol.iterator]().next();
    expect(first.done).toBe(false);
    expect(chunker.stats().chunks).toBe(1);
  });

  it("tokenizes each character about once (amplification <= 1.1 with overlap)", () => {
    const conv = conversation(Array.from({ length: 20 }, (_, i) => prose(400, i)));
    const chunker = createChunker();
    const chunks = [...chunker.chunk(conv)];
    expect(chunks.length).toBeGreaterThan(10);
    const { textChars, tokenizedChars } = chunker.stats();
    expect(tokenizedChars / textChars).toBeLessThanOrEqual(1.1);
  });

  it("primes its thread once per named tokenizer before the first path, never for a custom counter, outside the caller's stats", () => {
    const conv = conversation([prose(300, 7), prose(200, 8)]);
    const first = createChunker({ tokenizer: "claude" });
    [...first.chunk(conv)];
    const runs = chunkerPrimerRuns();
    expect(runs).toBeGreaterThanOrEqual(1);
    // The caller's chunker counts only its own text (the primer's chunkers have their own stats).
    expect(first.stats().textChars).toBe(first.format(conv.messages).length);
    [...createChunker({ tokenizer: "claude", maxTokens: 100, overlapTokens: 10 }).chunk(conv)];
    [...createChunker({ tokenizer: { count: (t) => Math.ceil(t.length / 3) } }).chunk(conv)];
    expect(chunkerPrimerRuns()).toBe(runs);
  });

  it("the primer (every kind of text, huge words, text ending on each kind of character) chunks within every invariant", () => {
    for (const encoding of ["o200k_base", "cl100k_base"] as const) {
      for (const [maxTokens, overlapTokens] of [
        [64, 8],
        [512, 64],
      ] as const) {
        const chunker = createChunker({ tokenizer: encoding, maxTokens, overlapTokens });
        for (const conv of primerConversations()) {
          const chunks = [...chunker.chunk(conv)];
          const paths = [{ id: null, messages: conv.messages }, ...(conv.branches ?? [])];
          for (const path of paths) {
            checkPath(
              chunks.filter((c) => c.branchId === path.id),
              chunker.format(path.messages),
              maxTokens,
              overlapTokens,
              (t) => oracleCount(t, encoding),
            );
          }
        }
      }
    }
  });

  it("rejects bad options with a clear error", () => {
    expect(() => createChunker({ maxTokens: 4 })).toThrow(RangeError);
    expect(() => createChunker({ maxTokens: 100, overlapTokens: 100 })).toThrow(/overlapTokens/);
    expect(() => createChunker({ overlapTokens: -1 })).toThrow(RangeError);
    expect(() => createChunker({ maxTokens: 10.5 })).toThrow(RangeError);
    expect(() => createChunker({ tokenizer: "gpt2" as never })).toThrow(/unknown tokenizer/);
    const negative = createChunker({ tokenizer: { count: () => -1 } });
    expect(() => [...negative.chunk(conversation(["hi"]))]).toThrow(/non-negative integer/);
    const huge = createChunker({
      maxTokens: 8,
      overlapTokens: 0,
      tokenizer: { count: (t) => t.length * 100 },
    });
    expect(() => [...huge.chunk(conversation(["hi"]))]).toThrow(/raise maxTokens/);
  });
});
