/** What `cleanText` repaired, so the caller can report it. */
export interface CleanTextResult {
  readonly text: string;
  /** Lone UTF-16 surrogates were replaced with U+FFFD. */
  readonly loneSurrogates: boolean;
  /** NUL characters were removed. */
  readonly nulRemoved: boolean;
}

// From U+E200 to the next U+E201 (ChatGPT's private-use citation markers, `\ue200cite\ue202turn0search0\ue201`),
// and the legacy `【4:0†source】` form.
const CITATION_SPAN = /\uE200[^\uE201]*\uE201|【[^【】\n]*†[^【】\n]*】/g;
const STRAY_MARKER = /[\uE200-\uE202]/g;
const NEEDS_WORK = /[\uE200-\uE202†\u0000\uD800-\uDFFF]/;

/**
 * Makes visible text well-formed without losing the rest: removes citation marker spans whole
 * (U+E200 to U+E201, and the legacy `【…†source】`), stray markers, NUL characters, and replaces lone
 * surrogates with U+FFFD. Never throws.
 */
export function cleanText(input: string): CleanTextResult {
  // One scan for anything that may need work; most messages have none of it.
  if (!NEEDS_WORK.test(input)) return { text: input, loneSurrogates: false, nulRemoved: false };
  let text = input;
  if (text.includes("\uE200") || text.includes("\uE202") || text.includes("\uE201")) {
    text = text.replace(CITATION_SPAN, "").replace(STRAY_MARKER, "");
  }
  if (text.includes("†")) text = text.replace(CITATION_SPAN, "");
  let nulRemoved = false;
  if (text.includes("\u0000")) {
    text = text.replaceAll("\u0000", "");
    nulRemoved = true;
  }
  let loneSurrogates = false;
  if (!isWellFormed(text)) {
    text = toWellFormed(text);
    loneSurrogates = true;
  }
  return { text, loneSurrogates, nulRemoved };
}

type WellFormedString = { isWellFormed?: () => boolean; toWellFormed?: () => string };
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

// String.prototype.isWellFormed is ES2024 (Node 20+); the regex keeps older runtimes working.
function isWellFormed(text: string): boolean {
  const s = text as unknown as WellFormedString;
  return s.isWellFormed ? s.isWellFormed.call(text) : !new RegExp(LONE_SURROGATE.source).test(text);
}

function toWellFormed(text: string): string {
  const s = text as unknown as WellFormedString;
  return s.toWellFormed ? s.toWellFormed.call(text) : text.replace(LONE_SURROGATE, "\uFFFD");
}
