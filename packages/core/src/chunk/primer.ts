import type { Conversation, Message } from "../export/conversation.js";
import { resolveTokenizer } from "./base-tokenizer.js";
import { DEFAULT_CHUNK_FORMAT } from "./chunk-format.js";
import { createPathContext, type PathContext } from "./path-context.js";
import { layoutChunks, pathChunks } from "./path-chunks.js";
import { layoutPath } from "./path-layout.js";
import { spanStarts } from "./spans.js";
import type { TokenizerName } from "./tokenizer-option.js";

// A few small conversations that take every branch of the piece scanner, the boundary ranks and the
// window code: every ASCII class next to every other (contractions in both cases, digit runs,
// punctuation runs before line breaks and slashes, whitespace runs before text, breaks and the
// end), non-ASCII letters, marks, emoji sequences, CJK and RTL text, lone surrogates, NUL, special
// token strings, sentences, clauses and paragraphs, and words longer than a chunk. Chunked once by
// each thread before its first real chunk, so V8 optimises that code with the feedback of all of
// it, instead of optimising it for the first text it sees and throwing it away (a deopt, then a
// recompile on a helper thread) at each new kind of character later.
const ASCII_WORDS = [
  "Hello",
  "HELLO",
  "hELLo",
  "don't",
  "DON'T",
  "I'd",
  "I'M",
  "we'll",
  "they've",
  "you're",
  "it's",
  "o'clock",
  "'quoted'",
  "rock'n'roll",
  "x'",
  "123",
  "12345",
  "1,000.50",
  "3rd",
  "a1b2",
  "!!",
  "?!\n",
  "...//",
  "(a)",
  "[b]",
  "{c}",
  '"d"',
  "e.g.",
  "--flag",
  "/usr/bin",
  "http://x.y/z?q=1&r=2",
  "a\tb",
  "c\r\nd",
  "e  \n\n  f",
  "g \n",
  "h    i",
  "\u0000",
  "<|endoftext|>",
  "<|fim_prefix|>",
];
const OTHER_WORDS = [
  "café",
  "naïve",
  "Ångström",
  "e\u0301",
  "日本語のテキスト。",
  "中文，标点；",
  "한국어",
  "Привет, мир!",
  "مرحبا بالعالم؟",
  "שָׁלוֹם",
  "😀",
  "👨‍👩‍👧",
  "👍🏽",
  "🇫🇷",
  "\u200b",
  "\u00a0",
  "\u3000",
  "\ufeff",
  "\ud800",
  "\udc00x",
  "—",
  "…",
  "«»",
  "“quotes”",
  "½",
  "٣٤٥",
];

const SEPARATORS = [" ", ". ", ", ", "! ", "?\n", "\n\n", "", "; ", ": ", "\n"];

/** Every word once, each followed by a separator (the `shift`-th after its own index). */
function primerText(shift: number): string {
  const words = [...ASCII_WORDS, ...OTHER_WORDS];
  return words.map((word, i) => word + SEPARATORS[(i + shift) % SEPARATORS.length]).join("");
}

const message = (i: number, text: string, createdAt: Date | null): Message => ({
  id: `primer-${i}`,
  role: i % 2 === 0 ? "user" : "assistant",
  text,
  createdAt,
  attachments: [],
});

/**
 * @internal The primer (deterministic): one conversation of mixed text and huge words, with a
 * branch, then small ones each ending on another kind of character (where the scanner looks past
 * the end of the text).
 */
export function primerConversations(): Pick<Conversation, "id" | "messages" | "branches">[] {
  const at = new Date(0);
  const texts = [
    primerText(1),
    primerText(2),
    // Longer than a chunk, and than the longest piece the tokenizer takes whole (1,024).
    "a".repeat(1100),
    "日本語".repeat(120),
    "😀".repeat(120),
    `${"word ".repeat(120)}end`,
    primerText(3),
  ];
  const messages = texts.map((text, i) => message(i, text, i % 3 === 0 ? null : at));
  const ends = ["trailing   ", "digits 12", "punct !!", "lf\n", "apostrophe '", "don'", "letters", "é", "😀"];
  return [
    {
      id: "primer",
      messages,
      branches: [{ id: "primer-branch", forkMessageId: "primer-1", messages: messages.slice(2, 4) }],
    },
    ...ends.map((end, i) => ({
      id: `primer-end-${i}`,
      messages: [message(0, primerText(i + 4).slice(0, 120), at), message(1, end, null)],
    })),
  ];
}

