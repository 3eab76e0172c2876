import { stat } from "node:fs/promises";
import type { SourceResolver } from "../pipeline/source-resolver.js";
import { createHttpSource } from "../source/create-http-source.js";
import { createDirectorySource } from "./create-directory-source.js";
import { createFileSource } from "./create-file-source.js";

/**
 * The Node source resolvers: `{ kind: "file", path }` (an export file, JSON or ZIP, or an unzipped
 * export folder) and `{ kind: "url", url }` (HTTP with `Range` resumes). `@threadmill/core/node`'s
 * `createRunner` registers them by default.
 */
export const nodeSources: Readonly<Record<"file" | "url", SourceResolver>> = {
  file: async (ref) => {
    const path = (ref as { path?: unknown }).path;
    if (typeof path !== "string" || path === "") {
      throw new TypeError('[threadmill] a "file" input needs a path');
    }
    const info = await stat(path);
    return info.isDirectory() ? createDirectorySource(path) : createFileSource(path);
  },
  url: (ref) => {
    const url = (ref as { url?: unknown }).url;
    if (typeof url !== "string" || url === "") throw new TypeError('[threadmill] a "url" input needs a url');
    return createHttpSource(url);
  },
};
