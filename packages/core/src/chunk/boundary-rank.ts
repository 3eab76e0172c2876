// The ranks, as plain constants for the hot paths: a property read of `BoundaryRank` in optimised
// code that never ran before (a rare branch) makes V8 throw that code away ("insufficient type
// feedback") and compile it again; a constant needs no feedback.
/** @internal */ export const RANK_UNSAFE = -1;
/** @internal */ export const RANK_INNER = 0;
/** @internal */ export const RANK_WORD = 1;
const RANK_CLAUSE = 2;
const RANK_SENTENCE = 3;
const RANK_LINE = 4;
const RANK_PARAGRAPH = 5;
/** @internal */ export const RANK_MESSAGE = 6;
/** @internal */ export const RANK_END = 7;

/**
 * How good a place to cut a formatted conversation is, from "never" to "between messages". The
 * chunker prefers the highest rank among the cut points that keep a chunk at least half full.
 * @internal
 */
export const BoundaryRank = {
  /** Inside a grapheme cluster (before a combining mark, after a ZWJ, between CR and LF): never cut. */
  unsafe: RANK_UNSAFE,
  /** Between tokenizer pieces inside a word (`don|'t`, `123|456`), or between grapheme groups of a huge word. */
  inner: RANK_INNER,
  word: RANK_WORD,
  clause: RANK_CLAUSE,
  sentence: RANK_SENTENCE,
  line: RANK_LINE,
  paragraph: RANK_PARAGRAPH,
  message: RANK_MESSAGE,
  /** The end of the text. */
  end: RANK_END,
} as const;

/** Exactly the characters JavaScript's `\s` matches (what the tokenizers' split regexes see). */
export function isJsWhitespace(code: number): boolean {
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
  if (code < 0xa0) return false;
  return (
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

// Characters that extend the grapheme cluster before them (combining marks, joiners, emoji
// modifiers, tags). Cutting before one of these would split a user-perceived character.
const EXTENDS_PREVIOUS = /\p{M}|\u200c|\u200d|[\u{1f3fb}-\u{1f3ff}]|[\u{e0020}-\u{e007f}]/uy;

/** Whether a cut at `pos` would obviously split a grapheme cluster (cheap check, no segmenter). */
export function splitsGrapheme(text: string, pos: number): boolean {
  if (pos <= 0 || pos >= text.length) return false;
  const prev = text.charCodeAt(pos - 1);
  const next = text.charCodeAt(pos);
  if (prev === 0x0d && next === 0x0a) return true;
  if (prev === 0x200d) return true;
  if (next >= 0xdc00 && next <= 0xdfff && prev >= 0xd800 && prev <= 0xdbff) return true;
  if (next < 0x300) return false;
  EXTENDS_PREVIOUS.lastIndex = pos;
  return EXTENDS_PREVIOUS.test(text);
}

let segmenter: Intl.Segmenter | null | undefined;

/**
 * Whether `pos` is a grapheme-cluster boundary of `text`, checked with `Intl.Segmenter` around it
 * (when the runtime has it) after the cheap check. Used only for the few cut points actually chosen.
 */
export function isGraphemeBoundary(text: string, pos: number): boolean {
  if (pos <= 0 || pos >= text.length) return true;
  const prev = text.charCodeAt(pos - 1);
  const next = text.charCodeAt(pos);
  // Below U+0300 there are no extending, prepending or joining characters: only CR LF stick together.
  if (prev < 0x300 && next < 0x300) return !(prev === 0x0d && next === 0x0a);
  if (splitsGrapheme(text, pos)) return false;
  if (segmenter === undefined) {
    segmenter =
      typeof Intl !== "undefined" && "Segmenter" in Intl
        ? new Intl.Segmenter("und", { granularity: "grapheme" })
        : null;
  }
  if (segmenter === null) return true;
  const from = Math.max(0, pos - 32);
  const window = text.slice(from, Math.min(text.length, pos + 32));
  const segment = segmenter.segment(window).containing(pos - from);
  return segment === undefined || segment.index === pos - from;
}

const SENTENCE_END = new Set([
  0x2e, 0x21, 0x3f, 0x2026, 0x3002, 0xff01, 0xff1f, 0xff0e, 0x203c, 0x2049, 0x61f, 0x6d4, 0x964,
]);
const CLAUSE_END = new Set([0x2c, 0x3b, 0x3a, 0x3001, 0xff0c, 0xff1b, 0xff1a, 0x60c, 0x2014]);
const CLOSERS = new Set([0x22, 0x27, 0x29, 0x5d, 0x7d, 0x201d, 0x2019, 0xbb, 0x300d, 0x300f, 0xff09]);
const CJK_STOPS = new Set([0x3002, 0xff01, 0xff1f]);

/** Rank of a cut at `pos` (between two tokenizer pieces) of `text`. */
export function boundaryRank(text: string, pos: number): number {
  if (splitsGrapheme(text, pos)) return RANK_UNSAFE;
  const prev = text.charCodeAt(pos - 1);
  if (prev === 0x0a) {
    const before = text.charCodeAt(pos - 2);
    return before === 0x0a || (before === 0x0d && text.charCodeAt(pos - 3) === 0x0a)
      ? RANK_PARAGRAPH
      : RANK_LINE;
  }
  const prevWs = isJsWhitespace(prev);
  if (!prevWs && !isJsWhitespace(text.charCodeAt(pos))) {
    return CJK_STOPS.has(prev) ? RANK_SENTENCE : RANK_INNER;
  }
  // Look back over a little whitespace and closing quotes for the punctuation that ends the clause.
  let k = pos - 1;
  const stop = Math.max(0, pos - 8);
  while (k > stop && isJsWhitespace(text.charCodeAt(k))) k--;
  while (k > stop && CLOSERS.has(text.charCodeAt(k))) k--;
  const code = text.charCodeAt(k);
  if (SENTENCE_END.has(code)) return RANK_SENTENCE;
  if (CLAUSE_END.has(code)) return RANK_CLAUSE;
  return RANK_WORD;
}
