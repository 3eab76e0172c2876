import { Zip, ZipDeflate, ZipPassThrough } from "fflate";
import { encodeFile } from "./encode-file.js";
import type { ExportTruth } from "./export-truth.js";
import type { GenerateExportOptions } from "./generate-export-options.js";
import { generateFiles } from "./generate-files.js";

const encoder = new TextEncoder();

/** Streams a ZIP: the JSON file(s) deflated, plus the side files a real export carries. */
export async function* zipBytes(
  options: GenerateExportOptions,
  truth: ExportTruth,
): AsyncGenerator<Uint8Array> {
  const out: Uint8Array[] = [];
  let failure: Error | null = null;
  const zip = new Zip((error, data) => {
    if (error) failure = error;
    else if (data.length > 0) out.push(data);
  });
  const level = options.zipLevel ?? ((options.targetBytes ?? 0) > 64e6 ? 1 : 6);
  const claude = options.format.startsWith("claude");
  const side = (name: string, text: string) => {
    const entry = new ZipPassThrough(name);
    zip.add(entry);
    entry.push(encoder.encode(text), true);
  };
  const sideFiles = options.sideFiles ?? true;
  if (sideFiles)
    side(
      claude ? "users.json" : "user.json",
      claude ? `[{"uuid":"account-1","full_name":"Test"}]` : `{"id":"user-1","email":"test@example.com"}`,
    );
  if (options.nestedZip) {
    side("attachments.zip", "PK\u0005\u0006" + "\u0000".repeat(18));
    truth.issues.push({ code: "skipped-entry" });
  }
  for await (const f of generateFiles(options, truth)) {
    const entry = new ZipDeflate(f.file.name, { level });
    zip.add(entry);
    for await (const bytes of encodeFile(options, truth, f.elements)) {
      entry.push(bytes, false);
      if (failure) throw failure;
      while (out.length > 0) yield out.shift()!;
    }
    entry.push(new Uint8Array(0), true);
    while (out.length > 0) yield out.shift()!;
  }
  if (claude && sideFiles) side("projects.json", "[]");
  zip.end();
  if (failure) throw failure;
  while (out.length > 0) yield out.shift()!;
}
