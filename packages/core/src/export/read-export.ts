import { ExportFormatError } from "../errors/export-format-error.js";
import type { OpenedSource, Source } from "../ports/source.js";
import { createHttpSource } from "../source/create-http-source.js";
import { readChunks } from "../source/read-chunks.js";
import { type ExportInput, toSource } from "../source/to-source.js";
import { openZipEntry, type RawInflate, readZipEntries, type ZipLimits } from "../source/zip-archive.js";
import type { Conversation } from "./conversation.js";
import type { Cursor } from "./cursor.js";
import { type ExportManifest, MAX_MANIFEST_BYTES, parseExportManifest } from "./export-manifest.js";
import { decodeElement, ElementScanner, elementBytes, type ScannedElement } from "./element-scanner.js";
import type { NormalizeContext } from "./normalize-context.js";
import { normalizeChatgpt } from "./normalize-chatgpt.js";
import { normalizeClaude } from "./normalize-claude.js";
import type { ParseIssue, ParseIssueCode } from "./parse-issue.js";
import { NESTED, readTopLevelFields } from "./top-level-fields.js";

/** What `onProgress` receives: bytes read so far of the current entry (decoded, i.e. inflated). */
export interface ReadProgress {
  /** The ZIP entry or shard being read; `null` for a plain file. */
  readonly entry: string | null;
  readonly bytes: number;
  /** The entry's size when known. */
  readonly totalBytes: number | null;
}

/** Options of `readExport`. */
export interface ReadExportOptions extends ZipLimits {
  /** `"all"` also fills `Conversation.branches` with every other branch. @default "active" */
  readonly branches?: "active" | "all";
  /** Yield only the conversations after this cursor (a `Conversation.cursor` of the same export). */
  readonly start?: Cursor;
  /** Every repair, fallback and skipped element, as it is found. */
  readonly onIssue?: (issue: ParseIssue) => void;
  /** Called at most every `progressIntervalBytes` and at the end of each entry. */
  readonly onProgress?: (progress: ReadProgress) => void;
  /** @default 4194304 (4 MiB) */
  readonly progressIntervalBytes?: number;
  /** Stops reading (the iterator throws the signal's reason). */
  readonly signal?: AbortSignal;
  /** Raw DEFLATE inflater for ZIP entries. @default fflate (the Node entry passes node:zlib) */
  readonly inflateRaw?: RawInflate;
  /** `fetch` used to follow the download URLs of Claude's export index. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /**
   * Follow the download URLs of Claude's export index. Set `false` where the input comes from
   * someone you do not trust (an upload to your server): an index makes the reader request the URLs
   * it names. When `false`, an index throws `ExportFormatError` (`manifest-unreachable`). @default true
   */
  readonly followIndex?: boolean;
}

/** One readable stream of conversations: a plain file, a ZIP entry or a shard file. */
interface EntryPlan {
  readonly name: string | null;
  open(start: number): Promise<OpenedSource>;
}

