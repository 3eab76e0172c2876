// Child process of the chunk benchmark's "2 processes" case: chunks every other conversation of the
// cached input (prose or export; `half` 0 or 1) with one chunker, after the same warm-up as one
// chunker (the whole warm-up set, `WARM_UP_PASSES` times), once the parent says "go" on stdin (so
// both halves start together), keeping the chunks as the other cases do; prints its timed seconds
// and CPU seconds.
import { createChunker } from "@threadmill/core";
import { readCachedConversations, warmUpRuns } from "./chunk-cache.js";

const [file, warmFile, half] = process.argv.slice(2);
const mine = readCachedConversations(file!).filter((_, i) => i % 2 === Number(half));
const chunker = createChunker({ maxTokens: 512, overlapTokens: 64 });
for (const c of warmUpRuns(readCachedConversations(warmFile!))) for (const _ of chunker.chunk(c));
process.stdout.write("ready\n");
process.stdin.once("data", () => {
  const started = performance.now();
  const cpu = process.cpuUsage();
  // Kept until the end, as the single chunker and the pool keep theirs (to verify them).
  const kept: unknown[] = [];
  for (const c of mine) for (const chunk of chunker.chunk(c)) kept.push(chunk);
  const chunks = kept.length;
  const used = process.cpuUsage(cpu);
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(`${JSON.stringify({ seconds, cpu: (used.user + used.system) / 1e6, chunks })}\n`);
  process.exit(0);
});
