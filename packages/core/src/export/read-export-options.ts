import type { RawInflate, ZipLimits } from "../source/zip-archive.js";
import type { Cursor } from "./cursor.js";
import type { ParseIssue } from "./parse-issue.js";

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
