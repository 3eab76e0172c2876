import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { Chunk } from "../chunk/chunk.js";
import {
  type ChunkerOptions,
  type ChunkSpan,
  chunkerInternals,
  createChunker,
  DEFAULT_CHUNK_FORMAT,
  type PathLayout,
  type PathText,
  type SpanChunk,
  spanChunkToChunk,
} from "../chunk/chunker.js";
import { chunkInSpans, type SpanPlan, spanStarts } from "../chunk/spans.js";
import { SharedPieceMemo, SharedRanks, type TokenizerName } from "../chunk/token-counter.js";
import type { Conversation } from "../export/conversation.js";
import { type PackedRows, rowChunk, rowPath } from "./chunker-pool-rows.js";

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

/** @internal What a pool worker is started with. */
export interface ChunkerPoolWorkerData {
  readonly maxTokens: number;
  readonly overlapTokens: number;
  readonly tokenizer: TokenizerName;
  readonly labels: { readonly user: string; readonly assistant: string };
  readonly separator: string;
  /** The pool's `SharedPieceMemo`: pieces one thread counted, every thread finds. */
  readonly memo: SharedArrayBuffer;
  /** The pool's `SharedRanks`: the rank table the first thread builds and the others use. */
  readonly ranks: SharedArrayBuffer;
}
/** @internal One path of a conversation as a worker gets it: its formatted text and message spans. */
export interface WirePath extends PathText {
  readonly branchId: string | null;
}
/**
 * @internal A whole conversation (its paths, formatted by the caller, which keeps the texts), or a
 * stretch of one path's formatted text (a slice of it). One string and a few typed arrays per path
 * cross the thread boundary, not the conversation's object graph.
 */
export type ChunkerPoolRequest =
  | { readonly id: number; readonly conversationId: string; readonly paths: readonly WirePath[] }
  | { readonly id: number; readonly layout: PathText; readonly span: ChunkSpan };
/** @internal A stretch's chunks, positions in the slice the request carried. */
export type PackedSpan = PackedRows;
/** @internal A whole conversation's chunks, and their ids (32 hex characters each) concatenated. */
export interface PackedChunks extends PackedRows {
  readonly ids: string;
}
/** @internal */
export type ChunkerPoolResponse =
  | { id: number; packed: PackedChunks }
  | { id: number; span: PackedSpan }
  | { id: number; error: unknown };

/** Length of a chunk id (`contentHash`: 128 bits in hex). */
const ID_LENGTH = 32;

/** @internal The chunks of a `PackedChunks`, from the layouts of the paths the request carried. */
export function unpackChunks(
  conversationId: string,
  paths: readonly { readonly branchId: string | null; readonly layout: PathLayout }[],
  packed: PackedChunks,
): Chunk[] {
  const out: Chunk[] = new Array(packed.count);
  let current = -1;
  let index = 0;
  let path = { conversationId, branchId: null as string | null };
  for (let k = 0; k < packed.count; k++) {
    const p = rowPath(packed, k);
    if (p !== current) {
      current = p;
      index = 0;
      path = { conversationId, branchId: paths[p]!.branchId };
    }
    const id = packed.ids.slice(k * ID_LENGTH, (k + 1) * ID_LENGTH);
    out[k] = spanChunkToChunk(path, index++, paths[p]!.layout, rowChunk(packed, k), id);
  }
  return out;
}

interface Pending {
  resolve(result: PackedChunks | PackedSpan): void;
  reject(error: unknown): void;
}

// Characters of context sent on each side of a stretch: the boundary ranks look up to 8 characters
// back, the grapheme check 32 either way, and the split regexes' lookaheads one past a piece.
const SPAN_CONTEXT = 64;
const SPAN_SYNC_CHUNKS = 4;
const SPAN_SLACK_CHARS = 32_768;
// Messages a worker holds at once: the one it is chunking and the next.
const IN_FLIGHT = 2;
// A message carries the requests queued when it is sent, up to this many and this many characters
// of text (a single bigger request goes alone): each message costs about 100 µs of CPU across the
// threads (cloning, waking the thread, dispatching), a tiny conversation's whole chunking 10 µs.
const BATCH_REQUESTS = 64;
const BATCH_CHARS = 65_536;

