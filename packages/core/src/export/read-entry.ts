import { ExportFormatError } from "../errors/export-format-error.js";
import type { Source } from "../ports/source.js";
import { readChunks } from "../source/read-chunks.js";
import { murmur3x86x128 } from "../util/hash.js";
import type { Cursor } from "./cursor.js";
import { idOf } from "./dedupe-shards.js";
import { elementBytes } from "./element-bytes.js";
import type { ExportItem } from "./export-item.js";
import { ElementScanner, type ScanEnd, type ScannedElement } from "./element-scanner.js";
import type { EntryPlan } from "./entry-plan.js";
import type { ParseIssue } from "./parse-issue.js";
import { type ElementContext, parseElement, unknownFormat } from "./parse-element.js";
import type { ReadExportOptions } from "./read-export-options.js";

const YIELD_EVERY_MS = 40;

/** What reading one entry shares with the rest of the export; the counters carry across entries. */
export interface ExportReadState {
  readonly source: Source;
  readonly options: ReadExportOptions;
  readonly report: (issue: ParseIssue) => void;
  /** Keys of the issues reported once per export. */
  readonly reported: Set<string>;
  /** `entryIndex:elementIndex` of shard copies that lost to a newer copy; `null` when not sharded. */
  readonly losers: ReadonlySet<string> | null;
  /**
   * Re-import: each element's bytes are hashed, and one whose hash this accepts is yielded unparsed
   * (`skipped`); `null` hashes nothing.
   */
  readonly known: ((rawHash: string) => boolean) | null;
  /** The export is this one entry: an empty entry is then an error, not an issue. */
  readonly single: boolean;
  /** Conversations recognized so far (1 on resume: the cursor proves the format). */
  recognized: number;
  unrecognized: number;
  lastYield: number;
}

/**
 * Yields the conversations of one entry (the `e`th of the plan), from `resume` when given: checks
 * that the byte before the cursor closes a conversation, skips shard duplicates, reports progress,
 * and reports how the entry ended.
 */
export async function* readEntry(
  entry: EntryPlan,
  e: number,
  resume: Cursor | null,
  state: ExportReadState,
): AsyncGenerator<ExportItem> {
  const { source, options, report, losers } = state;
  const signal = options.signal;
  const interval = options.progressIntervalBytes ?? 4 * 1024 * 1024;
  const from = resume ? Math.max(0, resume.offset - 1) : 0;
  const opened = await entry.open(from);
  const scanner = new ElementScanner(
    resume ? { resume: { offset: resume.offset, index: resume.index } } : {},
  );
  const ctx: ElementContext = {
    sourceName: source.name,
    entry: entry.name,
    branches: options.branches === "all",
    report,
    reported: state.reported,
  };
  let verified = resume === null;
  let seen = resume ? resume.index + 1 : 0;
  let sinceProgress = 0;
  const size = opened.size === null ? null : opened.size;
  const progress = () => options.onProgress?.({ entry: entry.name, bytes: scanner.offset, totalBytes: size });
  // At once, so the total is known before the first interval's worth of bytes is read.
  progress();

  for await (let chunk of readChunks(opened.stream, from - opened.offset, signal)) {
    if (!verified) {
      // The byte before the cursor must close the conversation it points after.
      if (chunk[0] !== 0x7d) {
        throw new ExportFormatError(
          `the resume cursor (offset ${resume!.offset}) does not follow a conversation in ${entry.name ?? source.name}; the input changed, start over`,
          {
            reason: "cursor-mismatch",
            offset: resume!.offset,
            ...(entry.name === null ? {} : { entry: entry.name }),
          },
        );
      }
      verified = true;
      chunk = chunk.subarray(1);
      if (chunk.length === 0) continue;
    }
    let elements: ScannedElement[];
    try {
      elements = scanner.push(chunk);
    } catch (error) {
      throw new ExportFormatError(
        `${entry.name ?? source.name} is not a ChatGPT or Claude.ai export (${(error as Error).message}); pass conversations.json, the export ZIP, or its unzipped folder`,
        { reason: "not-json", cause: error, ...(entry.name === null ? {} : { entry: entry.name }) },
      );
    }
    for (const element of elements) {
      seen++;
      signal?.throwIfAborted();
      if (losers?.has(`${e}:${element.index}`)) {
        report({
          code: "duplicate-conversation",
          message: `a newer copy of this conversation (by update_time) in another shard was kept; this copy skipped`,
          offset: element.start,
          ...(entry.name === null ? {} : { entry: entry.name }),
          ...idOf(elementBytes(element)),
        });
        continue;
      }
      const cursor: Cursor = { entry: entry.name, offset: element.end, index: element.index };
      let rawHash: string | null = null;
      if (state.known) {
        const bytes = elementBytes(element);
        // Parsing reads the one buffer again rather than copying the parts a second time.
        element.parts = [bytes];
        rawHash = murmur3x86x128(bytes, bytes.length);
        if (state.known(rawHash)) {
          state.recognized++;
          yield { skipped: rawHash, cursor };
          continue;
        }
      }
      const result = parseElement(element, cursor, ctx, scanner.layout === "object");
      if (result === "unrecognized") {
        state.unrecognized++;
        if (state.recognized === 0 && (state.unrecognized >= 8 || scanner.layout === "object"))
          throw unknownFormat(source, entry.name);
        continue;
      }
      if (result === null) continue;
      state.recognized++;
      yield { conversation: result, rawHash };
      if (Date.now() - state.lastYield > YIELD_EVERY_MS) {
        // Let timers (lease renewal) run even when the source never waits on I/O.
        await new Promise((resolve) => setTimeout(resolve, 0));
        state.lastYield = Date.now();
      }
    }
    sinceProgress += chunk.length;
    if (sinceProgress >= interval) {
      sinceProgress = 0;
      progress();
    }
  }
  if (!verified) {
    throw new ExportFormatError(
      `the resume cursor (offset ${resume!.offset}) lies past the end of ${entry.name ?? source.name}; the input changed, start over`,
      {
        reason: "cursor-mismatch",
      },
    );
  }
  progress();
  reportEnd(scanner.end(), scanner.offset, seen, entry.name, state);
}

/**
 * Reports (or, when nothing was read, throws for) an entry that is empty or ends early, and data
 * after its top-level value (the conversations before it are kept).
 */
function reportEnd(
  end: ScanEnd,
  offset: number,
  seen: number,
  entryName: string | null,
  state: ExportReadState,
): void {
  const where = entryName ?? state.source.name;
  if (end.empty) {
    if (state.single)
      throw new ExportFormatError(`${where} is empty; pass a complete export`, { reason: "empty-input" });
    state.report({ code: "skipped-entry", message: `${where} is empty`, entry: where });
  } else if (end.truncated) {
    if (seen === 0) {
      throw new ExportFormatError(
        `${where} ends before its first conversation is complete; the file is truncated, download the export again`,
        {
          reason: "truncated",
          offset,
          ...(entryName === null ? {} : { entry: entryName }),
        },
      );
    }
    state.report({
      code: "truncated-input",
      message: `${where} ends inside a conversation or before the array closes (at byte ${offset}); the ${seen} complete conversation(s) before it were kept`,
      offset: end.truncatedAt ?? offset,
      ...(entryName === null ? {} : { entry: entryName }),
    });
  }
  if (end.trailingAt !== undefined) {
    state.report({
      code: "trailing-data",
      message: `${where} goes on after its conversations end (at byte ${end.trailingAt}); the rest was ignored`,
      offset: end.trailingAt,
      ...(entryName === null ? {} : { entry: entryName }),
    });
  }
}
