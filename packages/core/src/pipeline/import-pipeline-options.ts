import type { Chunk } from "../chunk/chunk.js";
import type { ChunkerOptions } from "../chunk/chunker.js";
import type { Conversation } from "../export/conversation.js";
import type { Cursor } from "../export/cursor.js";
import type { ParseIssue } from "../export/parse-issue.js";
import type { RawInflate } from "../source/zip-archive.js";

/** Options of `createImportPipeline`; the job's own options (`maxTokens`, `overlapTokens`, `tokenizer`, `branches`) override them. */
export interface ImportPipelineOptions {
  /** @default "active" */
  readonly branches?: "active" | "all";
  /** @default 512 */
  readonly maxTokens?: number;
  /** @default 64 */
  readonly overlapTokens?: number;
  /** @default "o200k_base" */
  readonly tokenizer?: ChunkerOptions["tokenizer"];
  /** Chunk text layout. @default labels `User: ` / `Assistant: `, separator `\n\n` */
  readonly format?: ChunkerOptions["format"];
  /** A unit (one checkpoint) holds at most this many conversations. @default 200 */
  readonly batchConversations?: number;
  /** ... and about this many bytes of the export. @default 8388608 (8 MiB) */
  readonly batchBytes?: number;
  /** ... and stops taking conversations after this long (ms). @default 2000 */
  readonly batchMs?: number;
  /** Raw DEFLATE inflater for ZIP exports. @default fflate (`@threadmill/core/node`'s pipeline uses node:zlib) */
  readonly inflateRaw?: RawInflate;
  /** Name of the stage in checkpoints and events. @default "import" */
  readonly stageName?: string;
  /**
   * Told about each `ParseIssue` the reader reports, as it is counted (issues before a resumed
   * cursor are not told again; a unit that is repeated after a failure tells its issues again).
   * The CLI's `import --verbose` lists them.
   */
  readonly onIssue?: (
    issue: ParseIssue,
    context: { readonly tenant: string; readonly jobId: string },
  ) => void;
  /**
   * Chunks off this thread (worker threads), so parsing, tokenizing and store writes use several
   * cores. `@threadmill/core/node`'s `createImportPipeline({ threads })` passes
   * `createImportChunkerPool({ threads })` here. Chunks and ids are the same as in-process.
   * @default undefined (chunks in-process)
   */
  readonly chunkerPool?: ImportChunkerPool;
  /**
   * Reads and chunks the next unit while the runner writes the previous unit's outputs and saves its
   * checkpoint, so tokenizing overlaps with store writes. A prefetched unit that is never asked for
   * (the job stops, a unit failed) is dropped: it wrote nothing. @default true
   */
  readonly prefetch?: boolean;
}

/**
 * Where `createImportPipeline({ chunkerPool })` sends conversations to be chunked: a pool of worker
 * threads (`createImportChunkerPool` in `@threadmill/core/node`) or anything else with its contract.
 */
export interface ImportChunkerPool {
  /**
   * A chunker for one opened stage with the job's settings, or `null` to chunk in-process (a
   * `tokenizer` object cannot cross to a worker thread). Its `chunk` must give exactly the chunks of
   * `createChunker(options).chunk(conversation)`, in order; `release` is called once the stage closes.
   */
  acquire(options: ChunkerOptions): PooledChunker | null;
}

/** A chunker lent by an `ImportChunkerPool` to one opened stage. */
export interface PooledChunker {
  chunk(conversation: Pick<Conversation, "id" | "messages" | "branches">): Promise<Chunk[]>;
  /** The stage is done with it. Idempotent. */
  release(): void;
}

/** The import stage's cursor: the export position after the last checkpointed conversation. */
export type ImportCursor = Cursor;
