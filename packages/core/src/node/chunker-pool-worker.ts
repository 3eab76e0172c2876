// Worker thread of `createChunkerPool`: builds one chunker from `workerData` and answers
// `{ id, conversation }` messages with `{ id, packed }` (the chunks in columns, without their text,
// which the caller slices from its own copy) or `{ id, error }`.
import { parentPort, workerData } from "node:worker_threads";
import { createChunker } from "../chunk/chunker.js";
import type { Chunk } from "../chunk/chunk.js";
import type {
  ChunkerPoolRequest,
  ChunkerPoolResponse,
  ChunkerPoolWorkerData,
  PackedChunks,
} from "./chunker-pool.js";

const data = workerData as ChunkerPoolWorkerData;
const chunker = createChunker({
  maxTokens: data.maxTokens,
  overlapTokens: data.overlapTokens,
  tokenizer: data.tokenizer,
  format: { label: (role) => data.labels[role], separator: data.separator },
});
const port = parentPort;
if (port === null) throw new Error("[threadmill] chunker-pool-worker must run in a worker thread.");

function pack(conversation: ChunkerPoolRequest["conversation"]): PackedChunks {
  const paths = [conversation.messages, ...(conversation.branches ?? []).map((b) => b.messages)];
  const rows: Chunk[] = [];
  const pathOf: number[] = [];
  for (const [p, messages] of paths.entries()) {
    const branchId = p === 0 ? null : conversation.branches![p - 1]!.id;
    for (const chunk of chunker.chunkPath({ conversationId: conversation.id, branchId, messages })) {
      rows.push(chunk);
      pathOf.push(p);
    }
  }
  const count = rows.length;
  const packed: PackedChunks = {
    count,
    path: Int32Array.from(pathOf),
    length: new Int32Array(count),
    overlap: new Int32Array(count),
    tokens: new Int32Array(count),
    startAt: new Float64Array(count),
    endAt: new Float64Array(count),
    ids: new Array(count),
    messageIds: new Array(count),
  };
  rows.forEach((c, k) => {
    packed.length[k] = c.text.length;
    packed.overlap[k] = c.overlap;
    packed.tokens[k] = c.tokens;
    packed.startAt[k] = c.startAt === null ? Number.NaN : c.startAt.getTime();
    packed.endAt[k] = c.endAt === null ? Number.NaN : c.endAt.getTime();
    packed.ids[k] = c.id;
    packed.messageIds[k] = c.messageIds;
  });
  return packed;
}

port.on("message", (request: ChunkerPoolRequest) => {
  let response: ChunkerPoolResponse;
  try {
    response = { id: request.id, packed: pack(request.conversation) };
  } catch (error) {
    response = { id: request.id, error };
  }
  port.postMessage(response);
});
