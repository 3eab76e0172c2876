import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { redactSecrets, type SourceRef } from "@threadmill/core";
import { CliError } from "./cli-error.js";

/** An `import` argument checked and turned into the job's serializable input. */
export type ResolvedInput =
  | { readonly kind: "file"; readonly path: string; readonly size: number; readonly ref: SourceRef }
  | { readonly kind: "directory"; readonly path: string; readonly ref: SourceRef }
  | { readonly kind: "url"; readonly url: string; readonly ref: SourceRef };

/**
 * Turns `import`'s `<file|dir|url>` into a `SourceRef`: an `http(s)://` URL as is, a path made
 * absolute against `cwd` after checking it exists (a file or an unzipped export directory).
 * @throws CliError (exit 2) for a missing path, an unreadable one, or another URL scheme.
 */
export async function resolveInput(input: string, cwd: string = process.cwd()): Promise<ResolvedInput> {
  if (/^https?:\/\//i.test(input)) {
    try {
      new URL(input);
    } catch {
      throw new CliError(`${redactSecrets(input)} is not a valid URL.`);
    }
    return { kind: "url", url: input, ref: { kind: "url", url: input } };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(input)) {
    throw new CliError(
      `cannot import ${redactSecrets(input)}: only files, directories and http(s):// URLs can be imported.`,
    );
  }
  const path = resolve(cwd, input);
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new CliError(`no such file or directory: ${input}`);
    throw new CliError(`cannot read ${input}: ${code ?? String(error)}`, 2, { cause: error });
  }
  if (info.isDirectory()) return { kind: "directory", path, ref: { kind: "file", path } };
  if (!info.isFile()) throw new CliError(`${input} is neither a file nor a directory.`);
  return { kind: "file", path, size: info.size, ref: { kind: "file", path } };
}
