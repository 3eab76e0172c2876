import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExportFormatError } from "../errors/export-format-error.js";
import { readExport } from "../node/read-export.js";
import { createHttpSource } from "./create-http-source.js";

// A generated-looking export big enough to be sent in several writes.
const conversations = Array.from({ length: 300 }, (_, i) => ({
  id: `c${i}`,
  title: `t${i}`,
  mapping: {
    r: { parent: null, children: ["u"], message: null },
    u: {
      parent: "r",
      children: [],
      message: {
        author: { role: "user" },
        content: { content_type: "text", parts: [`question ${i} ${"x".repeat(500)}`] },
      },
    },
  },
  current_node: "u",
}));
const body = Buffer.from(JSON.stringify(conversations));

let server: Server;
let base = "";
const hits: { path: string; range: string | undefined }[] = [];
let failuresLeft = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url!, "http://x");
    hits.push({ path: url.pathname, range: req.headers.range });
    if (url.pathname === "/missing") {
      res.writeHead(404).end();
      return;
    }
    if (url.pathname === "/flaky" && failuresLeft > 0) {
      failuresLeft--;
      res.writeHead(503).end();
      return;
    }
    const ranges = url.pathname !== "/norange";
    const m = ranges ? /^bytes=(\d+)-$/.exec(req.headers.range ?? "") : null;
    const start = m ? Number(m[1]) : 0;
    const headers: Record<string, string | number> = {
      etag: '"v1"',
      "content-length": body.length - start,
      "accept-ranges": ranges ? "bytes" : "none",
    };
    if (m) headers["content-range"] = `bytes ${start}-${body.length - 1}/${body.length}`;
    res.writeHead(m ? 206 : 200, headers);
    if (url.pathname === "/drop") {
      // Send ~40 KB of what was asked, then cut the connection mid-body.
      res.write(body.subarray(start, Math.min(body.length, start + 40_000)), () => {
        if (start + 40_000 < body.length) req.socket.destroy();
        else res.end();
      });
      return;
    }
    res.end(body.subarray(start));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function ids(url: string, options: Parameters<typeof readExport>[1] = {}) {
  const out: string[] = [];
  for await (const c of readExport(createHttpSource(url, { minRetryDelayMs: 1, retries: 20 }), options))
    out.push(c.id);
  return out;
}

describe("createHttpSource", () => {
  it("reads an export over HTTP", async () => {
    expect(await ids(`${base}/ok`)).toEqual(conversations.map((c) => c.id));
  });

  it("resumes a body that drops mid-way with Range + If-Range, and the result is complete", async () => {
    hits.length = 0;
    expect(await ids(`${base}/drop`)).toEqual(conversations.map((c) => c.id));
    const ranged = hits.filter((h) => h.path === "/drop" && h.range);
    expect(ranged.length).toBeGreaterThan(2);
  });

  it("seeks with Range when resuming from a cursor", async () => {
    const all: { id: string; cursor: import("../export/cursor.js").Cursor }[] = [];
    for await (const c of readExport(createHttpSource(`${base}/ok`)))
      all.push({ id: c.id, cursor: c.cursor });
    hits.length = 0;
    expect(await ids(`${base}/ok`, { start: all[199]!.cursor })).toEqual(
      conversations.slice(200).map((c) => c.id),
    );
    expect(hits[0]!.range).toBe(`bytes=${all[199]!.cursor.offset - 1}-`);
  });

  it("is what the Node readExport uses for an http(s) URL string", async () => {
    const out: string[] = [];
    for await (const c of readExport(`${base}/ok`)) out.push(c.id);
    expect(out).toHaveLength(300);
  });

  it("falls back to skipping when the server ignores Range", async () => {
    const all: import("../export/cursor.js").Cursor[] = [];
    for await (const c of readExport(createHttpSource(`${base}/norange`))) all.push(c.cursor);
    expect(await ids(`${base}/norange`, { start: all[9]! })).toEqual(
      conversations.slice(10).map((c) => c.id),
    );
  });

  it("retries transient 5xx answers", async () => {
    failuresLeft = 3;
    expect((await ids(`${base}/flaky`)).length).toBe(300);
    expect(failuresLeft).toBe(0);
  });

  it("fails at once with ExportFormatError on 404, naming the host and path but never the query", async () => {
    const error = await ids(`${base}/missing?token=secret123`).catch((e: unknown) => e);
    expect(ExportFormatError.isInstance(error)).toBe(true);
    expect((error as ExportFormatError).reason).toBe("unreadable");
    expect((error as Error).message).toMatch(/404/);
    expect((error as Error).message).not.toMatch(/secret123/);
  });
});
