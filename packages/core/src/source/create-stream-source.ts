import { ExportFormatError } from "../errors/export-format-error.js";
import type { OpenedSource, Source } from "../ports/source.js";

/**
 * A `Source` over a web `ReadableStream`, which can be read once and cannot seek: `open({ start })`
 * returns the stream from byte 0 with `offset: 0`, and the reader re-reads and skips up to `start`
 * (so resuming from a stream costs a re-read; give a file or HTTP source to seek instead). A second
 * `open` throws `ExportFormatError` (reason `unreadable`).
 */
export function createStreamSource(
  stream: ReadableStream<Uint8Array>,
  options: { readonly name?: string; readonly size?: number } = {},
): Source {
  let used = false;
  return {
    name: options.name ?? "stream",
    async open(): Promise<OpenedSource> {
      if (used) {
        throw new ExportFormatError(
          "a ReadableStream can be read only once; pass a file, bytes or URL source to read an export twice (ZIPs and sharded exports need that)",
          { reason: "unreadable" },
        );
      }
      used = true;
      return { stream, size: options.size ?? null, offset: 0 };
    },
  };
}
