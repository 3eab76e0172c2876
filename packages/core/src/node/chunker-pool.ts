import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { Chunk } from "../chunk/chunk.js";
import { type ChunkerOptions, createChunker, DEFAULT_CHUNK_FORMAT } from "../chunk/chunker.js";
import type { TokenizerName } from "../chunk/token-counter.js";
import type { Conversation } from "../export/conversation.js";

export interface ChunkerPoolOptions extends ChunkerOptions {
  /**
   * Worker threads. Each holds its own copy of the tokenizer tables and its share of the work in
   * flight: about 115 MB of RSS per thread for o200k_base (`pnpm bench chunk`, 5 MB of prose: 279 MB
   * single-threaded, 390 MB with 1 thread, 510 MB with 2). @default os.availableParallelism()
   */
  readonly threads?: number;
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
}
/** @internal */
export interface ChunkerPoolRequest {
  readonly id: number;
  readonly conversation: Pick<Conversation, "id" | "messages" | "branches">;
}
/**
 * @internal A conversation's chunks in columns, without their text: the caller formats the paths
 * itself and slices the texts back out, so only numbers and ids cross the thread boundary.
 */
export interface PackedChunks {
  readonly count: number;
  /** Path of each chunk: 0 the active path, i + 1 the branch `branches[i]`. */
  readonly path: Int32Array;
  readonly length: Int32Array;
  readonly overlap: Int32Array;
  readonly tokens: Int32Array;
  /** Epoch milliseconds, NaN for `null`. */
  readonly startAt: Float64Array;
  readonly endAt: Float64Array;
  readonly ids: string[];
  readonly messageIds: string[][];
}
/** @internal */
export type ChunkerPoolResponse = { id: number; packed: PackedChunks } | { id: number; error: unknown };

/** @internal Rebuilds the chunks of a `PackedChunks` from the conversation the caller still holds. */
export function unpackChunks(
  conversation: Pick<Conversation, "id" | "messages" | "branches">,
  packed: PackedChunks,
  format: (messages: Conversation["messages"]) => string,
): Chunk[] {
  const branches = conversation.branches ?? [];
  const out: Chunk[] = new Array(packed.count);
  let current = -1;
  let text = "";
  let at = 0;
  let index = 0;
  const finish = (): void => {
    if (current !== -1 && at !== text.length) {
      throw new Error(
        `[threadmill] conversation ${conversation.id} changed while the chunker pool was chunking it.`,
      );
    }
  };
  for (let k = 0; k < packed.count; k++) {
    const path = packed.path[k]!;
    if (path !== current) {
      finish();
      current = path;
      text = format(path === 0 ? conversation.messages : branches[path - 1]!.messages);
      at = 0;
      index = 0;
    }
    const overlap = packed.overlap[k]!;
    const start = at - overlap;
    at = start + packed.length[k]!;
    const startAt = packed.startAt[k]!;
    const endAt = packed.endAt[k]!;
    out[k] = {
      id: packed.ids[k]!,
      conversationId: conversation.id,
      branchId: path === 0 ? null : branches[path - 1]!.id,
      index: index++,
      text: text.slice(start, at),
      tokens: packed.tokens[k]!,
      overlap,
      messageIds: packed.messageIds[k]!,
      startAt: Number.isNaN(startAt) ? null : new Date(startAt),
      endAt: Number.isNaN(endAt) ? null : new Date(endAt),
    };
  }
  finish();
  return out;
}

interface Pending {
  resolve(packed: PackedChunks): void;
  reject(error: unknown): void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
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
  const { threads = availableParallelism(), ...chunkerOptions } = options;
  if (!Number.isInteger(threads) || threads < 1) {
    throw new RangeError(`[threadmill] threads must be a positive integer, got ${threads}.`);
  }
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
  };

  const slots: (Slot | null)[] = Array.from({ length: threads }, () => null);
  let nextId = 0;
  let closed = false;

  const start = (index: number): Slot => {
    const entry = workerEntry();
    const worker = new Worker(entry.code, { workerData: data, eval: entry.evaluate });
    const slot: Slot = { worker, pending: new Map() };
    const fail = (error: unknown): void => {
      if (slots[index] === slot) slots[index] = null;
      for (const p of slot.pending.values()) p.reject(error);
      slot.pending.clear();
    };
    worker.on("message", (response: ChunkerPoolResponse) => {
      const p = slot.pending.get(response.id);
      if (p === undefined) return;
      slot.pending.delete(response.id);
      if (slot.pending.size === 0) worker.unref();
      if ("error" in response) p.reject(response.error);
      else p.resolve(response.packed);
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

  return {
    threads,
    chunk(conversation) {
      if (closed) return Promise.reject(new Error("[threadmill] the chunker pool is closed."));
      let best = 0;
      let bestLoad = Number.POSITIVE_INFINITY;
      for (let i = 0; i < slots.length; i++) {
        const load = slots[i]?.pending.size ?? 0;
        if (load < bestLoad) {
          best = i;
          bestLoad = load;
        }
      }
      const slot = slots[best] ?? start(best);
      const id = nextId++;
      const request: ChunkerPoolRequest = {
        id,
        conversation: {
          id: conversation.id,
          messages: conversation.messages,
          branches: conversation.branches,
        },
      };
      return new Promise<PackedChunks>((resolve, reject) => {
        slot.pending.set(id, { resolve, reject });
        slot.worker.ref();
        slot.worker.postMessage(request);
      }).then((packed) => unpackChunks(conversation, packed, formatter.format));
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
      await Promise.all(running.map((s) => s.worker.terminate()));
    },
  };
}
