import { createChunker } from "../chunk/chunker.js";
import type { Cursor } from "../export/cursor.js";
import type { ParseIssue } from "../export/parse-issue.js";
import { type ReadExportOptions, readExportItems } from "../export/read-export.js";
import { LibraryTracker } from "../library/library-tracker.js";
import { mergeLibraryWrites } from "../library/library-writes.js";
import { librarySettings } from "../library/library-settings.js";
import { type BatchLimits, type ImportRead, readBatch } from "./import-batch.js";
import type { ImportPipelineOptions } from "./import-pipeline-options.js";
import { importSettings } from "./import-settings.js";
import type { StageContext, StageRun, UnitContext, UnitResult } from "./pipeline.js";

/**
 * `true` when a resumed reader reports `issue` again before its first conversation: a skipped entry
 * found while planning the archive, or anything at or before the cursor. Those were counted by the
 * unit that first met them.
 */
function beforeCursor(issue: ParseIssue, start: Cursor): boolean {
  if (issue.offset === undefined) return issue.code === "skipped-entry";
  return (issue.entry ?? null) === start.entry && issue.offset <= start.offset;
}

/** The last unit's result with the library's missing conversations counted (and, to delete, their writes). */
async function withMissing(
  tracker: LibraryTracker,
  result: UnitResult<Cursor | null>,
): Promise<UnitResult<Cursor | null>> {
  await tracker.finish();
  const { writes, counts } = tracker.take();
  const sum = { ...result.counts };
  for (const [name, n] of Object.entries(counts)) sum[name] = (sum[name] ?? 0) + n;
  return { ...result, counts: sum, library: mergeLibraryWrites(result.library, writes) };
}

/** Opens the import stage of one job at `cursor`: a reader of its export, a chunker, and the prefetch of the next batch. */
export function openImportStage(
  options: ImportPipelineOptions,
  limits: BatchLimits,
  context: StageContext,
  cursor: Cursor | null,
): StageRun<Cursor | null> {
  const settings = importSettings(options, context.options);
  const pooled = options.chunkerPool?.acquire(settings.chunker) ?? null;
  // Aborts a prefetch still running when the stage closes; follows the runner's signal.
  const local = new AbortController();
  const forward = () => local.abort(context.signal.reason);
  if (context.signal.aborted) forward();
  else context.signal.addEventListener("abort", forward, { once: true });
  const report = (issue: ParseIssue) => {
    read.issues += 1;
    options.onIssue?.(issue, { tenant: context.job.tenant, jobId: context.job.id });
  };
  const readOptions: ReadExportOptions = {
    branches: settings.branches,
    ...(cursor ? { start: cursor } : {}),
    signal: local.signal,
    ...(options.inflateRaw ? { inflateRaw: options.inflateRaw } : {}),
    onIssue: (issue) => {
      if (read.beforeFirst && cursor && beforeCursor(issue, cursor)) return;
      report(issue);
    },
    onProgress: (p) => {
      read.progress = { done: p.bytes, total: p.totalBytes, unit: "bytes" };
    },
  };
  const library = context.library;
  const read: ImportRead = {
    // Nothing is read before the first batch, by which time the tracker is loaded.
    iterator: readExportItems(
      context.source,
      readOptions,
      library ? (rawHash) => read.tracker!.known(rawHash) : null,
    )[Symbol.asyncIterator](),
    tracker: null,
    pooled,
    chunker: pooled ? null : createChunker(settings.chunker),
    signal: local.signal,
    limits,
    issues: 0,
    report,
    beforeFirst: cursor !== null,
    progress: undefined,
    position: cursor,
    finished: false,
  };
  const prefetch = options.prefetch !== false;
  let ahead: Promise<UnitResult<Cursor | null>> | null = null;
  return {
    async next(unit: UnitContext): Promise<UnitResult<Cursor | null>> {
      if (library && !read.tracker) {
        read.tracker = await LibraryTracker.load({
          store: library,
          tenant: context.job.tenant,
          jobId: context.job.id,
          settings: librarySettings({ ...settings, options: context.options }),
          missing: settings.missing,
        });
      }
      let result = await (ahead ?? readBatch(read, unit));
      ahead = null;
      // Only now, with the earlier units' writes done (a prefetched last batch was read while they
      // were being written), does the store say which conversations this job holds.
      if (result.done && read.tracker) result = await withMissing(read.tracker, result);
      if (prefetch && !result.done) {
        ahead = readBatch(read, unit);
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
      await read.iterator.return?.(undefined);
    },
  };
}
