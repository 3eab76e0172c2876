import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, EXAMPLES, jsonLines, runBin } from "./helpers.js";

// A local node:http server stands in for a download URL (a signed storage URL, say).
const zip = readFileSync(join(EXAMPLES, "claude-export.zip"));
const etag = `"${createHash("sha256").update(zip).digest("hex").slice(0, 16)}"`;
let server: Server;
let base: string;
const requests: string[] = [];

beforeAll(async () => {
  assertBuilt();
  server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url} ${req.headers.range ?? ""}`);
    if (req.url?.startsWith("/bare")) {
      // Neither ETag nor Content-Length: a re-run could not tell whether the bytes changed.
      res.writeHead(200, { "transfer-encoding": "chunked" });
      res.end(req.method === "HEAD" ? undefined : zip);
      return;
    }
    if (!req.url?.startsWith("/export.zip")) {
      res.writeHead(404).end();
      return;
    }
    const range = /bytes=(\d+)-/.exec(req.headers.range ?? "");
    const start = range ? Number(range[1]) : 0;
    const body = zip.subarray(start);
    res.writeHead(range ? 206 : 200, {
      etag,
      "content-length": String(body.length),
      "accept-ranges": "bytes",
      ...(range ? { "content-range": `bytes ${start}-${zip.length - 1}/${zip.length}` } : {}),
    });
    res.end(req.method === "HEAD" ? undefined : body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  if (!server) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe("import from an http(s) URL (local node:http stand-in)", { timeout: 120_000 }, () => {
  it("imports the export; the signed URL's token is never printed", async () => {
    const url = `${base}/export.zip?token=SIGNED-SECRET-123`;
    const r = await runBin(["import", url, "--store", "memory", "--json"]);
    expect(r.code).toBe(0);
    expect(jsonLines(r.stdout).at(-1)).toMatchObject({
      type: "summary",
      status: "succeeded",
      conversations: 45,
    });
    expect(r.stdout + r.stderr).not.toContain("SIGNED-SECRET-123");
    expect(requests.some((line) => line.startsWith("HEAD /export.zip"))).toBe(true); // the ETag makes the key
  });

  it("a URL that answers 404, and one without ETag or Content-Length, exit 2 with one line", async () => {
    const missing = await runBin(["import", `${base}/gone.zip?sig=SECRET-SIG`, "--store", "memory"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^threadmill: .*answered HTTP 404/);
    expect(missing.stderr).not.toContain("SECRET-SIG");
    const bare = await runBin(["import", `${base}/bare.zip`, "--store", "memory"]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain("sends neither ETag nor Content-Length");
  });
});
