import { Inflate } from "fflate";
import { ExportFormatError } from "../errors/export-format-error.js";
import type { OpenedSource, Source } from "../ports/source.js";
import { readChunks } from "./read-chunks.js";

/** One entry of a ZIP's central directory. */
export interface ZipEntry {
  /** The entry's path inside the archive, as stored (never used to write anything). */
  readonly name: string;
  /** 0 stored, 8 deflate; others are not supported. */
  readonly method: number;
  readonly compressedSize: number;
  /** Inflated size as the central directory declares it. */
  readonly size: number;
  readonly localHeaderOffset: number;
  readonly encrypted: boolean;
  readonly symlink: boolean;
  /** The name is absolute, has a drive letter or a `..` segment: it would leave a folder it is extracted to. */
  readonly unsafeName: boolean;
}

/**
 * Inflates raw DEFLATE data: receives the compressed chunks and yields inflated ones. The portable
 * default uses fflate; `@threadmill/core/node` passes one on `node:zlib` (native, about 2x faster).
 */
export type RawInflate = (compressed: AsyncIterable<Uint8Array>) => AsyncIterable<Uint8Array>;

/** Limits that stop a ZIP bomb before memory grows. */
export interface ZipLimits {
  /** Largest inflated entry, in bytes. @default 17179869184 (16 GiB) */
  readonly maxEntryBytes?: number;
  /** Largest inflated/compressed ratio once past 16 MiB of output. @default 200 */
  readonly maxCompressionRatio?: number;
}

const SIG_EOCD = 0x06054b50;
const SIG_EOCD64_LOCATOR = 0x07064b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;
const RATIO_FLOOR = 16 * 1024 * 1024;
const utf8 = new TextDecoder();

/** Reads `length` bytes at `start` (seeking when the source can, else skipping). */
async function readRange(
  source: Source,
  start: number,
  length: number,
  signal?: AbortSignal,
): Promise<Uint8Array> {
  const opened = await source.open({ start, ...(signal ? { signal } : {}) });
  const out = new Uint8Array(length);
  let at = 0;
  for await (const chunk of readChunks(opened.stream, start - opened.offset, signal)) {
    const take = Math.min(chunk.length, length - at);
    out.set(chunk.subarray(0, take), at);
    at += take;
    if (at >= length) break;
  }
  if (at < length) {
    throw new ExportFormatError(
      `ZIP ${source.name} ends early (wanted ${length} bytes at ${start}); the file is truncated`,
      {
        reason: "truncated",
      },
    );
  }
  return out;
}

/**
 * Whether an entry name would leave the folder it is extracted to (`../x`, `/x`, `\\x`, `C:x`,
 * `a/../../x`, with `/` or `\\` separators) or holds a NUL: such an entry is never opened by name.
 */
export function isUnsafeEntryName(name: string): boolean {
  return /^[\\/]|^[A-Za-z]:|\0/.test(name) || name.split(/[\\/]/).includes("..");
}

