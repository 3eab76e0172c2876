import { createImportPipeline as createPortableImportPipeline } from "../pipeline/import-pipeline.js";
import type { ImportPipelineOptions } from "../pipeline/import-pipeline-options.js";
import type { Pipeline } from "../pipeline/pipeline.js";
import { createImportChunkerPool } from "./import-chunker-pool.js";
import { zlibInflateRaw } from "./zlib-inflate-raw.js";

/** Options of `@threadmill/core/node`'s `createImportPipeline`: the portable ones plus `threads`. */
export interface NodeImportPipelineOptions extends ImportPipelineOptions {
  /**
   * Chunk on this many worker threads (`createImportChunkerPool({ threads })`), so tokenizing runs
   * beside parsing and store writes; `0` chunks in-process. Ignored when `chunkerPool` is given.
   * @default 0
   */
  readonly threads?: number;
}

/**
 * `createImportPipeline` for Node: ZIP entries are inflated with `node:zlib` (faster than fflate),
 * and `threads > 0` chunks on a worker-thread pool (same chunks and ids as in-process).
 * @example
 * const pipeline = createImportPipeline({ threads: 2 });
 */
export function createImportPipeline(options: NodeImportPipelineOptions = {}): Pipeline {
  const { threads = 0, ...rest } = options;
  if (!Number.isInteger(threads) || threads < 0) {
    throw new RangeError(`[threadmill] threads must be a whole number, got ${threads}.`);
  }
  const chunkerPool = rest.chunkerPool ?? (threads > 0 ? createImportChunkerPool({ threads }) : undefined);
  return createPortableImportPipeline({
    inflateRaw: zlibInflateRaw,
    ...rest,
    ...(chunkerPool ? { chunkerPool } : {}),
  });
}
