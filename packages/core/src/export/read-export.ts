import { ExportFormatError } from "../errors/export-format-error.js";
import type { Source } from "../ports/source.js";
import { type ExportInput, toSource } from "../source/to-source.js";
import type { Conversation } from "./conversation.js";
import type { Cursor } from "./cursor.js";
import { findDuplicateLosers } from "./dedupe-shards.js";
import type { EntryPlan } from "./entry-plan.js";
import type { ExportItem } from "./export-item.js";
import type { ParseIssue } from "./parse-issue.js";
import { unknownFormat } from "./parse-element.js";
import { planEntries } from "./plan-entries.js";
import { type ExportReadState, readEntry } from "./read-entry.js";
import type { ReadExportOptions } from "./read-export-options.js";

export type { ReadExportOptions, ReadProgress } from "./read-export-options.js";

/**
 * Reads a ChatGPT or Claude.ai export as a stream of conversations with flat memory: a
 * `conversations.json` (array, `{ conversations: [...] }` wrapper or one bare conversation), an
 * export ZIP, a sharded export (`conversations-000.json`...; duplicates keep the newest
 * `update_time`), or, through a `Source` with entries, an unzipped export directory. Claude's split
 * export is read too: its index JSON (`data_files[].export_url`) is followed to the batch ZIPs (HTTP
 * with `Range` and retries; cursors' `entry` is `<batch file>!<entry>`), and a folder of batch ZIPs is
 * read like one export (duplicates across batches keep the newest `updated_at`). The format
 * is detected from the content. Malformed conversations are skipped and reported through
 * `onIssue`; only an input unusable as a whole throws `ExportFormatError`.
 *
 * Each conversation carries its `cursor`; `start: cursor` yields exactly the ones after it, seeking
 * where the source allows (a file, bytes, an HTTP server honouring `Range`, a stored ZIP entry) and
 * otherwise re-reading and skipping (a deflated ZIP entry is re-inflated; a web `ReadableStream`
 * is re-read). ZIPs need a source of known size (not a one-shot stream). Memory stays flat: only
 * the conversation being parsed is held (about 5x its size at peak).
 * @example
 * for await (const conversation of readExport(bytes, { onIssue: console.warn })) {
 *   console.log(conversation.title, conversation.messages.length, conversation.cursor);
 * }
 */
export async function* readExport(
  input: ExportInput,
  options: ReadExportOptions = {},
): AsyncGenerator<Conversation> {
  for await (const item of readExportItems(input, options, null)) {
    if ("conversation" in item) yield item.conversation;
  }
}

/**
 * `readExport` for the import stage: with `known`, each conversation's bytes are hashed and one
 * whose hash `known` accepts is yielded unparsed (a re-import's unchanged conversation).
 */
export async function* readExportItems(
  input: ExportInput,
  options: ReadExportOptions,
  known: ((rawHash: string) => boolean) | null,
): AsyncGenerator<ExportItem> {
  const source = toSource(input);
  const signal = options.signal;
  const start = options.start;
  const report = (issue: ParseIssue) => options.onIssue?.(issue);
  signal?.throwIfAborted();

  const { entries, sharded } = await planEntries(source, options, report);
  const startEntry = startEntryOf(source, entries, start);
  const resuming = start !== undefined && (start.offset > 0 || start.entry !== null);
  const state: ExportReadState = {
    source,
    options,
    report,
    reported: new Set<string>(),
    // Shards: a first, cheap pass over ids and update times decides which copy of a duplicate stays.
    losers: sharded ? await findDuplicateLosers(entries, signal) : null,
    known,
    single: entries.length === 1,
    // A resume cursor points after a conversation this export already yielded: its format is known,
    // so a remainder of only malformed elements is reported, never taken for an unknown format.
    recognized: resuming ? 1 : 0,
    unrecognized: 0,
    lastYield: Date.now(),
  };
  for (let e = startEntry; e < entries.length; e++) {
    yield* readEntry(entries[e]!, e, resuming && e === startEntry ? start : null, state);
  }
  if (state.recognized === 0 && state.unrecognized > 0) throw unknownFormat(source, null);
}

/** The index of the entry a resume cursor points into (0 without one); throws when the input changed. */
function startEntryOf(source: Source, entries: readonly EntryPlan[], start: Cursor | undefined): number {
  if (start && start.entry !== null) {
    const startEntry = entries.findIndex((e) => e.name === start.entry);
    if (startEntry === -1) {
      throw new ExportFormatError(
        `the resume cursor names entry ${start.entry}, which ${source.name} does not hold; the input changed, start over`,
        {
          reason: "cursor-mismatch",
        },
      );
    }
    return startEntry;
  } else if (start && entries[0]?.name !== null) {
    throw new ExportFormatError(
      `the resume cursor is for a plain JSON file but ${source.name} is an archive or folder; start over`,
      {
        reason: "cursor-mismatch",
      },
    );
  }
  return 0;
}