/** Characters of text a request carries. */
const requestChars = (request: ChunkerPoolRequest): number =>
  "paths" in request
    ? request.paths.reduce((n, path) => n + path.text.length, 0)
    : request.layout.text.length;

/** The request for stretch `span` of `layout`: the slice of text it reads, positions made relative. */
function spanRequest(
  layout: PathLayout,
  span: ChunkSpan,
): { layout: PathText; span: ChunkSpan; offset: number; messageOffset: number } {
  const text = layout.text;
  const offset = Math.max(0, span.from - SPAN_CONTEXT);
  const sliceEnd = span.last ? text.length : Math.min(text.length, span.scanEnd + SPAN_CONTEXT);
  // The messages the slice touches (message spans are in text order): from the first that ends at
  // or after the slice's start, found by bisection, to the last that starts before its end.
  let lo = 0;
  let hi = layout.ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (layout.spanEnd[mid]! < offset) lo = mid + 1;
    else hi = mid;
  }
  let to = lo;
  while (to < layout.ids.length && layout.spanStart[to]! <= sliceEnd) to++;
  const spanStart = layout.spanStart.slice(lo, to);
  const spanEnd = layout.spanEnd.slice(lo, to);
  for (let m = 0; m < spanStart.length; m++) {
    spanStart[m]! -= offset;
    spanEnd[m]! -= offset;
  }
  const shift = (k: string): string => {
    const [a, b] = k.split(":");
    return `${Number(a) - offset}:${Number(b) - offset}`;
  };
  return {
    offset,
    messageOffset: lo,
    layout: {
      text: text.slice(offset, sliceEnd),
      spanStart,
      spanEnd,
      times: layout.times.slice(lo, to),
    },
    span: {
      from: span.from - offset,
      ...(span.contentFrom === undefined ? {} : { contentFrom: span.contentFrom - offset }),
      ...(span.meet === undefined ? {} : { meet: span.meet.map(shift) }),
      syncAfter: span.syncAfter - offset,
      syncChunks: span.syncChunks,
      scanEnd: (span.last ? text.length : span.scanEnd) - offset,
      last: span.last,
    },
  };
}

function unpackSpan(packed: PackedSpan, offset: number, messageOffset: number): SpanChunk[] {
  const out: SpanChunk[] = new Array(packed.count);
  for (let k = 0; k < packed.count; k++) out[k] = rowChunk(packed, k, offset, messageOffset);
  return out;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
  /** Messages sent and not answered yet. */
  messages: number;
}

