import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readdir } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { contentHash, redactSecrets } from "@threadmill/core";
import { CliError } from "./cli-error.js";
import type { ImportOptions } from "./import-options.js";
import type { ResolvedInput } from "./resolve-input.js";

/** Version of the key's recipe: bump it when what goes into the key changes. */
const KEY_VERSION = "import-v1";

async function hashFile(path: string, hash = createHash("sha256")): Promise<ReturnType<typeof createHash>> {
  // Streamed from disk in 1 MiB reads: memory stays flat whatever the size (1 GB hashes in ~2 s).
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash;
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (at: string) => {
    const entries = await readdir(at, { withFileTypes: true });
    for (const entry of entries) {
      if (entry.name.startsWith(".")) continue;
      const full = join(at, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) out.push(full);
    }
  };
  await walk(dir);
  return out.sort();
}

/** What identifies the input's content: a SHA-256 of the bytes, or for a URL the URL with its ETag or length. */
export async function inputFingerprint(input: ResolvedInput, signal?: AbortSignal): Promise<string> {
  if (input.kind === "file") return `file:${(await hashFile(input.path)).digest("hex")}`;
  if (input.kind === "directory") {
    const hash = createHash("sha256");
    for (const file of await listFiles(input.path)) {
      const name = relative(input.path, file).split(sep).join("/");
      hash.update(`\u0000${name}\u0000`);
      await hashFile(file, hash);
    }
    return `dir:${hash.digest("hex")}`;
  }
  let response: Response;
  try {
    response = await fetch(input.url, { method: "HEAD", redirect: "follow", ...(signal ? { signal } : {}) });
  } catch (error) {
    throw new CliError(`cannot reach ${redactSecrets(input.url)}: ${(error as Error).message}`, 2, {
      cause: error,
    });
  }
  if (!response.ok) {
    throw new CliError(`${redactSecrets(input.url)} answered HTTP ${response.status} to HEAD.`);
  }
  const etag = response.headers.get("etag");
  const length = response.headers.get("content-length");
  if (etag === null && length === null) {
    throw new CliError(
      `${redactSecrets(input.url)} sends neither ETag nor Content-Length, so a re-run could not tell whether it changed; download it and import the file.`,
    );
  }
  // A signed URL's token changes per signing, not the content: it is left out (redacted) of the key.
  return `url:${redactSecrets(input.url)}:${etag !== null ? `etag=${etag}` : `length=${length}`}`;
}

/**
 * The `import` job's idempotency key: the input's content hash (for a URL: URL + ETag or length)
 * plus the options that change the output, so the same command on the same bytes names the same job
 * and a changed option or file names a new one.
 */
export async function computeIdempotencyKey(
  input: ResolvedInput,
  options: ImportOptions,
  signal?: AbortSignal,
  /** The facts options but the budget (raising a budget resumes the same job, it pays nothing twice). */
  facts: { readonly model: string; readonly batch: boolean } | null = null,
): Promise<string> {
  const fingerprint = await inputFingerprint(input, signal);
  const parts = [fingerprint, options.maxTokens, options.overlapTokens, options.tokenizer, options.branches];
  // Without --facts the key is what it always was, so imports made before facts still resume.
  if (facts) parts.push("facts", facts.model, facts.batch ? "batch" : "messages");
  // Likewise without --missing delete.
  if (options.missing === "delete") parts.push("missing-delete");
  return `${KEY_VERSION}:${contentHash(...parts)}`;
}
