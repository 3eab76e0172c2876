import type { Chunk } from "../chunk/chunk.js";
import { type ChunkerOptions, createChunker } from "../chunk/chunker.js";
import type { TokenizerName } from "../chunk/token-counter.js";
import type { Conversation } from "../export/conversation.js";
import type { Cursor } from "../export/cursor.js";
import type { ParseIssue } from "../export/parse-issue.js";
import { type ReadExportOptions, readExport } from "../export/read-export.js";
import type { StoredConversation } from "../ports/conversation-store.js";
import type { JobProgress } from "../ports/job.js";
import type { RawInflate } from "../source/zip-archive.js";
import type { JsonObject } from "../util/json.js";
import { JobConfigurationError } from "../errors/job-configuration-error.js";
import type { Pipeline, Stage, StageContext, StageRun, UnitContext, UnitResult } from "./pipeline.js";

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

const TOKENIZERS: readonly TokenizerName[] = ["o200k_base", "cl100k_base", "claude"];

function positiveInt(value: unknown, fallback: number, name: string): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw new JobConfigurationError(
      "INVALID_OPTIONS",
      `import option ${name} must be a whole number, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** The chunker and reader settings of one job: the job's options over the pipeline's. */
function settingsOf(defaults: ImportPipelineOptions, options: JsonObject) {
  const branches = options.branches ?? defaults.branches ?? "active";
  if (branches !== "active" && branches !== "all") {
    throw new JobConfigurationError(
      "INVALID_OPTIONS",
      `import option branches must be "active" or "all", got ${JSON.stringify(branches)}`,
    );
  }
  const tokenizer = options.tokenizer ?? defaults.tokenizer ?? "o200k_base";
  if (typeof tokenizer === "string" && !(TOKENIZERS as readonly string[]).includes(tokenizer)) {
    throw new JobConfigurationError(
      "INVALID_OPTIONS",
      `import option tokenizer must be one of ${TOKENIZERS.join(", ")}, got ${JSON.stringify(tokenizer)}`,
    );
  }
  return {
    branches: branches as "active" | "all",
    chunker: {
      maxTokens: positiveInt(options.maxTokens, defaults.maxTokens ?? 512, "maxTokens"),
      overlapTokens: positiveInt(options.overlapTokens, defaults.overlapTokens ?? 64, "overlapTokens"),
      tokenizer: tokenizer as NonNullable<ChunkerOptions["tokenizer"]>,
      ...(defaults.format ? { format: defaults.format } : {}),
    } satisfies ChunkerOptions,
  };
}

/**
 * `true` when a resumed reader reports `issue` again before its first conversation: a skipped entry
 * found while planning the archive, or anything at or before the cursor. Those were counted by the
 * unit that first met them.
 */
function beforeCursor(issue: ParseIssue, start: Cursor): boolean {
  if (issue.offset === undefined) return issue.code === "skipped-entry";
  return (issue.entry ?? null) === start.entry && issue.offset <= start.offset;
}

/**
 * The stock import pipeline: one stage whose unit is a batch of conversations (bounded by count,
 * bytes and time). A unit reads the batch from the export, renders and chunks it; the runner then
 * upserts its conversations and chunks and checkpoints the export cursor just after the batch, so a
 * resumed job seeks to that byte (or, in a ZIP, re-inflates and skips to it). Counts:
 * `conversations`, `messages` (active path and branches), `chunks`, `issues`. An unreadable input
 * fails the job with `ExportFormatError` (never retried); per-conversation problems are counted.
 * @example
 * const runner = createRunner({ store, pipelines: { import: createImportPipeline({ maxTokens: 512 }) }, sources });
 */
export function createImportPipeline(options: ImportPipelineOptions = {}): Pipeline {
  const batchConversations = Math.max(1, options.batchConversations ?? 200);
  const batchBytes = Math.max(1, options.batchBytes ?? 8 * 1024 * 1024);
  const batchMs = Math.max(1, options.batchMs ?? 2_000);
  const prefetch = options.prefetch !== false;
  const stage: Stage<ImportCursor | null> = {
    name: options.stageName ?? "import",
    open(context: StageContext, cursor: ImportCursor | null): StageRun<ImportCursor | null> {
      const settings = settingsOf(options, context.options);
      const pooled = options.chunkerPool?.acquire(settings.chunker) ?? null;
      const chunker = pooled ? null : createChunker(settings.chunker);
      // Aborts a prefetch still running when the stage closes; follows the runner's signal.
      const local = new AbortController();
      const forward = () => local.abort(context.signal.reason);
      if (context.signal.aborted) forward();
      else context.signal.addEventListener("abort", forward, { once: true });
      let issues = 0;
      let beforeFirst = cursor !== null;
      let progress: JobProgress | undefined;
      const readOptions: ReadExportOptions = {
        branches: settings.branches,
        ...(cursor ? { start: cursor } : {}),
        signal: local.signal,
        ...(options.inflateRaw ? { inflateRaw: options.inflateRaw } : {}),
        onIssue: (issue) => {
          if (beforeFirst && cursor && beforeCursor(issue, cursor)) return;
          issues += 1;
          options.onIssue?.(issue, { tenant: context.job.tenant, jobId: context.job.id });
        },
        onProgress: (p) => {
          progress = { done: p.bytes, total: p.totalBytes, unit: "bytes" };
        },
      };
      const iterator = readExport(context.source, readOptions)[Symbol.asyncIterator]();
      let position: ImportCursor | null = cursor;
      let finished = false;
      let ahead: Promise<UnitResult<ImportCursor | null>> | null = null;

      /** Reads, renders and chunks one batch. Never runs twice at once: units are produced in order. */
      const produce = async (unit: UnitContext): Promise<UnitResult<ImportCursor | null>> => {
        const startedAt = Date.now();
        const startIssues = issues;
        const conversations: StoredConversation[] = [];
        const chunkLists: (Chunk[] | Promise<Chunk[]>)[] = [];
        let messages = 0;
        let fromOffset = position?.offset ?? 0;
        let fromEntry = position?.entry ?? null;
        try {
          for (;;) {
            const step = await iterator.next();
            if (step.done) {
              finished = true;
              break;
            }
            const conversation: Conversation = step.value;
            beforeFirst = false;
            const { cursor: at, ...stored } = conversation;
            if (at.entry !== fromEntry) {
              fromEntry = at.entry;
              fromOffset = 0;
            }
            conversations.push(stored);
            messages += conversation.messages.length;
            for (const branch of conversation.branches ?? []) messages += branch.messages.length;
            if (pooled) {
              const list = pooled.chunk(conversation);
              // Awaited below; a rejection before then must not count as unhandled.
              list.catch(() => {});
              chunkLists.push(list);
            } else {
              const list: Chunk[] = [];
              for (const chunk of chunker!.chunk(conversation)) {
                list.push(chunk);
                await unit.yield();
              }
              chunkLists.push(list);
            }
            position = at;
            await unit.yield();
            local.signal.throwIfAborted();
            const now = Date.now();
            if (
              conversations.length >= batchConversations ||
              at.offset - fromOffset >= batchBytes ||
              now - startedAt >= batchMs ||
              now >= unit.endBy - (now - startedAt) / conversations.length
            ) {
              break;
            }
          }
        } catch (error) {
          // Let chunks already sent to the pool finish, so nothing of this unit runs after it failed.
          await Promise.allSettled(chunkLists);
          throw error;
        }
        const chunks: Chunk[] = [];
        for (const settled of await Promise.allSettled(chunkLists)) {
          if (settled.status === "rejected") throw settled.reason;
          for (const chunk of settled.value) chunks.push(chunk);
        }
        local.signal.throwIfAborted();
        const p = progress ?? (position ? { done: position.offset, total: null, unit: "bytes" } : undefined);
        return {
          cursor: position,
          done: finished,
          counts: {
            conversations: conversations.length,
            messages,
            chunks: chunks.length,
            issues: issues - startIssues,
          },
          ...(p ? { progress: finished && p.total !== null ? { ...p, done: p.total } : p } : {}),
          conversations,
          chunks,
        };
      };

      return {
        async next(unit: UnitContext): Promise<UnitResult<ImportCursor | null>> {
          const result = await (ahead ?? produce(unit));
          ahead = null;
          if (prefetch && !result.done) {
            ahead = produce(unit);
            ahead.catch(() => {});
          }
          return result;
        },
        async close() {
          context.signal.removeEventListener("abort", forward);
          const running = ahead;
          ahead = null;
          if (running) {
            local.abort(new Error("[threadmill] import stage closed"));
            await running.catch(() => {});
          }
          pooled?.release();
          await iterator.return?.(undefined);
        },
      };
    },
  };
  return { stages: [stage] };
}
