import { createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { emptyExportTruth, type ExportTruth } from "./export-truth.js";
import { generateExport } from "./generate-export.js";
import type { GenerateExportOptions } from "./generate-export-options.js";
import { generateFiles } from "./generate-files.js";

const encoder = new TextEncoder();

/**
 * Writes a generated export to disk with flat memory and returns its truth. `chatgpt-shards` to a
 * path not ending in `.zip` writes an unzipped export folder of shard files (plus `user.json`);
 * every other format writes one file.
 * @example
 * const truth = await generateExportToFile("/tmp/conv100.json", { format: "chatgpt-json", seed: 1, targetBytes: 100e6 });
 */
export async function generateExportToFile(
  path: string,
  options: GenerateExportOptions,
): Promise<ExportTruth> {
  if (options.format === "chatgpt-shards" && !path.endsWith(".zip")) {
    await mkdir(path, { recursive: true });
    const truth = emptyExportTruth();
    await writeAll(
      join(path, "user.json"),
      (async function* () {
        yield encoder.encode(`{"id":"user-1"}`);
      })(),
    );
    for await (const f of generateFiles(options, truth)) {
      await writeAll(join(path, f.file.name), encodeElements(f.elements, truth, options.pretty ?? false));
    }
    return truth;
  }
  const gen = generateExport(options);
  await writeAll(path, gen.bytes());
  return gen.truth;
}

async function* encodeElements(
  elements: AsyncIterable<string>,
  truth: ExportTruth,
  pretty: boolean,
): AsyncGenerator<Uint8Array> {
  const nl = pretty ? "\n" : "";
  let buffer = `[${nl}`;
  let first = true;
  for await (const e of elements) {
    buffer += (first ? "" : `,${nl}`) + e;
    first = false;
    if (buffer.length > 256 * 1024) {
      const b = encoder.encode(buffer);
      truth.jsonBytes += b.length;
      yield b;
      buffer = "";
    }
  }
  const b = encoder.encode(`${buffer}${nl}]`);
  truth.jsonBytes += b.length;
  yield b;
}

async function writeAll(path: string, chunks: AsyncIterable<Uint8Array>): Promise<void> {
  const out = createWriteStream(path);
  try {
    for await (const chunk of chunks) {
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once("drain", resolve));
    }
  } finally {
    await new Promise<void>((resolve, reject) =>
      out.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
  }
}
