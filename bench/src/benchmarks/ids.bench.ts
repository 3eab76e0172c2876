// Chunk ids are content hashes computed for every chunk of an import, synchronously (the chunker is a
// lazy iterable) and portably (no node:crypto in core's root entry). This measures core's
// `contentHash` (MurmurHash3_x86_128 in pure JS since the chunker work; it was SHA-256 from
// @noble/hashes, 7x slower than node:crypto) against node:crypto's native SHA-256 on the same
// 1.5 KB chunk-sized inputs, to show what portability costs per chunk.
import { createHash } from "node:crypto";
import { contentHash } from "@threadmill/core";
import { defineBenchmark } from "../harness.js";

const COUNT = 100_000;
const texts = Array.from({ length: 64 }, (_, i) =>
  `User: question ${i}\n\n`.padEnd(1500, "lorem ipsum dolor sit amet "),
);

function measure(hash: (conversationId: string, index: number, text: string) => string) {
  const started = performance.now();
  let sink = 0;
  for (let i = 0; i < COUNT; i++) sink ^= hash("conv-1", i, texts[i % texts.length]!).charCodeAt(0);
  const seconds = (performance.now() - started) / 1000;
  if (sink === -1) console.log(sink);
  return { "ids/s": COUNT / seconds, "µs per id": (seconds * 1e6) / COUNT };
}

export default defineBenchmark({
  description: `${COUNT.toLocaleString("en")} chunk ids of 1.5 KB chunks: core's portable contentHash (MurmurHash3 x86_128) vs node:crypto sha256`,
  baseline: "node:crypto sha256",
  higherIsBetter: { "ids/s": true, "µs per id": false },
  cases: {
    "node:crypto sha256": {
      run: () =>
        measure((c, i, t) =>
          createHash("sha256").update(`${c}\u0000null\u0000${i}\u0000${t}`).digest("hex").slice(0, 32),
        ),
    },
    "core contentHash": { run: () => measure((c, i, t) => contentHash(c, null, i, t)) },
  },
});
