import type { GenerateExportOptions } from "./generate-export-options.js";

/** The files of an export (one `conversations.json`, or shards), each a stream of JSON bytes. */
export interface GeneratedFile {
  readonly name: string;
  readonly shard: number;
}

/** Names of the JSON files of an export: one for JSON/ZIP formats, `shards` for `chatgpt-shards`. */
export function planFiles(options: GenerateExportOptions): GeneratedFile[] {
  if (options.format !== "chatgpt-shards") return [{ name: "conversations.json", shard: 0 }];
  const n = Math.max(1, options.shards ?? 3);
  return Array.from({ length: n }, (_, i) => ({
    name: `conversations-${String(i).padStart(3, "0")}.json`,
    shard: i,
  }));
}
