import { ExportFormatError } from "../errors/export-format-error.js";
import type { OpenedSource, Source } from "../ports/source.js";
import { planBatches, planManifest } from "./claude-batches.js";
import { concatBytes } from "./element-bytes.js";
import { type EntryPlan, isConversationFile, SHARD } from "./entry-plan.js";
import { MAX_MANIFEST_BYTES, parseExportManifest } from "./export-manifest.js";
import { listZip } from "./list-zip.js";
import type { ParseIssue } from "./parse-issue.js";
import type { ReadExportOptions } from "./read-export-options.js";
import { firstNonSpace, includes, isZipMagic } from "./sniff-bytes.js";
import { keepSafeNames } from "./unsafe-entry-names.js";

const MANIFEST_PEEK_BYTES = 64 * 1024;
const DATA_FILES = new TextEncoder().encode('"data_files"');

/**
 * Decides what to read: a folder's or ZIP's `conversations.json` or its shards, a folder of Claude's
 * batch ZIPs, Claude's export index, or one plain JSON stream (its look-ahead replayed).
 */
export async function planEntries(
  source: Source,
  options: ReadExportOptions,
  report: (issue: ParseIssue) => void,
): Promise<{ entries: EntryPlan[]; sharded: boolean }> {
  const signal = options.signal;
  const withSignal = signal ? { signal } : {};
  if (source.entries && source.openEntry) {
    const openEntry = source.openEntry;
    const names = keepSafeNames(await source.entries(), report);
    const zips = names.filter((n) => /\.zip$/i.test(n));
    if (!names.some(isConversationFile) && zips.length > 0) {
      // A folder of Claude's batch ZIPs (with or without the index): read them as one export.
      const batches = zips.map(
        (name): Source => ({ name, open: (opts = {}) => openEntry(name, { ...withSignal, ...opts }) }),
      );
      return planBatches(source, batches, options, report);
    }
    return pickEntries(source, names, (name) => (start) => openEntry(name, { start, ...withSignal }), report);
  }
  const resumingPlain = options.start && options.start.entry === null;
  if (resumingPlain)
    return {
      entries: [{ name: null, open: (start) => source.open({ start, ...withSignal }) }],
      sharded: false,
    };

  const opened = await source.open(withSignal);
  const reader = opened.stream.getReader();
  const head: Uint8Array[] = [];
  let headBytes = 0;
  let ended = false;
  const readMore = async (): Promise<boolean> => {
    const r = await reader.read();
    if (r.done) {
      ended = true;
      return false;
    }
    head.push(r.value);
    headBytes += r.value.length;
    return true;
  };
  while (headBytes < 4 && (await readMore()));
  let first = concatBytes(head);
  if (!isZipMagic(first)) {
    // Claude's export index is a small JSON object naming `data_files`: look ahead for it.
    while (!ended && headBytes < MANIFEST_PEEK_BYTES && (await readMore()));
    first = concatBytes(head);
    if (firstNonSpace(first) === 0x7b && includes(first, DATA_FILES)) {
      while (!ended && headBytes <= MAX_MANIFEST_BYTES && (await readMore()));
      first = concatBytes(head);
      const manifest = ended ? parseExportManifest(first) : null;
      if (manifest) return planManifest(source, manifest, options, report);
    }
    let used = false;
    const replay = new ReadableStream<Uint8Array>({
      start(controller) {
        // The look-ahead is handed on in the chunks it came in (progress counts chunks).
        for (const chunk of head) if (chunk.length > 0) controller.enqueue(chunk);
        head.length = 0;
        if (ended) controller.close();
      },
      async pull(controller) {
        const r = await reader.read();
        if (r.done) controller.close();
        else controller.enqueue(r.value);
      },
      async cancel(reason) {
        await reader.cancel(reason);
      },
    });
    return {
      entries: [
        {
          name: null,
          async open(start) {
            if (!used && start === 0) {
              used = true;
              return { stream: replay, size: opened.size, offset: 0 };
            }
            return source.open({ start, ...withSignal });
          },
        },
      ],
      sharded: false,
    };
  }
  await reader.cancel().catch(() => {});
  if (opened.size === null) {
    throw new ExportFormatError(
      `${source.name} is a ZIP from a stream of unknown size; ZIPs need random access: save it to a file (or give bytes or a URL) and read that`,
      { reason: "unreadable" },
    );
  }
  const zip = await listZip(source, opened.size, options, report);
  return pickEntries(source, zip.names, zip.opener, report);
}

function pickEntries(
  source: Source,
  names: readonly string[],
  opener: (name: string) => (start: number) => Promise<OpenedSource>,
  report: (issue: ParseIssue) => void,
): { entries: EntryPlan[]; sharded: boolean } {
  const base = (n: string) => n.slice(n.lastIndexOf("/") + 1);
  const depth = (n: string) => n.split("/").length;
  const main = names
    .filter((n) => base(n).toLowerCase() === "conversations.json")
    .sort((a, b) => depth(a) - depth(b) || (a < b ? -1 : 1));
  if (main.length > 0) {
    for (const shard of names.filter((n) => SHARD.test(base(n)))) {
      report({
        code: "skipped-entry",
        message: `shard ${shard} not read: ${main[0]} holds the conversations`,
        entry: shard,
      });
    }
    for (const other of main.slice(1))
      report({
        code: "skipped-entry",
        message: `second conversations.json (${other}) not read; ${main[0]} was`,
        entry: other,
      });
    return { entries: [{ name: main[0]!, open: opener(main[0]!) }], sharded: false };
  }
  const shards = names
    .filter((n) => SHARD.test(base(n)))
    .sort((a, b) => Number(SHARD.exec(base(a))![1]) - Number(SHARD.exec(base(b))![1]) || (a < b ? -1 : 1));
  if (shards.length > 0) return { entries: shards.map((n) => ({ name: n, open: opener(n) })), sharded: true };
  const listed = names.slice(0, 8).join(", ") + (names.length > 8 ? ", ..." : "");
  throw new ExportFormatError(
    `${source.name} holds no conversations.json or conversations-NNN.json (found: ${listed || "nothing"}). Claude's split export spreads files over several ZIPs: pass the one holding conversations.json`,
    { reason: "no-conversations-file" },
  );
}
