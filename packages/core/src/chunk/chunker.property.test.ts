import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Message } from "../export/conversation.js";
import { oracleCount, rejoin } from "../../test/support/chunk-test-helpers.js";
import { createChunker } from "./chunker.js";
import { createTokenCounter } from "./token-counter.js";

const HOSTILE = [
  "<|endoftext|>",
  "<|im_start|>",
  "\u0000",
  "\ufeff",
  "\ud83d",
  "\ude00",
  "😀",
  "👩‍👩‍👧‍👦",
  "🇫🇷",
  "e\u0301",
  "1\ufe0f\u20e3",
  "中文字符",
  "日本語。",
  "עברית",
  "العربية",
  "\r\n",
  "\n\n",
  "   ",
  "\t",
  "...",
  "don't",
  "12345678",
  "https://example.com/a/b?c=d",
];

const word = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom("the", "cat", "sat", "on", "a", "mat", "Hello", "world", "tokens", "chunk"),
  },
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE) },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom(" ", ". ", ".\n\n", "\n", ", ", "! ", "? ") },
);
const text = fc.array(word, { maxLength: 120 }).map((ws) => ws.join(fc.sample(fc.constant(" "), 1)[0]!));
const messages = fc.array(fc.tuple(fc.constantFrom<"user" | "assistant">("user", "assistant"), text), {
  minLength: 0,
  maxLength: 6,
});
const sizes = fc
  .tuple(fc.integer({ min: 8, max: 160 }), fc.double({ min: 0, max: 0.9, noNaN: true }))
  .map(([max, f]) => ({ maxTokens: max, overlapTokens: Math.min(max - 1, Math.floor(max * f * 0.5)) }));

const toMessages = (ms: [Message["role"], string][]): Message[] =>
  ms.map(([role, t], i) => ({ id: `m${i}`, role, text: t, createdAt: new Date(i * 1000), attachments: [] }));

describe("chunker properties", () => {
  it("every chunk is within maxTokens re-encoded, tokens are exact, slices rejoin to the formatted text, overlap is at most overlapTokens, output is deterministic", () => {
    fc.assert(
      fc.property(
        messages,
        sizes,
        fc.constantFrom("o200k_base", "cl100k_base") as fc.Arbitrary<"o200k_base" | "cl100k_base">,
        (ms, size, tokenizer) => {
          const conversation = { id: "c", messages: toMessages(ms) };
          const chunker = createChunker({ ...size, tokenizer });
          const chunks = [...chunker.chunk(conversation)];
          const formatted = chunker.format(conversation.messages);
          expect(rejoin(chunks)).toBe(formatted);
          for (const [i, c] of chunks.entries()) {
            const n = oracleCount(c.text, tokenizer);
            expect(n).toBe(c.tokens);
            expect(n).toBeLessThanOrEqual(size.maxTokens);
            expect(oracleCount(c.text.slice(0, c.overlap), tokenizer)).toBeLessThanOrEqual(
              size.overlapTokens,
            );
            expect(c.index).toBe(i);
            if (i > 0) expect(chunks[i - 1]!.text.endsWith(c.text.slice(0, c.overlap))).toBe(true);
            // Never inside a surrogate pair.
            const cut = c.text.charCodeAt(c.text.length - 1);
            const next = formatted.charCodeAt(rejoin(chunks.slice(0, i + 1)).length);
            expect(cut >= 0xd800 && cut <= 0xdbff && next >= 0xdc00 && next <= 0xdfff).toBe(false);
          }
          // Every message's label and text come back in order.
          const back = rejoin(chunks);
          let from = 0;
          for (const m of conversation.messages) {
            const at = back.indexOf((m.role === "user" ? "User: " : "Assistant: ") + m.text, from);
            expect(at).toBeGreaterThanOrEqual(from);
            from = at;
          }
          expect([...createChunker({ ...size, tokenizer }).chunk(conversation)]).toEqual(chunks);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("counts exactly what gpt-tokenizer counts, on any string", () => {
    const o200k = createTokenCounter("o200k_base");
    const cl100k = createTokenCounter("cl100k_base");
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary", maxLength: 300 }), text), (s) => {
        expect(o200k.count(s)).toBe(oracleCount(s, "o200k_base"));
        expect(cl100k.count(s)).toBe(oracleCount(s, "cl100k_base"));
      }),
      { numRuns: 500 },
    );
  });
});
