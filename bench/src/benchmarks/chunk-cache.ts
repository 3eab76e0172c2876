// The chunk benchmark's cached inputs (`.cache/chunk-<name>.json`): conversations written as JSON,
// read back with their messages' dates as `Date`s. Shared by the benchmark and its 2-processes halves.
import { readFileSync } from "node:fs";
import type { Conversation } from "@threadmill/core";

export type Conv = Pick<Conversation, "id" | "messages" | "branches">;

/**
 * Times every case chunks its warm-up set before the timed part (a pool: per thread). With one
 * pass (1 MB), `node --trace-opt` still showed V8 optimising per-conversation functions (window
 * layout, grapheme checks, the pool's packing) inside the timed part: about 50 ms of compiling for
 * one chunker, on the idle core, and 70-220 ms for a pool, whose threads take it from each other.
 * After 8 passes a chunker and a pool compile nothing more on prose (a pool still about 70 ms on
 * the export's 2,700 conversations), so what is timed is steady-state throughput.
 */
export const WARM_UP_PASSES = 8;

/** The warm-up set `WARM_UP_PASSES` times over, `copies` times (a pool's threads each get one). */
export const warmUpRuns = (warm: readonly Conv[], copies = 1): Conv[] =>
  Array.from({ length: WARM_UP_PASSES * copies }, () => warm).flat();

/** The conversations in a cache file, dates revived. */
export function readCachedConversations(file: string): Conv[] {
  const raw = JSON.parse(readFileSync(file, "utf8")) as Conv[];
  for (const c of raw) {
    for (const m of c.messages) {
      const at = m.createdAt as unknown as string | null;
      (m as { createdAt: Date | null }).createdAt = at === null ? null : new Date(at);
    }
  }
  return raw;
}
