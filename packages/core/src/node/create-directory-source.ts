import { readdir } from "node:fs/promises";
import { basename, join, relative, sep } from "node:path";
import type { Source } from "../ports/source.js";
import { createFileSource } from "./create-file-source.js";

/**
 * A `Source` over an unzipped export folder: `entries()` lists its files (two levels deep, paths
 * relative to the folder with `/` separators; symlinks are not followed) and `openEntry` opens one
 * seekably. `open()` itself is not meaningful for a folder and throws.
 */
export function createDirectorySource(dir: string, options: { readonly name?: string } = {}): Source {
  const files = async (): Promise<string[]> => {
    const out: string[] = [];
    const walk = async (at: string, depth: number) => {
      for (const d of await readdir(at, { withFileTypes: true })) {
        const full = join(at, d.name);
        if (d.isFile()) out.push(relative(dir, full).split(sep).join("/"));
        else if (d.isDirectory() && depth < 2) await walk(full, depth + 1);
      }
    };
    await walk(dir, 1);
    return out.sort();
  };
  return {
    name: options.name ?? basename(dir),
    async open() {
      throw new TypeError(`[threadmill] ${basename(dir)} is a folder; read it through entries()/openEntry()`);
    },
    entries: files,
    async openEntry(entry, opts = {}) {
      if (entry.split("/").includes(".."))
        throw new TypeError(`[threadmill] entry ${entry} leaves the folder`);
      return createFileSource(join(dir, ...entry.split("/"))).open(opts);
    },
  };
}
