import { stat } from "node:fs/promises";
import { z } from "zod";
import { ExportFormatError } from "../errors/export-format-error.js";
import { defineSourceResolver, type SourceResolver } from "../pipeline/source-resolver.js";
import { createHttpSource } from "../source/create-http-source.js";
import { createDirectorySource } from "./create-directory-source.js";
import { createFileSource } from "./create-file-source.js";

/** `stat` errors that trying again will not cure: the job fails at once instead of being retried. */
const PERMANENT_FS_ERRORS = new Set(["ENOENT", "ENOTDIR", "EACCES", "EPERM", "ENAMETOOLONG", "ELOOP"]);

const fileRef = z.object({ kind: z.literal("file"), path: z.string().min(1) });
const urlRef = z.object({ kind: z.literal("url"), url: z.url({ protocol: /^https?$/ }) });

/**
 * The Node source resolvers: `{ kind: "file", path }` (an export file, JSON or ZIP, or an unzipped
 * export folder) and `{ kind: "url", url }` (HTTP with `Range` resumes). `@threadmill/core/node`'s
 * `createRunner` registers them by default. A path that does not exist or cannot be read fails with
 * `ExportFormatError` (`unreadable`), as does an HTTP answer such as 401, 403, 404 or 410.
 */
export const nodeSources: Readonly<Record<"file" | "url", SourceResolver>> = {
  file: defineSourceResolver(fileRef, async ({ path }) => {
    const info = await stat(path).catch((error: unknown) => {
      const code = (error as { code?: unknown }).code;
      if (typeof code !== "string" || !PERMANENT_FS_ERRORS.has(code)) throw error;
      throw new ExportFormatError(`${path} cannot be read (${code}); check the path and its access rights`, {
        reason: "unreadable",
        cause: error,
      });
    });
    return info.isDirectory() ? createDirectorySource(path) : createFileSource(path);
  }),
  url: defineSourceResolver(urlRef, ({ url }) => createHttpSource(url)),
};
