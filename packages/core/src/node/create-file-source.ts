import { open as openFile } from "node:fs/promises";
import { basename } from "node:path";
import type { OpenedSource, Source } from "../ports/source.js";

/** Options of `createFileSource`. */
export interface FileSourceOptions {
  /** Read size in bytes. @default 1048576 */
  readonly chunkBytes?: number;
  /** Name for messages. @default the file's base name */
  readonly name?: string;
}

/**
 * A seekable `Source` over a file: `open({ start })` streams from `start` with positioned reads (no
 * re-reading), with the file's size. One read is kept in flight ahead of the consumer so disk and
 * parsing overlap. Chunks are Node `Buffer`s.
 * @example
 * for await (const c of readExport(createFileSource("conversations.json"))) console.log(c.title);
 */
export function createFileSource(path: string, options: FileSourceOptions = {}): Source {
  const chunkBytes = options.chunkBytes ?? 1 << 20;
  return {
    name: options.name ?? basename(path),
    async open(opts = {}): Promise<OpenedSource> {
      const handle = await openFile(path, "r");
      const size = (await handle.stat()).size;
      const start = Math.min(Math.max(0, opts.start ?? 0), size);
      let position = start;
      let closed = false;
      const readNext = async (): Promise<Uint8Array | null> => {
        if (position >= size) return null;
        const buffer = Buffer.allocUnsafe(Math.min(chunkBytes, size - position));
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
        position += bytesRead;
        return bytesRead === 0 ? null : buffer.subarray(0, bytesRead);
      };
      const close = async () => {
        if (closed) return;
        closed = true;
        await handle.close();
      };
      let ahead: Promise<Uint8Array | null> | null = null;
      const stream = new ReadableStream<Uint8Array>(
        {
          async pull(controller) {
            try {
              opts.signal?.throwIfAborted();
              const chunk = await (ahead ?? readNext());
              ahead = chunk === null ? null : readNext();
              // Keep a failed read-ahead from surfacing as an unhandled rejection; pull sees it next.
              ahead?.catch(() => {});
              if (chunk === null) {
                await close();
                controller.close();
              } else {
                controller.enqueue(chunk);
              }
            } catch (error) {
              await close().catch(() => {});
              controller.error(error);
            }
          },
          async cancel() {
            await ahead?.catch(() => {});
            await close();
          },
        },
        { highWaterMark: 0 },
      );
      return { stream, size, offset: start };
    },
  };
}
