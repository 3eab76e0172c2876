import { availableParallelism } from "node:os";
import type { Chunk } from "../chunk/chunk.js";
import { DEFAULT_CHUNK_FORMAT } from "../chunk/chunk-format.js";
import { type ChunkerOptions, createChunker } from "../chunk/chunker.js";
import { chunkerInternals } from "../chunk/chunker-internals.js";
import type { PathLayout } from "../chunk/path-layout.js";
import { SharedPieceMemo } from "../chunk/shared-piece-memo.js";
import { SharedRanks } from "../chunk/shared-ranks.js";
import { type ChunkSpan, type SpanChunk, spanChunkToChunk } from "../chunk/span-chunk.js";
import { chunkInSpans, type SpanPlan, spanStarts } from "../chunk/spans.js";
import type { Conversation } from "../export/conversation.js";
import {
  type ChunkerPoolRequest,
  type ChunkerPoolWorkerData,
  type PackedChunks,
  type PackedSpan,
  unpackChunks,
} from "./chunker-pool-protocol.js";
import { spanRequest, unpackSpan } from "./chunker-pool-spans.js";
import { createPoolWorkers } from "./chunker-pool-threads.js";

export interface ChunkerPoolOptions extends ChunkerOptions {
  /**
   * Worker threads. They share one rank table (the first thread to start loads gpt-tokenizer's
   * table and builds it, the others wait for it) and one piece memo; each holds its own piece cache
   * and its share of the work in flight. With o200k_base the first thread costs about 90 MB of RSS
   * (100 MB after chunking 5 MB of prose), each further thread about 40 MB (45 MB); an idle worker
   * thread alone is 11 MB, one in-process chunker 57 MB (73 MB). The calling thread loads no tables.
   * @default os.availableParallelism()
   */
  readonly threads?: number;
  /**
   * A path (the active path or a branch) whose formatted text is at least twice this long, in
   * UTF-16 code units, is chunked as stretches of about this length on all threads at once, then
   * joined into exactly the chunks one thread makes. `Infinity`: one thread per conversation.
   * @default 262144
   */
  readonly spanChars?: number;
}

export interface ChunkerPool {
  /**
   * Chunks a conversation on a worker thread: the same chunks, in the same order, as
   * `createChunker(options).chunk(conversation)` (dates stay `Date`s).
   * @throws the chunker's error for this conversation; an `Error` if the pool is closed or a worker died.
   */
  chunk(conversation: Pick<Conversation, "id" | "messages" | "branches">): Promise<Chunk[]>;
  /** Stops every worker; pending and later calls reject. Idempotent. */
  close(): Promise<void>;
  /** How many worker threads the pool runs. */
  readonly threads: number;
}

const SPAN_SYNC_CHUNKS = 4;
const SPAN_SLACK_CHARS = 32_768;

/**
 * Chunks conversations on worker threads so every core tokenizes. Takes the chunker's options (a
 * named tokenizer only, and a `format` whose `label` depends on the role alone) plus `threads`.
 * @example
 * const pool = createChunkerPool({ threads: 2, maxTokens: 512 });
 * const chunks = await pool.chunk(conversation);
 * await pool.close();
 */
