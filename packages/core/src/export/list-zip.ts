import type { OpenedSource, Source } from "../ports/source.js";
import { openZipEntry, readZipEntries } from "../source/zip-archive.js";
import type { ParseIssue } from "./parse-issue.js";
import type { ReadExportOptions } from "./read-export-options.js";
import { unsafeNameIssue } from "./unsafe-entry-names.js";

/**
 * A ZIP's usable entry names and an opener: nested archives and symlinks are reported and left out,
 * names that would leave an extraction folder are reported.
 */
export async function listZip(
  source: Source,
  size: number,
  options: ReadExportOptions,
  report: (issue: ParseIssue) => void,
): Promise<{ names: string[]; opener: (name: string) => (start: number) => Promise<OpenedSource> }> {
  const signal = options.signal;
  const withSignal = signal ? { signal } : {};
  const zipEntries = await readZipEntries(source, size, signal);
  const byName = new Map(zipEntries.map((z) => [z.name, z]));
  const limits = {
    ...(options.maxEntryBytes === undefined ? {} : { maxEntryBytes: options.maxEntryBytes }),
    ...(options.maxCompressionRatio === undefined
      ? {}
      : { maxCompressionRatio: options.maxCompressionRatio }),
    ...(options.inflateRaw ? { inflateRaw: options.inflateRaw } : {}),
    ...withSignal,
  };
  for (const z of zipEntries) {
    // Names are never paths here: an entry is only read from the archive, so say so and go on.
    if (z.unsafeName) report(unsafeNameIssue(z.name, "nothing is ever extracted by that name"));
    if (/\.zip$/i.test(z.name))
      report({ code: "skipped-entry", message: `nested archive ${z.name} not followed`, entry: z.name });
  }
  const usable = zipEntries.filter((z) => {
    if (z.symlink) {
      report({ code: "skipped-entry", message: `symlink entry ${z.name} not followed`, entry: z.name });
      return false;
    }
    return !z.name.endsWith("/");
  });
  return {
    names: usable.map((z) => z.name),
    opener: (name) => (start) => openZipEntry(source, byName.get(name)!, { ...limits, start }),
  };
}
