// Test helpers for the chunker's tests (not exported from the package).
import { countTokens as countCl100k } from "gpt-tokenizer/encoding/cl100k_base";
import { countTokens as countO200k } from "gpt-tokenizer/encoding/o200k_base";
import { Tiktoken } from "js-tiktoken/lite";
import cl100k from "js-tiktoken/ranks/cl100k_base";
import o200k from "js-tiktoken/ranks/o200k_base";
import type { Conversation, Message } from "../../src/export/conversation.js";
import type { Chunk } from "../../src/chunk/chunk.js";

const NO_SPECIAL = { disallowedSpecial: new Set<string>() };
let tiktoken: { o200k_base: Tiktoken; cl100k_base: Tiktoken } | undefined;

/**
 * The independent oracle the chunker is checked against (special tokens are plain text):
 * gpt-tokenizer's count, or, for text with a byte-order mark, js-tiktoken's (a port of OpenAI's
 * tiktoken): gpt-tokenizer 4 misses the tokens that start with U+FEFF (`"\ufeff"` is one o200k
 * token, rank 5574, which it counts as two). js-tiktoken is exact everywhere but quadratic on long
 * pieces, too slow for a 100 KB word.
 */
export function oracleCount(text: string, encoding: "o200k_base" | "cl100k_base" = "o200k_base"): number {
  if (text.includes("\ufeff")) {
    tiktoken ??= { o200k_base: new Tiktoken(o200k), cl100k_base: new Tiktoken(cl100k) };
    return tiktoken[encoding].encode(text, [], []).length;
  }
  return encoding === "o200k_base" ? countO200k(text, NO_SPECIAL) : countCl100k(text, NO_SPECIAL);
}

/** A message with a deterministic id and time. */
export function msg(index: number, text: string, role?: Message["role"], createdAt?: Date | null): Message {
  return {
    id: `m${index}`,
    role: role ?? (index % 2 === 0 ? "user" : "assistant"),
    text,
    createdAt: createdAt === undefined ? new Date(Date.UTC(2025, 0, 1, 0, index)) : createdAt,
    attachments: [],
  };
}

/** A conversation of the given texts, alternating user and assistant. */
export function conversation(texts: readonly string[], extra: Partial<Conversation> = {}): Conversation {
  return {
    id: "conv-1",
    source: "chatgpt",
    title: null,
    createdAt: null,
    updatedAt: null,
    model: null,
    instructions: null,
    messages: texts.map((t, i) => msg(i, t)),
    cursor: { entry: null, offset: 0, index: 0 },
    ...extra,
  };
}

/** The slices of a path's chunks (each chunk without its overlap), concatenated. */
export function rejoin(chunks: readonly Chunk[]): string {
  return chunks.map((c) => c.text.slice(c.overlap)).join("");
}

/** Words from a small vocabulary, deterministic for a seed. */
export function prose(words: number, seed = 1): string {
  const vocab =
    "the of and a to in is you that it he was for on are as with his they I at be this have from or one had by word but not what all were we when your can said there use an each which she do how their if will up other about out many then them these so some her would make like him into time has look two more write go see number no way could people my than first water been call who oil its now find long down day did get come made may part".split(
      " ",
    );
  let s = seed >>> 0;
  const out: string[] = [];
  for (let i = 0; i < words; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    let w = vocab[s % vocab.length]!;
    if (i % 12 === 0) w = w[0]!.toUpperCase() + w.slice(1);
    out.push(w);
    if (i % 12 === 11) out.push(i % 48 === 47 ? ".\n\n" : ". ");
    else out.push(" ");
  }
  return out.join("").trimEnd();
}