const SHARD = /^conversations-(\d+)\.json$/i;
const ID_FIELDS = new Set([
  "id",
  "conversation_id",
  "uuid",
  "update_time",
  "updated_at",
  "mapping",
  "chat_messages",
]);
const YIELD_EVERY_MS = 40;

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
  const source = toSource(input);
  const signal = options.signal;
  const branches = options.branches === "all";
  const start = options.start;
  const reported = new Set<string>();
  const onIssue = options.onIssue;
  const report = (issue: ParseIssue) => onIssue?.(issue);
  const interval = options.progressIntervalBytes ?? 4 * 1024 * 1024;
  signal?.throwIfAborted();

  const { entries, sharded } = await planEntries(source, options, report);
  let startEntry = 0;
  if (start && start.entry !== null) {
    startEntry = entries.findIndex((e) => e.name === start.entry);
    if (startEntry === -1) {
      throw new ExportFormatError(
        `the resume cursor names entry ${start.entry}, which ${source.name} does not hold; the input changed, start over`,
        {
          reason: "cursor-mismatch",
        },
      );
    }
  } else if (start && entries[0]?.name !== null) {
    throw new ExportFormatError(
      `the resume cursor is for a plain JSON file but ${source.name} is an archive or folder; start over`,
      {
        reason: "cursor-mismatch",
      },
    );
  }

  // Shards: a first, cheap pass over ids and update times decides which copy of a duplicate stays.
  const losers = sharded ? await findDuplicateLosers(entries, signal) : null;

  // A resume cursor points after a conversation this export already yielded: its format is known,
  // so a remainder of only malformed elements is reported, never taken for an unknown format.
  let recognized = start && (start.offset > 0 || start.entry !== null) ? 1 : 0;
  let unrecognized = 0;
  let lastYield = Date.now();

  for (let e = startEntry; e < entries.length; e++) {
    const entry = entries[e]!;
    const resume = start && e === startEntry && (start.offset > 0 || start.entry !== null) ? start : null;
    const from = resume ? Math.max(0, resume.offset - 1) : 0;
    const opened = await entry.open(from);
    const scanner = new ElementScanner(
      resume ? { resume: { offset: resume.offset, index: resume.index } } : {},
    );
    let verified = resume === null;
    let seen = resume ? resume.index + 1 : 0;
    let sinceProgress = 0;
    const size = opened.size === null ? null : opened.size;
    const progress = () =>
      options.onProgress?.({ entry: entry.name, bytes: scanner.offset, totalBytes: size });

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
        const result = parseElement(
          element,
          cursor,
          entry.name,
          branches,
          report,
          reported,
          scanner.layout === "object",
        );
        if (result === "unrecognized") {
          unrecognized++;
          if (recognized === 0 && (unrecognized >= 8 || scanner.layout === "object"))
            throw unknownFormat(source, entry.name);
          continue;
        }
        if (result === null) continue;
        recognized++;
        yield result;
        if (Date.now() - lastYield > YIELD_EVERY_MS) {
          // Let timers (lease renewal) run even when the source never waits on I/O.
          await new Promise((resolve) => setTimeout(resolve, 0));
          lastYield = Date.now();
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
    const end = scanner.end();
    const where = entry.name ?? source.name;
    if (end.empty) {
      if (entries.length === 1)
        throw new ExportFormatError(`${where} is empty; pass a complete export`, { reason: "empty-input" });
      report({ code: "skipped-entry", message: `${where} is empty`, entry: where });
    } else if (end.truncated) {
      if (seen === 0) {
        throw new ExportFormatError(
          `${where} ends before its first conversation is complete; the file is truncated, download the export again`,
          {
            reason: "truncated",
            offset: scanner.offset,
            ...(entry.name === null ? {} : { entry: entry.name }),
          },
        );
      }
      report({
        code: "truncated-input",
        message: `${where} ends inside a conversation or before the array closes (at byte ${scanner.offset}); the ${seen} complete conversation(s) before it were kept`,
        offset: end.truncatedAt ?? scanner.offset,
        ...(entry.name === null ? {} : { entry: entry.name }),
      });
    }
  }
  if (recognized === 0 && unrecognized > 0) throw unknownFormat(source, null);

  function parseElement(
    element: ScannedElement,
    cursor: Cursor,
    entryName: string | null,
    withBranches: boolean,
    reportIssue: (i: ParseIssue) => void,
    once: Set<string>,
    bare: boolean,
  ): Conversation | null | "unrecognized" {
    const at = { offset: element.start, ...(entryName === null ? {} : { entry: entryName }) };
    const decoded = decodeElement(element);
    const text = decoded.text;
    const badUtf8 = !decoded.valid;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      if (bare)
        throw new ExportFormatError(
          `${entryName ?? source.name} is not valid JSON (${(error as Error).message})`,
          { reason: "not-json", cause: error },
        );
      reportIssue({
        code: "malformed-conversation",
        message: `element ${element.index} is not valid JSON (${(error as Error).message}); skipped`,
        ...at,
      });
      return null;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      reportIssue({
        code: "malformed-conversation",
        message: `element ${element.index} is ${value === null ? "null" : Array.isArray(value) ? "an array" : typeof value}, not a conversation; skipped`,
        ...at,
      });
      return "unrecognized";
    }
    const raw = value as Record<string, unknown>;
    const isChatgpt = "mapping" in raw;
    const isClaude = !isChatgpt && "chat_messages" in raw;
    if (!isChatgpt && !isClaude) {
      reportIssue({
        code: "malformed-conversation",
        message: `element ${element.index} has neither \`mapping\` (ChatGPT) nor \`chat_messages\` (Claude); skipped`,
        ...at,
      });
      return "unrecognized";
    }
    const ctx: NormalizeContext = {
      cursor,
      branches: withBranches,
      offset: element.start,
      entry: entryName,
      report: reportIssue,
      reportOnce(code: ParseIssueCode, key: string, message: string, conversationId?: string) {
        const k = `${code}:${key}`;
        if (once.has(k)) return;
        once.add(k);
        reportIssue({ code, message, ...(conversationId === undefined ? {} : { conversationId }), ...at });
      },
    };
    const conversation = isChatgpt ? normalizeChatgpt(raw, ctx) : normalizeClaude(raw, ctx);
    if (badUtf8) {
      reportIssue({
        code: "invalid-utf8",
        message: "invalid UTF-8 bytes replaced with U+FFFD",
        ...(conversation ? { conversationId: conversation.id } : {}),
        ...at,
      });
    }
    return conversation;
  }
}

