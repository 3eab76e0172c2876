import type { OpenedSource, Source } from "../ports/source.js";

/** Options of `createBytesSource`. */
export interface BytesSourceOptions {
  /** Name for messages. @default "bytes" */
  readonly name?: string;
  /** Largest chunk the stream hands out, in bytes. @default 1048576 */
  readonly chunkBytes?: number;
}

/**
 * A seekable `Source` over bytes already in memory. `open({ start })` streams views (no copies) from
 * `start` in chunks of `chunkBytes`.
 * @example
 * for await (const c of readExport(createBytesSource(bytes))) console.log(c.title);
 */
export function createBytesSource(bytes: Uint8Array, options: BytesSourceOptions = {}): Source {
  const chunkBytes = options.chunkBytes ?? 1 << 20;
  return {
    name: options.name ?? "bytes",
    async open(opts = {}): Promise<OpenedSource> {
      const start = Math.min(Math.max(0, opts.start ?? 0), bytes.length);
      let at = start;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (at >= bytes.length) {
            controller.close();
            return;
          }
          const end = Math.min(at + chunkBytes, bytes.length);
          controller.enqueue(bytes.subarray(at, end));
          at = end;
        },
      });
      return { stream, size: bytes.length, offset: start };
    },
  };
}