// Named tokenizers this thread has primed its chunking code with.
const primed = new Set<TokenizerName>();
let primerRuns = 0;
/** @internal How many times this thread chunked the primer (once per named tokenizer). */
export const chunkerPrimerRuns = (): number => primerRuns;

/** A context like a chunker's for `tokenizer`, which primes nothing itself. */
const primerContext = (tokenizer: TokenizerName, maxTokens: number, overlapTokens: number): PathContext =>
  createPathContext(resolveTokenizer(tokenizer), maxTokens, overlapTokens, null);

/**
 * @internal Chunks the primer (a few KB of every kind of text) once per thread and named
 * tokenizer, before the first real path: V8 then optimises the scanner, the boundary ranks and the
 * window code with feedback from every branch, instead of for the first text it meets, to throw the
 * optimised code away (a deopt, then a recompile on a helper thread) at each new kind of character.
 * About 50 ms once, after the tokenizer tables load; 10-15 % faster chunking of the next few MB, and
 * the helper threads a pool's workers share stay free. Never runs user code (default format).
 */
export function primeThread(tokenizer: TokenizerName): void {
  if (primed.has(tokenizer)) return;
  primed.add(tokenizer);
  try {
    const conversations = primerConversations();
    for (const maxTokens of [64, 512]) {
      const ctx = primerContext(tokenizer, maxTokens, maxTokens >> 3);
      for (const { id, messages, branches } of conversations) {
        for (const _ of pathChunks(
          { conversationId: id, branchId: null, messages },
          DEFAULT_CHUNK_FORMAT,
          ctx,
        ));
        for (const branch of branches ?? []) {
          const path = { conversationId: id, branchId: branch.id, messages: branch.messages };
          for (const _ of pathChunks(path, DEFAULT_CHUNK_FORMAT, ctx));
        }
      }
    }
    primeStretches(tokenizer, conversations[0]!.messages);
    primerRuns++;
  } catch (error) {
    // The tables could not load (no synchronous require: see loadTokenizer): the caller's own
    // chunking would fail the same way, so it fails here with that error; the next path primes.
    primed.delete(tokenizer);
    throw error;
  }
}

/**
 * The stretch code too (what a chunker pool runs on each thread for a huge path): the primer's
 * first conversation in stretches of about 1 KB, each started mid-text and stopped a few chunks
 * past the next one's start, then one resumed where it ended until it meets a later stretch's.
 */
function primeStretches(tokenizer: TokenizerName, messages: readonly Message[]): void {
  const ctx = primerContext(tokenizer, 64, 8);
  const layout = layoutPath(messages, DEFAULT_CHUNK_FORMAT);
  const length = layout.text.length;
  const starts = spanStarts(layout.text, 1024);
  const runs = starts.map((from, j) => {
    const last = j === starts.length - 1;
    const to = last ? length : starts[j + 1]!;
    return [
      ...layoutChunks(layout, ctx, {
        from,
        syncAfter: to,
        syncChunks: 2,
        scanEnd: Math.min(length, to + 512),
        last,
      }),
    ];
  });
  const tail = runs[0]?.[runs[0].length - 1];
  if (tail === undefined || runs.length < 2) return;
  const meet = runs[1]!.map((c) => `${c.start}:${c.contentStart}`);
  const resumed = { from: tail.start, contentFrom: tail.contentStart, meet, syncAfter: 0, syncChunks: 0 };
  for (const _ of layoutChunks(layout, ctx, { ...resumed, scanEnd: length, last: true }));
}
