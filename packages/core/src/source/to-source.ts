import type { Source } from "../ports/source.js";
import { createBytesSource } from "./create-bytes-source.js";
import { createStreamSource } from "./create-stream-source.js";

/** What `readExport` accepts in the portable entry. */
export type ExportInput = Source | Uint8Array | ReadableStream<Uint8Array>;

/** Wraps bytes and streams as `Source`s; passes a `Source` through. */
export function toSource(input: ExportInput): Source {
  if (input instanceof Uint8Array) return createBytesSource(input);
  if (typeof ReadableStream !== "undefined" && input instanceof ReadableStream)
    return createStreamSource(input);
  if (typeof (input as Source).open === "function") return input as Source;
  throw new TypeError("[threadmill] readExport: input must be a Source, a Uint8Array or a ReadableStream");
}
