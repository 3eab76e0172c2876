import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createBytesSource } from "@threadmill/core";
import { createFileSource, createHttpSource } from "@threadmill/core/node";
import { afterAll, beforeAll } from "vitest";
import { runSourceConformance } from "./source-conformance.js";

let dir = "";
let server: Server;
let base = "";
const served = new Map<string, Uint8Array>();
let counter = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "threadmill-source-"));
  // Serves each registered body; `/plain/...` ignores Range, the rest honour it (with an ETag).
  server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const body = served.get(path.replace(/^\/plain/, ""));
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    if (range && !path.startsWith("/plain")) {
      const start = Number(range[1]);
      if (start >= body.length) {
        res.writeHead(416, { "content-range": `bytes */${body.length}` }).end();
        return;
      }
      res.writeHead(206, {
        etag: '"v1"',
        "content-length": body.length - start,
        "content-range": `bytes ${start}-${body.length - 1}/${body.length}`,
      });
      res.end(body.subarray(start));
      return;
    }
    res.writeHead(200, { etag: '"v1"', "content-length": body.length });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

function serve(bytes: Uint8Array): string {
  counter += 1;
  const path = `/export-${counter}.json`;
  served.set(path, bytes);
  return path;
}

runSourceConformance({
  name: "createBytesSource",
  create: async (bytes) => createBytesSource(bytes, { chunkBytes: 7_919 }),
});

runSourceConformance({
  name: "createFileSource",
  create: async (bytes) => {
    counter += 1;
    const path = join(dir, `export-${counter}.json`);
    await writeFile(path, bytes);
    return createFileSource(path, { chunkBytes: 65_536 });
  },
});

runSourceConformance({
  name: "createHttpSource (server honours Range)",
  create: async (bytes) => createHttpSource(`${base}${serve(bytes)}?token=secret-must-not-show`),
});

runSourceConformance({
  name: "createHttpSource (server ignores Range)",
  create: async (bytes) => createHttpSource(`${base}/plain${serve(bytes)}`, { retries: 0 }),
  seekable: false,
});
