import { createInflateRaw } from "node:zlib";
import type { RawInflate } from "../source/zip-archive.js";

/**
 * Raw DEFLATE on `node:zlib` for ZIP entries: native speed, output in bounded chunks with
 * backpressure (so the ZIP-bomb guard sees every 256 KiB before more is inflated).
 */
export const zlibInflateRaw: RawInflate = async function* (compressed) {
  const inflater = createInflateRaw({ chunkSize: 256 * 1024 });
  const feed = (async () => {
    try {
      for await (const chunk of compressed) {
        if (!inflater.write(chunk)) {
          await new Promise<void>((resolve) => {
            inflater.once("drain", resolve);
            inflater.once("close", resolve);
          });
        }
        if (inflater.destroyed) return;
      }
      inflater.end();
    } catch (error) {
      inflater.destroy(error as Error);
    }
  })();
  try {
    for await (const out of inflater) yield out as Uint8Array;
  } finally {
    inflater.destroy();
    await feed;
  }
};
