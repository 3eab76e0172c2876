import type { ExportTruth } from "./export-truth.js";
import type { GenerateExportOptions } from "./generate-export-options.js";

const encoder = new TextEncoder();
const FLUSH_BYTES = 256 * 1024;

/** Encodes one file's elements as a JSON array (wrapper, pretty, BOM as the options say), in chunks. */
export async function* encodeFile(
  options: GenerateExportOptions,
  truth: ExportTruth,
  elements: AsyncIterable<string>,
): AsyncGenerator<Uint8Array> {
  const nl = options.pretty ? "\n" : "";
  let buffer =
    (options.bom ? "\uFEFF" : "") +
    (options.wrapper ? `{"exported_at":"2026-01-01T00:00:00Z",${nl}"conversations":${nl}[${nl}` : `[${nl}`);
  let first = true;
  for await (const element of elements) {
    buffer += (first ? (options.pretty ? "  " : "") : `,${nl}${options.pretty ? "  " : ""}`) + element;
    first = false;
    if (buffer.length >= FLUSH_BYTES) {
      const bytes = encoder.encode(buffer);
      truth.jsonBytes += bytes.length;
      yield bytes;
      buffer = "";
    }
  }
  buffer += `${nl}]${options.wrapper ? `,${nl}"processed":true}` : ""}${nl}`;
  const bytes = encoder.encode(buffer);
  truth.jsonBytes += bytes.length;
  yield bytes;
}
