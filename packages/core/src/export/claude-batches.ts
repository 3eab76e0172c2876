import { ExportFormatError } from "../errors/export-format-error.js";
import type { OpenedSource, Source } from "../ports/source.js";
import { createHttpSource } from "../source/create-http-source.js";
import { readChunks } from "../source/read-chunks.js";
import { concatBytes, elementBytes } from "./element-bytes.js";
import { ElementScanner } from "./element-scanner.js";
import { type EntryPlan, SHARD, sortShards } from "./entry-plan.js";
import type { ExportManifest } from "./export-manifest.js";
import { listZip } from "./list-zip.js";
import type { ParseIssue } from "./parse-issue.js";
import type { ReadExportOptions } from "./read-export-options.js";
import { isZipMagic } from "./sniff-bytes.js";
import { NESTED, readTopLevelFields } from "./top-level-fields.js";

const PROBE_BYTES = 1024 * 1024;
const PROBE_FIELDS = new Set(["mapping", "chat_messages"]);

/** Claude's export index: every listed batch is fetched over HTTP; a batch that is gone for good stops with `manifest-unreachable`. */
export function planManifest(
  source: Source,
  manifest: ExportManifest,
  options: ReadExportOptions,
  report: (issue: ParseIssue) => void,
): Promise<{ entries: EntryPlan[]; sharded: boolean }> {
  const names = manifest.files.map((f) => f.name);
  if (options.followIndex === false) {
    return Promise.reject(
      new ExportFormatError(
        `${source.name} is Claude's export index, whose download links this reader does not follow (followIndex: false). Download the batch ZIPs (${names.join(", ")}) and import their folder, or each ZIP`,
        { reason: "manifest-unreachable" },
      ),
    );
  }
  const batches = manifest.files.map((f) =>
    guardBatch(
      createHttpSource(f.url, { name: f.name, ...(options.fetch ? { fetch: options.fetch } : {}) }),
      names,
      options.signal,
    ),
  );
  return planBatches(source, batches, options, report);
}

/**
 * The conversation entries of several batches (ZIPs, or plain JSON files), named
 * `<batch>!<entry>` (a plain batch by its own name). Inside a batch, `conversations.json` or its
 * shards are taken by name; a batch with neither is probed by content (the first element of each
 * `.json` entry must be a conversation). Several entries are deduped like shards.
 */
export async function planBatches(
  source: Source,
  batches: readonly Source[],
  options: ReadExportOptions,
  report: (issue: ParseIssue) => void,
): Promise<{ entries: EntryPlan[]; sharded: boolean }> {
  const signal = options.signal;
  const entries: EntryPlan[] = [];
  for (const batch of batches) {
    signal?.throwIfAborted();
    const opened = await batch.open(signal ? { signal } : {});
    const reader = opened.stream.getReader();
    const head: Uint8Array[] = [];
    let headBytes = 0;
    while (headBytes < 4) {
      const r = await reader.read();
      if (r.done) break;
      head.push(r.value);
      headBytes += r.value.length;
    }
    await reader.cancel().catch(() => {});
    if (!isZipMagic(concatBytes(head))) {
      if (await holdsConversations((start) => batch.open({ start, ...(signal ? { signal } : {}) }), signal))
        entries.push({
          name: batch.name,
          open: (start) => batch.open({ start, ...(signal ? { signal } : {}) }),
        });
      continue;
    }
    if (opened.size === null) {
      throw new ExportFormatError(`batch ${batch.name} did not state its size; ZIPs need random access`, {
        reason: "unreadable",
        entry: batch.name,
      });
    }
    const zip = await listZip(batch, opened.size, options, report);
    let picked: string[];
    const main = zip.names.filter(
      (n) => n.slice(n.lastIndexOf("/") + 1).toLowerCase() === "conversations.json",
    );
    const shards = zip.names.filter((n) => SHARD.test(n.slice(n.lastIndexOf("/") + 1)));
    if (main.length > 0) picked = main.slice(0, 1);
    else if (shards.length > 0) picked = sortShards(shards);
    else {
      picked = [];
      for (const name of zip.names.filter((n) => /\.json$/i.test(n)))
        if (await holdsConversations(zip.opener(name), signal)) picked.push(name);
    }
    for (const name of picked) entries.push({ name: `${batch.name}!${name}`, open: zip.opener(name) });
  }
  if (entries.length === 0) {
    const listed = batches.map((b) => b.name).join(", ");
    throw new ExportFormatError(
      `none of the batch files of ${source.name} (${listed}) holds conversations; download the batch holding conversations.json and import it`,
      { reason: "no-conversations-file" },
    );
  }
  return { entries, sharded: entries.length > 1 };
}

/** Whether the first element of an entry is a ChatGPT or Claude conversation (reads at most 1 MiB). */
async function holdsConversations(
  open: (start: number) => Promise<OpenedSource>,
  signal?: AbortSignal,
): Promise<boolean> {
  const opened = await open(0);
  const scanner = new ElementScanner();
  let read = 0;
  try {
    for await (const chunk of readChunks(opened.stream, -opened.offset, signal)) {
      const [element] = scanner.push(chunk);
      if (element) {
        const f = readTopLevelFields(elementBytes(element), PROBE_FIELDS);
        return f.get("mapping") === NESTED || f.get("chat_messages") === NESTED;
      }
      read += chunk.length;
      if (read >= PROBE_BYTES) return false;
    }
  } catch (error) {
    if (signal?.aborted) throw error;
    if (error instanceof ExportFormatError && error.reason === "manifest-unreachable") throw error;
    return false;
  }
  return false;
}

/**
 * Wraps a batch's HTTP source so that a download that fails for good (404, an expired signed URL's
 * 400/403, the network gone after retries) becomes `manifest-unreachable`, naming the batch files
 * and never the URL.
 */
function guardBatch(batch: Source, names: readonly string[], signal?: AbortSignal): Source {
  const convert = (error: unknown): unknown => {
    if (signal?.aborted) return error;
    const unreadable = error instanceof ExportFormatError && error.reason === "unreadable";
    if (!unreadable && !(error instanceof TypeError)) return error;
    const status = (error as { cause?: { status?: unknown } }).cause?.status;
    const why = typeof status === "number" ? `HTTP ${status}` : "the download failed";
    return new ExportFormatError(
      `could not download ${batch.name} listed by Claude's export index (${why}; its links expire). Download the batch ZIPs (${names.join(", ")}) and import their folder, or each ZIP`,
      { reason: "manifest-unreachable", entry: batch.name, cause: error },
    );
  };
  return {
    name: batch.name,
    async open(opts) {
      let opened: OpenedSource;
      try {
        opened = await batch.open(opts);
      } catch (error) {
        throw convert(error);
      }
      const reader = opened.stream.getReader();
      const stream = new ReadableStream<Uint8Array>({
        async pull(controller) {
          try {
            const r = await reader.read();
            if (r.done) controller.close();
            else controller.enqueue(r.value);
          } catch (error) {
            throw convert(error);
          }
        },
        async cancel(reason) {
          await reader.cancel(reason).catch(() => {});
        },
      });
      return { ...opened, stream };
    },
  };
}