export function createChunkerPool(options: ChunkerPoolOptions = {}): ChunkerPool {
  const { threads = availableParallelism(), spanChars = 262_144, ...chunkerOptions } = options;
  if (!Number.isInteger(threads) || threads < 1) {
    throw new RangeError(`[threadmill] threads must be a positive integer, got ${threads}.`);
  }
  if (!(spanChars === Number.POSITIVE_INFINITY || (Number.isInteger(spanChars) && spanChars >= 1024))) {
    throw new RangeError(`[threadmill] spanChars must be an integer >= 1024 or Infinity, got ${spanChars}.`);
  }
  const plan: SpanPlan = { spanChars, syncChunks: SPAN_SYNC_CHUNKS, slackChars: SPAN_SLACK_CHARS };
  const tokenizer = chunkerOptions.tokenizer ?? "o200k_base";
  if (typeof tokenizer !== "string") {
    throw new TypeError(
      "[threadmill] createChunkerPool needs a named tokenizer (a { count } object cannot cross to a worker thread); use createChunker for your own tokenizer.",
    );
  }
  // Validates the options here, where the caller can see the error; formats texts back on this side.
  const formatter = createChunker(chunkerOptions);
  const format = chunkerOptions.format ?? DEFAULT_CHUNK_FORMAT;
  const data: ChunkerPoolWorkerData = {
    maxTokens: chunkerOptions.maxTokens ?? 512,
    overlapTokens: chunkerOptions.overlapTokens ?? 64,
    tokenizer,
    labels: { user: format.label("user"), assistant: format.label("assistant") },
    separator: format.separator,
    memo: SharedPieceMemo.allocate(),
    ranks: SharedRanks.allocate(tokenizer),
  };
  const workers = createPoolWorkers(threads, data);
  let nextId = 0;

  const stats = { paths: 0, stretches: 0, continuations: 0, fallbacks: 0 };
  const runSpan = async (layout: PathLayout, span: ChunkSpan): Promise<SpanChunk[]> => {
    if (span.contentFrom !== undefined) stats.continuations++;
    else if (span.from !== 0 || !span.last) stats.stretches++;
    const request = spanRequest(layout, span);
    const packed = await workers.send<PackedSpan>({
      id: nextId++,
      layout: request.layout,
      span: request.span,
    });
    return unpackSpan(packed, request.offset, request.messageOffset);
  };

  /** One path, its stretches on all threads; in one run when they do not join (rare). */
  const chunkLongPath = async (layout: PathLayout): Promise<SpanChunk[]> => {
    const whole: ChunkSpan = {
      from: 0,
      syncAfter: 0,
      syncChunks: 0,
      scanEnd: layout.text.length,
      last: true,
    };
    stats.paths++;
    const starts = layout.text.length >= 2 * spanChars ? spanStarts(layout.text, spanChars) : [0];
    if (starts.length > 1) {
      const joined = await chunkInSpans(layout.text.length, starts, plan, (span) => runSpan(layout, span));
      if (joined !== null) return joined;
      stats.fallbacks++;
    }
    return runSpan(layout, whole);
  };

  const internals = chunkerInternals(formatter);

  const pool: ChunkerPool = {
    threads,
    chunk(conversation) {
      if (workers.closed) return Promise.reject(new Error("[threadmill] the chunker pool is closed."));
      // Paths are formatted here, once: the worker gets the texts and answers with positions in them.
      let paths: { branchId: string | null; layout: PathLayout }[];
      try {
        paths = [{ branchId: null, layout: internals.layout(conversation.messages) }];
        for (const b of conversation.branches ?? []) {
          paths.push({ branchId: b.id, layout: internals.layout(b.messages) });
        }
      } catch (error) {
        return Promise.reject(error);
      }
      const long =
        threads > 1 &&
        Number.isFinite(spanChars) &&
        paths.some(({ layout }) => layout.text.length >= 2 * spanChars);
      if (long) {
        // A huge conversation: each path is chunked in stretches on all threads.
        return Promise.all(
          paths.map(async ({ branchId, layout }) => {
            if (layout.text.length === 0) return [];
            const spans = await chunkLongPath(layout);
            const path = { conversationId: conversation.id, branchId };
            return spans.map((c, index) => spanChunkToChunk(path, index, layout, c));
          }),
        ).then((perPath) => perPath.flat());
      }
      const request: ChunkerPoolRequest = {
        id: nextId++,
        conversationId: conversation.id,
        paths: paths.map(({ branchId, layout }) => ({
          branchId,
          text: layout.text,
          spanStart: layout.spanStart,
          spanEnd: layout.spanEnd,
          times: layout.times,
        })),
      };
      return workers
        .send<PackedChunks>(request)
        .then((packed) => unpackChunks(conversation.id, paths, packed));
    },
    close: () => workers.close(),
  };
  const memo = new SharedPieceMemo(data.memo);
  poolStats.set(pool, () => ({ ...stats, messages: workers.messages, sharedPieces: memo.size }));
  return pool;
}

const poolStats = new WeakMap<ChunkerPool, () => ChunkerPoolStats>();

/** @internal How a pool split its long paths so far (for tests and benchmarks). */
export interface ChunkerPoolStats {
  /** Paths of huge conversations (each in stretches, or whole when too short to split). */
  readonly paths: number;
  /** Stretches sent, and continuations of stretches that had not met the next one's chunks yet. */
  readonly stretches: number;
  readonly continuations: number;
  /** Paths chunked again in one run because two of their stretches never met. */
  readonly fallbacks: number;
  /** Messages sent to worker threads (each a batch of one or more requests). */
  readonly messages: number;
  /** Pieces in the pool's shared piece memo: counted on one thread, found by all. */
  readonly sharedPieces: number;
}

/** @internal */
export function chunkerPoolStats(pool: ChunkerPool): ChunkerPoolStats {
  return poolStats.get(pool)!();
}
