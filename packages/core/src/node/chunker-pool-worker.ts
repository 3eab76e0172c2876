// Worker thread of `createChunkerPool`: builds one chunker from `workerData` and answers
// `{ id, conversation }` messages with `{ id, packed }` (the chunks in columns, without their text,
// which the caller slices from its own copy), `{ id, layout, span }` messages (a stretch of one
// huge path) with `{ id, span }` (its chunks as positions), or either with `{ id, error }`.
import { parentPort, workerData } from "node:worker_threads";
import { chunkerInternals, createChunker } from "../chunk/chunker.js";
import type { Chunk } from "../chunk/chunk.js";
import type {
  ChunkerPoolRequest,
  ChunkerPoolResponse,
  ChunkerPoolWorkerData,
  PackedChunks,
  PackedSpan,
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

const internals = chunkerInternals(chunker);

function pack(
  conversation: Extract<ChunkerPoolRequest, { conversation: unknown }>["conversation"],
): PackedChunks {
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

function packSpan(request: Extract<ChunkerPoolRequest, { span: unknown }>): PackedSpan {
  const rows = [...internals.chunkSpan(request.layout, request.span)];
  const count = rows.length;
  const packed: PackedSpan = {
    count,
    start: new Int32Array(count),
    contentStart: new Int32Array(count),
    end: new Int32Array(count),
    tokens: new Int32Array(count),
    startAt: new Float64Array(count),
    endAt: new Float64Array(count),
    messageIds: new Array(count),
  };
  rows.forEach((c, k) => {
    packed.start[k] = c.start;
    packed.contentStart[k] = c.contentStart;
    packed.end[k] = c.end;
    packed.tokens[k] = c.tokens;
    packed.startAt[k] = c.startAt;
    packed.endAt[k] = c.endAt;
    packed.messageIds[k] = c.messageIds;
  });
  return packed;
}

port.on("message", (request: ChunkerPoolRequest) => {
  let response: ChunkerPoolResponse;
  try {
    response =
      "span" in request
        ? { id: request.id, span: packSpan(request) }
        : { id: request.id, packed: pack(request.conversation) };
  } catch (error) {
    response = { id: request.id, error };
  }
  port.postMessage(response);
});
