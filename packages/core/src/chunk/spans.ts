import type { ChunkSpan, SpanChunk } from "./span-chunk.js";

// A letter or digit right after a line feed: no pre-tokenization piece of o200k_base or cl100k_base
// contains `\n` followed by one (letters may follow only a non-newline prefix, and punctuation
// runs take only `\r`, `\n` or `/` after them), so such a position is a piece boundary of the
// whole text whatever comes before it.
const LINE_START = /\n(?=[\p{L}\p{N}])/gu;

/**
 * Where to start the stretches of a long path so that each is at least `spanChars` long: the first
 * line start before a letter or digit from each target on. Always starts with 0. @internal
 */
export function spanStarts(text: string, spanChars: number): number[] {
  const starts = [0];
  let target = spanChars;
  while (target < text.length - spanChars / 4) {
    LINE_START.lastIndex = target;
    const match = LINE_START.exec(text);
    if (match === null) break;
    const at = match.index + 1;
    if (at >= text.length - spanChars / 4) break;
    starts.push(at);
    target = at + spanChars;
  }
  return starts;
}

const key = (c: SpanChunk): string => `${c.start}:${c.contentStart}`;
// How many later stretches a continued stretch may meet.
const MEET_AHEAD = 4;

/**
 * Joins the chunks of the stretches of one path into the chunks of the whole path. The first
 * stretch's run is the sequential run; it is followed until one of its chunks is also a chunk of a
 * later stretch (same start and content start: from there on both runs are the same), then that
 * stretch is followed, and so on, until a run reaches the end of the text. `null` when a run ends
 * before that without meeting a later one. @internal
 */
export function joinSpans(spans: readonly (readonly SpanChunk[])[], textLength: number): SpanChunk[] | null {
  // Where each chunk position occurs, in the latest stretch that has it.
  const where = new Map<string, { span: number; index: number }>();
  for (const [span, chunks] of spans.entries()) {
    for (const [index, c] of chunks.entries()) where.set(key(c), { span, index });
  }
  const out: SpanChunk[] = [];
  let span = 0;
  let i = 0;
  for (;;) {
    const chunks = spans[span]!;
    let jumped = false;
    for (; i < chunks.length; i++) {
      const c = chunks[i]!;
      const later = where.get(key(c));
      if (later !== undefined && later.span > span) {
        span = later.span;
        i = later.index;
        jumped = true;
        break;
      }
      out.push(c);
    }
    if (jumped) continue;
    const tail = out[out.length - 1];
    return tail !== undefined && tail.end === textLength ? out : null;
  }
}

/** How a long path is cut into stretches. @internal */
export interface SpanPlan {
  /** Target length of a stretch, in UTF-16 code units. */
  readonly spanChars: number;
  /** Chunks each stretch (but the last) runs on past the next one's start, to meet its chunks. */
  readonly syncChunks: number;
  /** How far past the next stretch's start a stretch may read. */
  readonly slackChars: number;
}

/**
 * Chunks one long path as stretches run by `run` (in parallel, on worker threads), with the same
 * result as one sequential run: see `ChunkSpan`. A stretch whose chunks meet no later stretch's
 * within `syncChunks` is continued from its last chunk until they do (or to the end of the text).
 * `null` only if the stretches still do not join (the caller then chunks the path in one run).
 * @internal
 */
export async function chunkInSpans(
  textLength: number,
  starts: readonly number[],
  plan: SpanPlan,
  run: (span: ChunkSpan) => Promise<SpanChunk[]>,
): Promise<SpanChunk[] | null> {
  const last = starts.length - 1;
  const pending = starts.map((from, j) => {
    const to = j === last ? textLength : starts[j + 1]!;
    return run({
      from,
      syncAfter: to,
      syncChunks: plan.syncChunks,
      scanEnd: Math.min(textLength, to + plan.slackChars),
      last: j === last,
    });
  });
  const spans: SpanChunk[][] = new Array(starts.length);
  // Each stretch is checked (and continued if need be) as soon as it and the few after it are done
  // (runs meet within a stretch or two), while other stretches are still being chunked.
  await Promise.all(
    pending.map(async (own, j) => {
      const chunks = await own;
      spans[j] = chunks;
      if (j === last) return;
      const keys = new Set<string>();
      for (const ahead of await Promise.all(pending.slice(j + 1, j + 1 + MEET_AHEAD))) {
        for (const c of ahead) keys.add(key(c));
      }
      const tail = chunks[chunks.length - 1];
      if (tail === undefined || chunks.some((c) => keys.has(key(c)))) return;
      // Resumes this stretch's run at its last chunk (emitted again first) until it meets a later
      // stretch's chunks, or to the end of the text.
      const more = await run({
        from: tail.start,
        contentFrom: tail.contentStart,
        meet: [...keys],
        syncAfter: 0,
        syncChunks: 0,
        scanEnd: textLength,
        last: true,
      });
      if (more.length > 0 && key(more[0]!) === key(tail)) chunks.push(...more.slice(1));
    }),
  );
  return joinSpans(spans, textLength);
}