// Built package: dist/chunker-pool-worker.js beside the bundle (ESM; the CJS bundle starts it too).
// Sources (this repo's tests): the .ts worker, loaded through tsx's module hooks.
function workerEntry(): { code: URL | string; evaluate: boolean } {
  const built = new URL("./chunker-pool-worker.js", import.meta.url);
  if (existsSync(fileURLToPath(built))) return { code: built, evaluate: false };
  const source = new URL("./chunker-pool-worker.ts", import.meta.url);
  if (existsSync(fileURLToPath(source))) {
    const tsx = createRequire(import.meta.url).resolve("tsx/package.json");
    const api = pathToFileURL(join(dirname(tsx), "dist", "esm", "api", "index.mjs")).href;
    const code = `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(source.href)}); });`;
    return { code, evaluate: true };
  }
  throw new Error(
    `[threadmill] chunker pool worker not found next to ${import.meta.url}; reinstall @threadmill/core.`,
  );
}

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

  const slots: (Slot | null)[] = Array.from({ length: threads }, () => null);
  let nextId = 0;
  let closed = false;

  const start = (index: number): Slot => {
    const entry = workerEntry();
    const worker = new Worker(entry.code, { workerData: data, eval: entry.evaluate });
    const slot: Slot = { worker, pending: new Map(), messages: 0 };
    const fail = (error: unknown): void => {
      if (slots[index] === slot) slots[index] = null;
      for (const p of slot.pending.values()) p.reject(error);
      slot.pending.clear();
      slot.messages = 0;
      pump();
    };
    worker.on("message", (responses: ChunkerPoolResponse[]) => {
      slot.messages--;
      for (const response of responses) {
        const p = slot.pending.get(response.id);
        if (p === undefined) continue;
        slot.pending.delete(response.id);
        if ("error" in response) p.reject(response.error);
        else p.resolve("span" in response ? response.span : response.packed);
      }
      if (slot.pending.size === 0) worker.unref();
      pump();
    });
    worker.on("error", (error) => fail(error));
    worker.on("exit", (code) => {
      fail(
        new Error(
          `[threadmill] chunker pool worker exited (code ${code}) with work pending; retry the call.`,
        ),
      );
    });
    worker.unref();
    slots[index] = slot;
    return slot;
  };

  // Requests wait here, in order, and go to a worker only when it has fewer than `IN_FLIGHT`
  // messages: one it is chunking and one queued behind it, so it never waits for the next message,
  // while the last conversations go to whichever thread frees up first (no idle thread at the end).
  // A message takes what has queued up meanwhile, in one batch.
  const queue: { request: ChunkerPoolRequest; pending: Pending }[] = [];
  const pump = (): void => {
    while (queue.length > 0 && !closed) {
      let best = -1;
      let bestLoad = IN_FLIGHT;
      for (let i = 0; i < slots.length; i++) {
        const load = slots[i]?.messages ?? 0;
        if (load < bestLoad) {
          best = i;
          bestLoad = load;
        }
      }
      if (best === -1) return;
      const slot = slots[best] ?? start(best);
      const batch: ChunkerPoolRequest[] = [];
      let chars = 0;
      while (queue.length > 0 && batch.length < BATCH_REQUESTS) {
        const next = requestChars(queue[0]!.request);
        if (batch.length > 0 && chars + next > BATCH_CHARS) break;
        const { request, pending } = queue.shift()!;
        slot.pending.set(request.id, pending);
        batch.push(request);
        chars += next;
      }
      slot.messages++;
      stats.messages++;
      slot.worker.ref();
      slot.worker.postMessage(batch);
    }
  };

  /** Queues a request for the next worker with room (started on first use). */
  const send = <T extends PackedChunks | PackedSpan>(request: ChunkerPoolRequest): Promise<T> => {
    if (closed) return Promise.reject(new Error("[threadmill] the chunker pool is closed."));
    return new Promise<PackedChunks | PackedSpan>((resolve, reject) => {
      queue.push({ request, pending: { resolve, reject } });
      pump();
    }) as Promise<T>;
  };

  const stats = { paths: 0, stretches: 0, continuations: 0, fallbacks: 0, messages: 0 };
  const runSpan = async (layout: PathLayout, span: ChunkSpan): Promise<SpanChunk[]> => {
    if (span.contentFrom !== undefined) stats.continuations++;
    else if (span.from !== 0 || !span.last) stats.stretches++;
    const request = spanRequest(layout, span);
    const packed = await send<PackedSpan>({ id: nextId++, layout: request.layout, span: request.span });
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
      if (closed) return Promise.reject(new Error("[threadmill] the chunker pool is closed."));
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
      return send<PackedChunks>(request).then((packed) => unpackChunks(conversation.id, paths, packed));
    },
    async close() {
      if (closed) return;
      closed = true;
      const running = slots.filter((s): s is Slot => s !== null);
      slots.fill(null);
      for (const slot of running) {
        for (const p of slot.pending.values())
          p.reject(new Error("[threadmill] the chunker pool was closed."));
        slot.pending.clear();
      }
      for (const { pending } of queue.splice(0)) {
        pending.reject(new Error("[threadmill] the chunker pool was closed."));
      }
      await Promise.all(running.map((s) => s.worker.terminate()));
    },
  };
  const memo = new SharedPieceMemo(data.memo);
  poolStats.set(pool, () => ({ ...stats, sharedPieces: memo.size }));
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
