// Worker thread of `createChunkerPool`: builds one chunker from `workerData` and answers each
// message, a batch (array) of requests, with the array of their responses, in order:
// `{ id, conversationId, paths }` requests (a conversation's paths, formatted by the caller) with
// `{ id, packed }` (the chunks in rows, ids included, without their text, which the caller
// slices from its own copy), `{ id, layout, span }` requests (a stretch of one huge path) with
// `{ id, span }` (its chunks as positions), or either with `{ id, error }`.
import { parentPort, workerData } from "node:worker_threads";
import { sharePieceMemo, shareRanks } from "../chunk/bpe-counters.js";
import { createChunker } from "../chunk/chunker.js";
import { chunkerInternals } from "../chunk/chunker-internals.js";
import type { ChunkSpan, SpanChunk } from "../chunk/span-chunk.js";
import { contentHash } from "../util/hash.js";
import type {
  ChunkerPoolRequest,
  ChunkerPoolResponse,
  ChunkerPoolWorkerData,
  PackedChunks,
} from "./chunker-pool-protocol.js";
import { packRows } from "./chunker-pool-rows.js";

const data = workerData as ChunkerPoolWorkerData;
// The rank table first (the piece memo's counter is built on the shared table), then the memo.
shareRanks(data.tokenizer, data.ranks);
sharePieceMemo(data.tokenizer, data.memo);
const chunker = createChunker({
  maxTokens: data.maxTokens,
  overlapTokens: data.overlapTokens,
  tokenizer: data.tokenizer,
  format: { label: (role) => data.labels[role], separator: data.separator },
});
const port = parentPort;
if (port === null) throw new Error("[threadmill] chunker-pool-worker must run in a worker thread.");

const internals = chunkerInternals(chunker);

function pack(request: Extract<ChunkerPoolRequest, { paths: unknown }>): PackedChunks {
  const rows: SpanChunk[] = [];
  const pathOf: number[] = [];
  const ids: string[] = [];
  for (const [p, path] of request.paths.entries()) {
    const whole: ChunkSpan = { from: 0, syncAfter: 0, syncChunks: 0, scanEnd: path.text.length, last: true };
    let index = 0;
    for (const c of internals.chunkSpan(path, whole)) {
      rows.push(c);
      pathOf.push(p);
      ids.push(contentHash(request.conversationId, path.branchId, index++, path.text.slice(c.start, c.end)));
    }
  }
  return { ...packRows(rows, pathOf), ids: ids.join("") };
}

function answer(request: ChunkerPoolRequest): ChunkerPoolResponse {
  try {
    return "span" in request
      ? { id: request.id, span: packRows([...internals.chunkSpan(request.layout, request.span)]) }
      : { id: request.id, packed: pack(request) };
  } catch (error) {
    return { id: request.id, error };
  }
}

port.on("message", (batch: ChunkerPoolRequest[]) => {
  port.postMessage(batch.map(answer));
});
