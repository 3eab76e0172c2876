import type { ImportCursor, ImportPipelineOptions } from "./import-pipeline-options.js";
import { openImportStage } from "./import-stage-run.js";
import type { Pipeline, Stage } from "./pipeline.js";

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
  const limits = {
    conversations: Math.max(1, options.batchConversations ?? 200),
    bytes: Math.max(1, options.batchBytes ?? 8 * 1024 * 1024),
    ms: Math.max(1, options.batchMs ?? 2_000),
  };
  const stage: Stage<ImportCursor | null> = {
    name: options.stageName ?? "import",
    open: (context, cursor) => openImportStage(options, limits, context, cursor),
  };
  return { stages: [stage] };
}
