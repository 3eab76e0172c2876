import { stat } from "node:fs/promises";
import { basename } from "node:path";
import { ExportFormatError } from "../errors/export-format-error.js";
import type { Conversation } from "../export/conversation.js";
import { type ReadExportOptions, readExport as readPortable } from "../export/read-export.js";
import type { ExportInput } from "../source/to-source.js";
import { createDirectorySource } from "./create-directory-source.js";
import { createFileSource } from "./create-file-source.js";
import { createHttpSource } from "../source/create-http-source.js";
import { zlibInflateRaw } from "./zlib-inflate-raw.js";

/**
 * `readExport` for Node: also takes a path to an export file (JSON or ZIP), a path to an unzipped
 * export folder, or an `http(s)://` URL (read with `Range` and retries), and inflates ZIP entries
 * with `node:zlib`. Otherwise the same as the portable one.
 * @example
 * for await (const c of readExport("./export.zip", { onIssue: console.warn })) console.log(c.title);
 */
export async function* readExport(
  input: ExportInput | string,
  options: ReadExportOptions = {},
): AsyncGenerator<Conversation> {
  let source: ExportInput;
  if (typeof input === "string" && /^https?:\/\//i.test(input)) {
    source = createHttpSource(input);
  } else if (typeof input === "string") {
    const info = await stat(input).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOENT" && error.code !== "EACCES" && error.code !== "ENOTDIR") throw error;
      throw new ExportFormatError(
        `cannot read ${basename(input)} (${error.code}); check the path and its permissions`,
        {
          reason: "unreadable",
          cause: error,
        },
      );
    });
    source = info.isDirectory() ? createDirectorySource(input) : createFileSource(input);
  } else {
    source = input;
  }
  yield* readPortable(source, { inflateRaw: zlibInflateRaw, ...options });
}