const u16 = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8);
const u32 = (b: Uint8Array, i: number) =>
  (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
const u64 = (b: Uint8Array, i: number) => u32(b, i) + u32(b, i + 4) * 2 ** 32;

/**
 * Lists a ZIP's entries from its central directory (ZIP64 included). Needs the source's size and,
 * to be quick, a seekable source. Throws `ExportFormatError` (`unsafe-archive` / `truncated`) for a
 * broken directory.
 */
export async function readZipEntries(
  source: Source,
  size: number,
  signal?: AbortSignal,
): Promise<ZipEntry[]> {
  const tailLength = Math.min(size, 22 + 65535);
  const tail = await readRange(source, size - tailLength, tailLength, signal);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (u32(tail, i) === SIG_EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd === -1) {
    throw new ExportFormatError(
      `${source.name} starts like a ZIP but has no end-of-directory record; it is truncated or not a ZIP`,
      {
        reason: "truncated",
      },
    );
  }
  let count = u16(tail, eocd + 10);
  let cdSize = u32(tail, eocd + 12);
  let cdOffset = u32(tail, eocd + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc >= 0 && u32(tail, loc) === SIG_EOCD64_LOCATOR) {
      const z = await readRange(source, u64(tail, loc + 8), 56, signal);
      if (u32(z, 0) !== SIG_EOCD64) throw unsafe(source, "broken ZIP64 directory record");
      count = u64(z, 32);
      cdSize = u64(z, 40);
      cdOffset = u64(z, 48);
    }
  }
  if (cdOffset + cdSize > size) throw unsafe(source, "central directory points past the end of the file");
  const cd = await readRange(source, cdOffset, cdSize, signal);
  const entries: ZipEntry[] = [];
  let p = 0;
  for (let n = 0; n < count && p + 46 <= cd.length; n++) {
    if (u32(cd, p) !== SIG_CENTRAL) throw unsafe(source, "corrupt central directory");
    const madeBy = u16(cd, p + 4) >> 8;
    const flags = u16(cd, p + 8);
    const method = u16(cd, p + 10);
    let compressedSize = u32(cd, p + 20);
    let entrySize = u32(cd, p + 24);
    const nameLength = u16(cd, p + 28);
    const extraLength = u16(cd, p + 30);
    const commentLength = u16(cd, p + 32);
    const attrs = u32(cd, p + 38);
    let localHeaderOffset = u32(cd, p + 42);
    const name = utf8.decode(cd.subarray(p + 46, p + 46 + nameLength));
    // ZIP64 extra field: the 0xFFFFFFFF fields, in order size, compressed size, offset.
    let e = p + 46 + nameLength;
    const extraEnd = e + extraLength;
    while (e + 4 <= extraEnd) {
      const id = u16(cd, e);
      const len = u16(cd, e + 2);
      if (id === 0x0001) {
        let f = e + 4;
        if (entrySize === 0xffffffff) {
          entrySize = u64(cd, f);
          f += 8;
        }
        if (compressedSize === 0xffffffff) {
          compressedSize = u64(cd, f);
          f += 8;
        }
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = u64(cd, f);
      }
      e += 4 + len;
    }
    entries.push({
      name,
      method,
      compressedSize,
      size: entrySize,
      localHeaderOffset,
      encrypted: (flags & 1) === 1,
      symlink: madeBy === 3 && ((attrs >>> 16) & 0xf000) === 0xa000,
      unsafeName: isUnsafeEntryName(name),
    });
    p += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/**
 * Opens one entry's inflated bytes. A stored entry seeks to `start`; a deflated one is re-inflated
 * from its beginning (`offset: 0`, the reader skips). Inflation stops with `ExportFormatError`
 * (`unsafe-archive`) as soon as the entry inflates past `maxEntryBytes`, past its declared size,
 * or past `maxCompressionRatio` (after 16 MiB), before the output is handed on.
 */
export async function openZipEntry(
  source: Source,
  entry: ZipEntry,
  options: ZipLimits & {
    readonly start?: number;
    readonly signal?: AbortSignal;
    readonly inflateRaw?: RawInflate;
  } = {},
): Promise<OpenedSource> {
  const maxBytes = options.maxEntryBytes ?? 16 * 1024 ** 3;
  const maxRatio = options.maxCompressionRatio ?? 200;
  if (entry.encrypted)
    throw unsafe(
      source,
      `entry ${entry.name} is encrypted; export it again without a password`,
      "unreadable",
    );
  if (entry.method !== 0 && entry.method !== 8) {
    throw unsafe(
      source,
      `entry ${entry.name} uses compression method ${entry.method}; only stored and deflate are supported`,
      "unreadable",
    );
  }
  if (entry.size > maxBytes)
    throw unsafe(
      source,
      `entry ${entry.name} declares ${entry.size} bytes, above the ${maxBytes}-byte limit`,
    );
  if (entry.size > RATIO_FLOOR && entry.size > entry.compressedSize * maxRatio) {
    throw unsafe(
      source,
      `entry ${entry.name} declares a compression ratio of ${Math.round(entry.size / Math.max(1, entry.compressedSize))}:1, a ZIP bomb`,
    );
  }
  const header = await readRange(source, entry.localHeaderOffset, 30, options.signal);
  if (u32(header, 0) !== SIG_LOCAL)
    throw unsafe(source, `entry ${entry.name} has no local header where the directory says`);
  const dataStart = entry.localHeaderOffset + 30 + u16(header, 26) + u16(header, 28);
  const signal = options.signal;

  if (entry.method === 0) {
    const start = Math.min(options.start ?? 0, entry.size);
    const opened = await source.open({ start: dataStart + start, ...(signal ? { signal } : {}) });
    const chunks = limit(
      readChunks(opened.stream, dataStart + start - opened.offset, signal),
      entry.compressedSize - start,
    );
    return { stream: toStream(chunks), size: entry.size, offset: start };
  }

  const opened = await source.open({ start: dataStart, ...(signal ? { signal } : {}) });
  const compressed = limit(
    readChunks(opened.stream, dataStart - opened.offset, signal),
    entry.compressedSize,
  );
  let consumed = 0;
  const counted = (async function* () {
    for await (const c of compressed) {
      consumed += c.length;
      yield c;
    }
  })();
  const inflate = options.inflateRaw ?? fflateInflateRaw;
  let produced = 0;
  const guarded = (async function* () {
    for await (const out of inflate(counted)) {
      produced += out.length;
      if (produced > maxBytes) throw unsafe(source, `entry ${entry.name} inflates past ${maxBytes} bytes`);
      if (produced > entry.size) {
        throw unsafe(
          source,
          `entry ${entry.name} inflates past its declared ${entry.size} bytes, a ZIP bomb or a corrupt archive`,
        );
      }
      if (produced > RATIO_FLOOR && produced > Math.max(1, consumed) * maxRatio) {
        throw unsafe(source, `entry ${entry.name} inflates at more than ${maxRatio}:1, a ZIP bomb`);
      }
      yield out;
    }
  })();
  return { stream: toStream(guarded), size: entry.size, offset: 0 };
}

/**
 * fflate's streaming inflate, fed in pieces sized from the ratio observed so far so one piece
 * inflates to at most about 16 MB while the data looks ordinary (16 KiB pieces near DEFLATE's
 * 1032:1). Data that turns into a bomb mid-entry can still produce one piece's worth (up to
 * 512 KiB x 1032) before the guard sees it; `node:zlib` (the Node entry's default) has no such gap.
 */
export const fflateInflateRaw: RawInflate = async function* (compressed) {
  const pending: Uint8Array[] = [];
  const inflater = new Inflate((data) => {
    if (data.length > 0) pending.push(data);
  });
  let inBytes = 0;
  let outBytes = 0;
  for await (const chunk of compressed) {
    for (let i = 0; i < chunk.length; ) {
      // Start small, grow while the observed ratio stays ordinary; one piece can never inflate past
      // 16 KiB x 1032 at first, and at most 512 KiB x 1032 once the data looked ordinary.
      const ratio = inBytes > 0 ? outBytes / inBytes : 1032;
      const piece = Math.max(16384, Math.min(512 * 1024, Math.floor((16 << 20) / Math.max(ratio * 2, 8))));
      const part = chunk.subarray(i, i + piece);
      i += part.length;
      inBytes += part.length;
      inflater.push(part, false);
      while (pending.length > 0) {
        const out = pending.shift()!;
        outBytes += out.length;
        yield out;
      }
    }
  }
  inflater.push(new Uint8Array(0), true);
  for (const out of pending) yield out;
};

async function* limit(chunks: AsyncIterable<Uint8Array>, length: number): AsyncGenerator<Uint8Array> {
  let left = length;
  if (left <= 0) return;
  for await (const c of chunks) {
    if (c.length >= left) {
      yield c.subarray(0, left);
      return;
    }
    left -= c.length;
    yield c;
  }
}

function toStream(chunks: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const it = chunks[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const r = await it.next();
      if (r.done) controller.close();
      else controller.enqueue(r.value);
    },
    async cancel() {
      await it.return?.();
    },
  });
}

function unsafe(
  source: Source,
  what: string,
  reason: "unsafe-archive" | "unreadable" = "unsafe-archive",
): ExportFormatError {
  return new ExportFormatError(`ZIP ${source.name}: ${what}.`, { reason });
}
