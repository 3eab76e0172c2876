/** One batch file listed by Claude's export index. */
export interface ExportManifestFile {
  /**
   * The batch's file name (`data-<uuid>-...-batch-0000.zip`): the index's `file_name` / `filename` /
   * `name`, else the URL's last path segment; never the URL's query string. Unique within the index.
   */
  readonly name: string;
  /** The download URL (may be signed; never put it in a message or log). */
  readonly url: string;
}

/** Claude's export index: the download URLs of a large export's batch ZIPs. */
export interface ExportManifest {
  readonly files: readonly ExportManifestFile[];
}

/** Indexes are small; anything larger is not one. */
export const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;

const decoder = new TextDecoder();

/**
 * Recognises Claude's export index from its content: a JSON object (not a conversation, not a
 * `{ conversations: [...] }` wrapper) whose `data_files` array holds entries with an http(s)
 * `export_url`. Returns the batch files it lists, or `null` when the bytes are anything else
 * (never throws). Entries without an `export_url` are ignored.
 * @example
 * const manifest = parseExportManifest(bytes); // { files: [{ name: "data-...-batch-0000.zip", url }] } | null
 */
export function parseExportManifest(bytes: Uint8Array): ExportManifest | null {
  if (bytes.length > MAX_MANIFEST_BYTES) return null;
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(bytes));
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  const raw = value as Record<string, unknown>;
  if ("mapping" in raw || "chat_messages" in raw || "conversations" in raw) return null;
  const list = raw.data_files;
  if (!Array.isArray(list)) return null;
  const files: ExportManifestFile[] = [];
  const used = new Set<string>();
  for (const item of list) {
    if (typeof item !== "object" || item === null) continue;
    const f = item as Record<string, unknown>;
    const url = f.export_url;
    if (typeof url !== "string" || !/^https?:\/\//i.test(url)) continue;
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      continue;
    }
    const given = [f.file_name, f.filename, f.name].find(
      (v): v is string => typeof v === "string" && v !== "",
    );
    let name = baseName(given ?? lastSegment(parsed) ?? `batch-${files.length}`);
    if (used.has(name)) name = `${name}#${files.length}`;
    used.add(name);
    files.push({ name, url });
  }
  return files.length > 0 ? { files } : null;
}

function lastSegment(url: URL): string | null {
  const segment = url.pathname.split("/").filter(Boolean).pop();
  if (!segment) return null;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function baseName(name: string): string {
  const cut = name.split(/[?#]/)[0] ?? name;
  return cut.slice(Math.max(cut.lastIndexOf("/"), cut.lastIndexOf("\\")) + 1) || "batch";
}
