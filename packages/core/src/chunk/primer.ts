import type { Conversation, Message } from "../export/conversation.js";

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
