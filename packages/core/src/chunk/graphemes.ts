// Pieces longer than this are never BPE-encoded whole (gpt-tokenizer's merge is quadratic in the
// piece length): they are split into grapheme groups first.
/** @internal */
export const LONG_PIECE = 1024;

let segmenter: Intl.Segmenter | null | undefined;
// Segments in windows: iterating one Intl.Segmenter over a 100 KB string is quadratic in V8.
function graphemes(text: string): string[] {
  if (segmenter === undefined) {
    segmenter =
      typeof Intl !== "undefined" && "Segmenter" in Intl
        ? new Intl.Segmenter("und", { granularity: "grapheme" })
        : null;
  }
  if (segmenter === null) return Array.from(text);
  const out: string[] = [];
  let at = 0;
  while (at < text.length) {
    const end = Math.min(text.length, at + 512);
    const window = text.slice(at, end);
    let last = "";
    let lastIndex = 0;
    for (const s of segmenter.segment(window)) {
      if (last !== "") out.push(last);
      last = s.segment;
      lastIndex = s.index;
    }
    // The window's last cluster may continue past it, unless the window reached the end.
    if (end === text.length || lastIndex === 0) {
      out.push(last);
      at += lastIndex + last.length;
    } else {
      at += lastIndex;
    }
  }
  return out;
}

/**
 * @internal Splits a piece too big for one chunk into groups of whole grapheme clusters of at most
 * `limit` base tokens each (a cluster alone may have up to `hardLimit`). A single cluster above
 * `hardLimit` is split between code points (a surrogate pair is never split); a single code point
 * above it cannot be chunked at all.
 */
export function splitPiece(
  piece: string,
  limit: number,
  hardLimit: number,
  count: (text: string) => number,
): string[] {
  const out: string[] = [];
  const emit = (parts: string[], byCodePoint: boolean): void => {
    const text = parts.join("");
    const n = text.length <= LONG_PIECE || parts.length === 1 ? count(text) : Number.POSITIVE_INFINITY;
    if (n <= limit || (parts.length === 1 && n <= hardLimit)) {
      out.push(text);
      return;
    }
    if (parts.length > 1) {
      const half = parts.length >> 1;
      emit(parts.slice(0, half), byCodePoint);
      emit(parts.slice(half), byCodePoint);
      return;
    }
    if (byCodePoint) {
      throw new RangeError(
        `[threadmill] the single character U+${text.codePointAt(0)!.toString(16)} counts ${n} tokens, more than fit in a chunk; raise maxTokens.`,
      );
    }
    emit(Array.from(text), true);
  };
  const units = graphemes(piece);
  const target = Math.max(1, limit * 2);
  for (let i = 0; i < units.length; i += target) emit(units.slice(i, i + target), false);
  return out;
}
