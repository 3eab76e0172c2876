// Worker thread of `createChunkerPool`: builds one chunker from `workerData` and answers
// `{ id, conversation }` messages with `{ id, chunks }` or `{ id, error }`.
import { parentPort, workerData } from "node:worker_threads";
import { createChunker } from "../chunk/chunker.js";
import type { ChunkerPoolWorkerData, ChunkerPoolRequest, ChunkerPoolResponse } from "./chunker-pool.js";

const data = workerData as ChunkerPoolWorkerData;
const chunker = createChunker({
  maxTokens: data.maxTokens,
  overlapTokens: data.overlapTokens,
  tokenizer: data.tokenizer,
  format: { label: (role) => data.labels[role], separator: data.separator },
});
const port = parentPort;
if (port === null) throw new Error("[threadmill] chunker-pool-worker must run in a worker thread.");

port.on("message", (request: ChunkerPoolRequest) => {
  let response: ChunkerPoolResponse;
  try {
    response = { id: request.id, chunks: [...chunker.chunk(request.conversation)] };
  } catch (error) {
    response = { id: request.id, error };
  }
  port.postMessage(response);
});
