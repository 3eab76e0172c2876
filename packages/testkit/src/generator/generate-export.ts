import { encodeFile } from "./encode-file.js";
import { emptyExportTruth, type ExportTruth } from "./export-truth.js";
import type { GenerateExportOptions } from "./generate-export-options.js";
import { generateFiles } from "./generate-files.js";
import { type GeneratedFile, planFiles } from "./plan-files.js";
import { zipBytes } from "./zip-bytes.js";

/** A generated export: its bytes (re-generated on every call, never held whole) and its truth. */
export interface GeneratedExport {
  /** A file name for it: `conversations.json` or `export.zip`. */
  readonly name: string;
  /** Streams the bytes; `truth` is complete once the iteration ends. */
  bytes(): AsyncIterable<Uint8Array>;
  /** The ground truth of the last `bytes()` run (or of the run in progress). */
  readonly truth: ExportTruth;
}

/**
 * Generates a synthetic ChatGPT or Claude.ai export, seeded and streaming (1 KB to several GB
 * without holding it in memory), with ground truth beside the bytes: what a correct reader yields
 * and the issues it reports.
 * @example
 * const gen = generateExport({ format: "chatgpt-json", seed: 1, targetBytes: 1e6 });
 * const bytes = await collect(gen.bytes()); // then compare readExport(bytes) with gen.truth
 */
export function generateExport(options: GenerateExportOptions): GeneratedExport {
  const truth = emptyExportTruth();
  const zip =
    options.format === "chatgpt-zip" ||
    options.format === "claude-zip" ||
    options.format === "chatgpt-shards";
  return {
    name: zip ? "export.zip" : "conversations.json",
    truth,
    bytes() {
      reset(truth);
      return zip ? zipBytes(options, truth) : jsonFile(options, truth, planFiles(options)[0]!);
    },
  };
}

function reset(truth: ExportTruth): void {
  truth.conversations.length = 0;
  truth.issues.length = 0;
  truth.plantedFacts.length = 0;
  truth.pastes.length = 0;
  truth.conversationCount = 0;
  truth.messageCount = 0;
  truth.jsonBytes = 0;
  truth.largestConversationBytes = 0;
}

/** Streams one JSON file of the export (array, wrapper, pretty, BOM as the options say). */
async function* jsonFile(
  options: GenerateExportOptions,
  truth: ExportTruth,
  file: GeneratedFile,
): AsyncGenerator<Uint8Array> {
  for await (const f of generateFiles(options, truth)) {
    if (f.file.name !== file.name) continue;
    yield* encodeFile(options, truth, f.elements);
  }
}
