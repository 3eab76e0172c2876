import { CL100K_TOKEN_SPLIT_REGEX, O200K_TOKEN_SPLIT_REGEX } from "gpt-tokenizer/encodingParams/constants";

/**
 * Finds the pre-tokenization piece that starts at `at` (the split regex's match there) and returns
 * its end. Every position of a text starts a piece: the split regexes match every character. A
 * scanner keeps private state; make one per caller. @internal
 */
export type PieceScanner = (text: string, at: number) => number;

// ASCII classes for o200k_base's split regex: letters are `\p{Lu}` / `\p{Ll}`, digits `\p{N}`,
// `\s` is TAB, VT, FF and space plus the line breaks CR and LF, and the rest (punctuation, symbols,
// other control characters, NUL) is `[^\s\p{L}\p{N}]`.
const UPPER = 1;
const LOWER = 2;
const DIGIT = 3;
const SPACE = 4;
const BREAK = 5;
const OTHER = 6;
const ASCII_CLASS = new Uint8Array(128).map((_, code) => {
  if (code >= 0x41 && code <= 0x5a) return UPPER;
  if (code >= 0x61 && code <= 0x7a) return LOWER;
  if (code >= 0x30 && code <= 0x39) return DIGIT;
  if (code === 0x0a || code === 0x0d) return BREAK;
  if (code === 0x20 || (code >= 0x09 && code <= 0x0c)) return SPACE;
  return OTHER;
});
const APOSTROPHE = 0x27;
const SLASH = 0x2f;
/** Bit set of ASCII letters that end a contraction alone (`'s`, `'d`, `'m`, `'t`), by code & 31. */
const SINGLE_CONTRACTION = (1 << (0x73 & 31)) | (1 << (0x64 & 31)) | (1 << (0x6d & 31)) | (1 << (0x74 & 31));

/**
 * The code unit at `i`, -1 past the end. Never `charCodeAt` past the end here: its NaN makes V8
 * throw away the optimised scanner ("out of bounds" deopt) and compile it again, on every thread.
 */
const codeAt = (text: string, i: number): number => (i < text.length ? text.charCodeAt(i) : -1);

/** Class of the code unit at `i`: 0 at the end of the text, -1 for a non-ASCII code unit. */
function classAt(text: string, i: number): number {
  if (i >= text.length) return 0;
  const code = text.charCodeAt(i);
  return code < 0x80 ? ASCII_CLASS[code]! : -1;
}

/**
 * o200k_base's split regex by hand for ASCII, -1 where a non-ASCII code unit could change the
 * match (the caller then runs the regex). The alternatives, first match wins:
 * 1. `[^\r\n\p{L}\p{N}]?[\p{Lu}…]*[\p{Ll}…]+(?:'s|'d|'m|'t|'ll|'ve|'re)?` (any case)
 * 2. `[^\r\n\p{L}\p{N}]?[\p{Lu}…]+[\p{Ll}…]*(?:'s|…)?`, 3. `\p{N}{1,3}`,
 * 4. ` ?[^\s\p{L}\p{N}]+[\r\n/]*`, 5. `\s*[\r\n]+`, 6. `\s+(?!\S)`, 7. `\s+`.
 * In ASCII, 1 and 2 together are: an optional prefix, uppercase letters, lowercase letters, an
 * optional contraction.
 */
function asciiO200kPieceEnd(text: string, at: number): number {
  const cls = classAt(text, at);
  if (cls === UPPER || cls === LOWER) return letters(text, at);
  if (cls === -1) return -1;
  const next = classAt(text, at + 1);
  if (next === -1) return -1;
  // 1-2: a prefix (anything but CR, LF, letters and digits) before letters.
  if ((cls === SPACE || cls === OTHER) && (next === UPPER || next === LOWER)) return letters(text, at + 1);
  if (cls === DIGIT) {
    if (next !== DIGIT) return at + 1;
    const third = classAt(text, at + 2);
    return third === -1 ? -1 : third === DIGIT ? at + 3 : at + 2;
  }
  // 4: punctuation, after one optional space, then line breaks and slashes.
  if (cls === OTHER || (text.charCodeAt(at) === 0x20 && next === OTHER)) {
    let i = cls === OTHER ? at + 1 : at + 2;
    for (let c = classAt(text, i); c === OTHER; c = classAt(text, ++i));
    if (classAt(text, i) === -1) return -1;
    for (let code = codeAt(text, i); code === 0x0a || code === 0x0d || code === SLASH; ) {
      code = codeAt(text, ++i);
    }
    return i;
  }
  // 5-7: whitespace. The run up to its last line break, else all but its last character when
  // something follows it (that character may start the next piece), else the run.
  let end = at;
  let lastBreak = -1;
  for (let c = cls; c === SPACE || c === BREAK; c = classAt(text, ++end)) {
    if (c === BREAK) lastBreak = end;
  }
  if (classAt(text, end) === -1) return -1;
  if (lastBreak !== -1) return lastBreak + 1;
  if (end === text.length || end - at === 1) return end;
  return end - 1;
}

/** Letters from `at` (an ASCII letter): uppercase, then lowercase, then a contraction; or -1. */
function letters(text: string, at: number): number {
  let i = at;
  let c = classAt(text, i);
  while (c === UPPER) c = classAt(text, ++i);
  while (c === LOWER) c = classAt(text, ++i);
  if (c === -1) return -1;
  if (c !== OTHER || text.charCodeAt(i) !== APOSTROPHE) return i;
  const a = codeAt(text, i + 1) | 0x20;
  if (a < 0x61 || a > 0x7a) return i;
  if ((SINGLE_CONTRACTION >>> (a & 31)) & 1) return i + 2;
  const b = codeAt(text, i + 2) | 0x20;
  if ((a === 0x6c && b === 0x6c) || (a === 0x76 && b === 0x65) || (a === 0x72 && b === 0x65)) return i + 3;
  return i;
}

/** A scanner running `regex` (sticky copy) at each position. */
export function regexPieceScanner(regex: RegExp): PieceScanner {
  const sticky = new RegExp(regex.source, "uy");
  return (text, at) => {
    sticky.lastIndex = at;
    if (!sticky.test(text) || sticky.lastIndex === at) {
      throw new Error(`[threadmill] chunker invariant broken: no tokenizer piece at ${at}.`);
    }
    return sticky.lastIndex;
  };
}

/**
 * The piece scanner of a named encoding: for o200k_base a hand-written scanner over ASCII text
 * (several times faster than the regex, the same pieces: checked against it on random text) with
 * the regex for anything next to a non-ASCII character; for cl100k_base its regex. @internal
 */
export function pieceScanner(encoding: "o200k_base" | "cl100k_base"): PieceScanner {
  if (encoding === "cl100k_base") return regexPieceScanner(CL100K_TOKEN_SPLIT_REGEX);
  const slow = regexPieceScanner(O200K_TOKEN_SPLIT_REGEX);
  return (text, at) => {
    const end = asciiO200kPieceEnd(text, at);
    return end === -1 ? slow(text, at) : end;
  };
}
