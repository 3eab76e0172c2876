import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { basename } from "node:path";
import { Readable } from "node:stream";
import type { OpenedSource, Source } from "../ports/source.js";

/** Options of `createFileSource`. */
export interface FileSourceOptions {
  /** Read size in bytes. @default 1048576 */
  readonly chunkBytes?: number;
  /** Name for messages. @default the file's base name */
  readonly name?: string;
}

/**
 * A seekable `Source` over a file: `open({ start })` streams from `start` (a positioned read, no
 * re-reading), with the file's size. Chunks are Node `Buffer`s.
 * @example
 * for await (const c of readExport(createFileSource("conversations.json"))) console.log(c.title);
 */
export function createFileSource(path: string, options: FileSourceOptions = {}): Source {
  const chunkBytes = options.chunkBytes ?? 1 << 20;
  return {
    name: options.name ?? basename(path),
    async open(opts = {}): Promise<OpenedSource> {
      const info = await stat(path);
      const start = Math.min(Math.max(0, opts.start ?? 0), info.size);
      const nodeStream = createReadStream(path, {
        start,
        highWaterMark: chunkBytes,
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      return {
        stream: Readable.toWeb(nodeStream) as ReadableStream<Uint8Array>,
        size: info.size,
        offset: start,
      };
    },
  };
}
