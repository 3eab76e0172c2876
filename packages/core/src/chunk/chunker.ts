import type { Conversation, Message } from "../export/conversation.js";
import { resolveTokenizer } from "./base-tokenizer.js";
import type { Chunk } from "./chunk.js";
import { type ChunkFormat, DEFAULT_CHUNK_FORMAT } from "./chunk-format.js";
import { setChunkerInternals } from "./chunker-internals.js";
import { createPathContext } from "./path-context.js";
import { type ChunkPath, layoutChunks, pathChunks } from "./path-chunks.js";
import { layoutPath } from "./path-layout.js";
import { primeThread } from "./primer.js";
import type { TokenizerOption } from "./tokenizer-option.js";

export interface ChunkerOptions {
  /** Hard upper bound of every chunk's `tokens` (overlap and labels included); at least 8. @default 512 */
  readonly maxTokens?: number;
  /** Upper bound of the tokens repeated from the previous chunk; below `maxTokens`. @default 64 */
  readonly overlapTokens?: number;
  /**
   * `"o200k_base"`, `"cl100k_base"`, `"claude"` (o200k_base times `CLAUDE_TOKEN_FACTOR`, rounded up)
   * or your own `{ count(text) }` (then every chunk is recounted with it). @default "o200k_base"
   */
  readonly tokenizer?: TokenizerOption;
  /** @default labels `User: ` / `Assistant: `, separator `\n\n` */
  readonly format?: ChunkFormat;
}

export interface Chunker {
  /**
   * Chunks the active path (`branchId: null`), then each of `conversation.branches` in order (their
   * `branchId`, indexes restarting at 0). Lazy: each chunk is computed when it is pulled.
   */
  chunk(conversation: Pick<Conversation, "id" | "messages" | "branches">): Iterable<Chunk>;
  /** Chunks one path only (what `chunk` does for each path). Lazy. */
  chunkPath(path: ChunkPath): Iterable<Chunk>;
  /** The formatted text of a path: its messages, each `label + text`, joined by the separator. */
  format(messages: readonly Message[]): string;
  /**
   * Work done so far by this chunker: characters of formatted text chunked, and characters handed
   * to the tokenizer (the pre-tokenization scan of every character included). Their ratio is the
   * tokenization amplification.
   */
  stats(): { readonly textChars: number; readonly tokenizedChars: number; readonly chunks: number };
}

/**
 * Creates a token-accurate chunker. Chunks are consecutive slices of the formatted conversation,
 * cut at the best natural boundary (message, paragraph, line, sentence, clause, word, then inside a
 * word, never inside a grapheme cluster) that keeps the chunk at least half full, each extended at
 * its start by up to `overlapTokens` of the previous slice's tail, so that
 * `chunks.map((c) => c.text.slice(c.overlap)).join("")` is the formatted text exactly. Every chunk's
 * `tokens` is its exact count and never exceeds `maxTokens`.
 * @example
 * const chunker = createChunker({ maxTokens: 512, overlapTokens: 64 });
 * for (const chunk of chunker.chunk(conversation)) await store(chunk);
 */
export function createChunker(options: ChunkerOptions = {}): Chunker {
  const maxTokens = options.maxTokens ?? 512;
  const overlapTokens = options.overlapTokens ?? 64;
  if (!Number.isInteger(maxTokens) || maxTokens < 8) {
    throw new RangeError(`[threadmill] maxTokens must be an integer >= 8, got ${maxTokens}.`);
  }
  if (!Number.isInteger(overlapTokens) || overlapTokens < 0 || overlapTokens >= maxTokens) {
    throw new RangeError(
      `[threadmill] overlapTokens must be an integer from 0 to maxTokens - 1 (${maxTokens - 1}), got ${overlapTokens}.`,
    );
  }
  const format = options.format ?? DEFAULT_CHUNK_FORMAT;
  if (typeof format.label !== "function" || typeof format.separator !== "string") {
    throw new TypeError("[threadmill] format must be { label(role): string, separator: string }.");
  }
  const tokenizerOption = options.tokenizer ?? "o200k_base";
  const tokenizer = resolveTokenizer(tokenizerOption);
  const prime = typeof tokenizerOption === "string" ? () => primeThread(tokenizerOption) : null;
  const ctx = createPathContext(tokenizer, maxTokens, overlapTokens, prime);
  if (ctx.budget < 4) {
    throw new RangeError(`[threadmill] maxTokens ${maxTokens} leaves fewer than 4 base tokens per chunk.`);
  }

  const formatMessages = (messages: readonly Message[]): string => {
    const parts: string[] = [];
    for (let i = 0; i < messages.length; i++) {
      if (i > 0) parts.push(format.separator);
      const m = messages[i]!;
      parts.push(format.label(m.role), m.text);
    }
    return parts.join("");
  };

  const totals = ctx.totals;
  const chunkPath = (path: ChunkPath): Iterable<Chunk> => ({
    [Symbol.iterator]: () => pathChunks(path, format, ctx),
  });
  setChunkerInternals(chunkPath, {
    layout: (messages) => layoutPath(messages, format),
    chunkSpan: (layout, span) => layoutChunks(layout, ctx, span),
  });

  return {
    chunkPath,
    stats: () => ({
      textChars: totals.textChars,
      tokenizedChars: totals.textChars + tokenizer.counted.chars,
      chunks: totals.chunks,
    }),
    format: formatMessages,
    chunk(conversation) {
      return {
        *[Symbol.iterator]() {
          yield* chunkPath({
            conversationId: conversation.id,
            branchId: null,
            messages: conversation.messages,
          });
          for (const branch of conversation.branches ?? []) {
            yield* chunkPath({
              conversationId: conversation.id,
              branchId: branch.id,
              messages: branch.messages,
            });
          }
        },
      };
    },
  };
}
