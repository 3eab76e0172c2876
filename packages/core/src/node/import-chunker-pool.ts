import { availableParallelism } from "node:os";
import type { ChunkerOptions } from "../chunk/chunker.js";
import { DEFAULT_CHUNK_FORMAT } from "../chunk/chunk-format.js";
import type { ImportChunkerPool, PooledChunker } from "../pipeline/import-pipeline-options.js";
import { type ChunkerPool, createChunkerPool } from "./chunker-pool.js";

/** Options of `createImportChunkerPool`. */
export interface ImportChunkerPoolOptions {
  /**
   * Worker threads of each pool (one pool per distinct chunker setting in use). With o200k_base a
   * pool's first thread costs about 90 MB of RSS, each further one about 40 MB (they share the
   * first one's rank table). @default max(1, os.availableParallelism() - 1)
   */
  readonly threads?: number;
  /**
   * A pool no open stage uses is closed after this long (ms); until then a next job with the same
   * settings reuses its warm threads. Idle threads never keep the process alive. @default 10000
   */
  readonly idleMs?: number;
}

/** An `ImportChunkerPool` on worker threads, with `close()` for the threads it started. */
export interface NodeImportChunkerPool extends ImportChunkerPool {
  /** Stops every pool's threads; later `acquire` calls start new ones. */
  close(): Promise<void>;
}

interface Entry {
  pool: ChunkerPool;
  users: number;
  idle: ReturnType<typeof setTimeout> | undefined;
}

/** The default thread count of `createImportChunkerPool`: every core but one, at least 1. */
export function defaultChunkerThreads(): number {
  return Math.max(1, availableParallelism() - 1);
}

/**
 * Lends `createChunkerPool` pools to `createImportPipeline({ chunkerPool })`: one pool per distinct
 * chunker setting (`maxTokens`, `overlapTokens`, `tokenizer`, `format`), shared by the stages open
 * with it. A custom `tokenizer` object gets `null` (the pipeline chunks in-process then).
 * @example
 * const chunkerPool = createImportChunkerPool({ threads: 2 });
 * const runner = createRunner({ store, pipelines: { import: createImportPipeline({ chunkerPool }) } });
 */
export function createImportChunkerPool(options: ImportChunkerPoolOptions = {}): NodeImportChunkerPool {
  const threads = options.threads ?? defaultChunkerThreads();
  if (!Number.isInteger(threads) || threads < 1) {
    throw new RangeError(`[threadmill] threads must be a positive integer, got ${threads}.`);
  }
  const idleMs = options.idleMs ?? 10_000;
  const pools = new Map<string, Entry>();

  const retire = (key: string, entry: Entry): void => {
    if (pools.get(key) === entry) pools.delete(key);
    void entry.pool.close();
  };

  return {
    acquire(chunkerOptions: ChunkerOptions): PooledChunker | null {
      const tokenizer = chunkerOptions.tokenizer ?? "o200k_base";
      if (typeof tokenizer !== "string") return null;
      const format = chunkerOptions.format ?? DEFAULT_CHUNK_FORMAT;
      const key = JSON.stringify([
        chunkerOptions.maxTokens ?? 512,
        chunkerOptions.overlapTokens ?? 64,
        tokenizer,
        format.label("user"),
        format.label("assistant"),
        format.separator,
      ]);
      let entry = pools.get(key);
      if (entry === undefined) {
        entry = { pool: createChunkerPool({ ...chunkerOptions, threads }), users: 0, idle: undefined };
        pools.set(key, entry);
      }
      const used = entry;
      if (used.idle !== undefined) clearTimeout(used.idle);
      used.idle = undefined;
      used.users += 1;
      let released = false;
      return {
        chunk: (conversation) => used.pool.chunk(conversation),
        release() {
          if (released) return;
          released = true;
          used.users -= 1;
          if (used.users > 0 || pools.get(key) !== used) return;
          used.idle = setTimeout(() => retire(key, used), idleMs);
          (used.idle as { unref?: () => void }).unref?.();
        },
      };
    },
    async close() {
      const open = [...pools.values()];
      pools.clear();
      for (const entry of open) if (entry.idle !== undefined) clearTimeout(entry.idle);
      await Promise.all(open.map((entry) => entry.pool.close()));
    },
  };
}