function idOf(bytes: Uint8Array): { conversationId?: string } {
  const f = readTopLevelFields(bytes, ID_FIELDS);
  const id = f.get("id") ?? f.get("conversation_id") ?? f.get("uuid");
  return typeof id === "string" ? { conversationId: id } : {};
}

function unknownFormat(source: Source, entry: string | null): ExportFormatError {
  return new ExportFormatError(
    `${entry ?? source.name} holds JSON but no ChatGPT (\`mapping\`) or Claude.ai (\`chat_messages\`) conversations; pass the export's conversations.json, its ZIP or its folder`,
    { reason: "unknown-format", ...(entry === null ? {} : { entry }) },
  );
}

async function planEntries(
  source: Source,
  options: ReadExportOptions,
  report: (issue: ParseIssue) => void,
): Promise<{ entries: EntryPlan[]; sharded: boolean }> {
  const signal = options.signal;
  const withSignal = signal ? { signal } : {};
  if (source.entries && source.openEntry) {
    const openEntry = source.openEntry;
    const names = await source.entries();
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
  let first = concat(head);
  if (!isZipMagic(first)) {
    // Claude's export index is a small JSON object naming `data_files`: look ahead for it.
    while (!ended && headBytes < MANIFEST_PEEK_BYTES && (await readMore()));
    first = concat(head);
    if (firstNonSpace(first) === 0x7b && includes(first, DATA_FILES)) {
      while (!ended && headBytes <= MAX_MANIFEST_BYTES && (await readMore()));
      first = concat(head);
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

/** A ZIP's usable entry names (nested archives and symlinks reported and left out) and an opener. */
async function listZip(
  source: Source,
  size: number,
  options: ReadExportOptions,
  report: (issue: ParseIssue) => void,
): Promise<{ names: string[]; opener: (name: string) => (start: number) => Promise<OpenedSource> }> {
  const signal = options.signal;
  const withSignal = signal ? { signal } : {};
  const zipEntries = await readZipEntries(source, size, signal);
  const byName = new Map(zipEntries.map((z) => [z.name, z]));
  const limits = {
    ...(options.maxEntryBytes === undefined ? {} : { maxEntryBytes: options.maxEntryBytes }),
    ...(options.maxCompressionRatio === undefined
      ? {}
      : { maxCompressionRatio: options.maxCompressionRatio }),
    ...(options.inflateRaw ? { inflateRaw: options.inflateRaw } : {}),
    ...withSignal,
  };
  for (const z of zipEntries) {
    if (/\.zip$/i.test(z.name))
      report({ code: "skipped-entry", message: `nested archive ${z.name} not followed`, entry: z.name });
  }
  const usable = zipEntries.filter((z) => {
    if (z.symlink) {
      report({ code: "skipped-entry", message: `symlink entry ${z.name} not followed`, entry: z.name });
      return false;
    }
    return !z.name.endsWith("/");
  });
  return {
    names: usable.map((z) => z.name),
    opener: (name) => (start) => openZipEntry(source, byName.get(name)!, { ...limits, start }),
  };
}

const MANIFEST_PEEK_BYTES = 64 * 1024;
const DATA_FILES = new TextEncoder().encode('"data_files"');
const PROBE_BYTES = 1024 * 1024;
const PROBE_FIELDS = new Set(["mapping", "chat_messages"]);

function isZipMagic(b: Uint8Array): boolean {
  return (
    b.length >= 4 &&
    b[0] === 0x50 &&
    b[1] === 0x4b &&
    (b[2] === 3 || b[2] === 5) &&
    (b[3] === 4 || b[3] === 6)
  );
}

function firstNonSpace(b: Uint8Array): number | undefined {
  let i = b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
  while (i < b.length && (b[i] === 0x20 || b[i] === 0x0a || b[i] === 0x0d || b[i] === 0x09)) i++;
  return b[i];
}

function includes(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (
    let i = haystack.indexOf(needle[0]!);
    i !== -1 && i <= haystack.length - needle.length;
    i = haystack.indexOf(needle[0]!, i + 1)
  ) {
    for (let j = 1; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

function isConversationFile(name: string): boolean {
  const base = name.slice(name.lastIndexOf("/") + 1);
  return base.toLowerCase() === "conversations.json" || SHARD.test(base);
}

/** Claude's export index: every listed batch is fetched over HTTP; a batch that is gone for good stops with `manifest-unreachable`. */
function planManifest(
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
async function planBatches(
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
    if (!isZipMagic(concat(head))) {
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

function sortShards(shards: readonly string[]): string[] {
  const base = (n: string) => n.slice(n.lastIndexOf("/") + 1);
  return [...shards].sort(
    (a, b) => Number(SHARD.exec(base(a))![1]) - Number(SHARD.exec(base(b))![1]) || (a < b ? -1 : 1),
  );
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

async function findDuplicateLosers(
  entries: readonly EntryPlan[],
  signal?: AbortSignal,
): Promise<Set<string>> {
  const winners = new Map<string, { key: string; time: number | null }>();
  const losers = new Set<string>();
  for (let e = 0; e < entries.length; e++) {
    const opened = await entries[e]!.open(0);
    const scanner = new ElementScanner();
    try {
      for await (const chunk of readChunks(opened.stream, -opened.offset, signal)) {
        for (const el of scanner.push(chunk)) {
          const f = readTopLevelFields(elementBytes(el), ID_FIELDS);
          const id = f.get("id") ?? f.get("conversation_id") ?? f.get("uuid");
          if (typeof id !== "string" || id === "") continue;
          // Only conversations compete; an element without `mapping` / `chat_messages` is skipped anyway.
          if (f.get("mapping") !== NESTED && f.get("chat_messages") !== NESTED) continue;
          const rawTime = f.get("update_time") ?? f.get("updated_at");
          const time = timeOf(rawTime);
          const key = `${e}:${el.index}`;
          const prev = winners.get(id);
          if (!prev) {
            winners.set(id, { key, time });
          } else if (time !== null && (prev.time === null || time > prev.time)) {
            losers.add(prev.key);
            winners.set(id, { key, time });
          } else {
            losers.add(key);
          }
        }
      }
    } catch (error) {
      // A broken shard is reported by the main pass; the first pass only needs what it could read.
      if (!(error instanceof SyntaxError)) throw error;
    }
  }
  return losers;
}

function timeOf(value: unknown): number | null {
  if (typeof value === "number" && Number.isFinite(value)) return value > 1e11 ? value / 1000 : value;
  if (typeof value === "string") {
    const n = Number(value);
    if (value.trim() !== "" && Number.isFinite(n)) return n > 1e11 ? n / 1000 : n;
    const ms = Date.parse(value);
    return Number.isFinite(ms) ? ms / 1000 : null;
  }
  return null;
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  let size = 0;
  for (const p of parts) size += p.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
