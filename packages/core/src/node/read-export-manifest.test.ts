import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { zipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExportFormatError } from "../errors/export-format-error.js";
import type { Cursor } from "../export/cursor.js";
import { parseExportManifest } from "../export/export-manifest.js";
import type { ParseIssue } from "../export/parse-issue.js";
import { readExport as readPortable } from "../export/read-export.js";
import { readExport } from "./read-export.js";

// Claude's split export: an index JSON listing batch ZIPs by signed download URL. Batch 0 holds only
// conversations.json (no users.json); batch 1 holds projects.json, users.json and a second
// conversations file whose copies of some conversations are newer or older than batch 0's.
const enc = new TextEncoder();
const TOKEN = "sig=SECRET-TOKEN-123";
const claude = (id: string, text: string, updated_at?: string) => ({
  uuid: id,
  name: `title ${id}`,
  created_at: "2026-01-01T00:00:00Z",
  ...(updated_at === undefined ? {} : { updated_at }),
  chat_messages: [
    {
      uuid: `${id}-h`,
      sender: "human",
      created_at: "2026-01-01T00:00:00Z",
      text,
      content: [
        { type: "injected_prompt_block", text: "system-injected, not shown" },
        { type: "text", text },
      ],
    },
    {
      uuid: `${id}-a`,
      sender: "assistant",
      created_at: "2026-01-01T00:00:01Z",
      text: `re ${text}`,
      content: [{ type: "text", text: `re ${text}` }],
    },
  ],
});
const BATCH0 = "data-11111111-2222-batch-0000.zip";
const BATCH1 = "data-11111111-2222-batch-0001.zip";
const batch0 = zipSync({
  "conversations.json": enc.encode(
    JSON.stringify([
      claude("a", "alpha", "2026-01-02T00:00:00Z"),
      claude("b", "bravo old", "2026-01-02T00:00:00Z"),
      claude("c", "charlie kept", "2026-01-05T00:00:00Z"),
      claude("d", "delta first", "2026-01-03T00:00:00Z"),
      claude("e", "echo dated", "2026-01-01T00:00:00Z"),
    ]),
  ),
});
const batch1 = zipSync(
  {
    "projects.json": enc.encode(JSON.stringify([{ uuid: "p1", name: "project" }])),
    "users.json": enc.encode(JSON.stringify([{ uuid: "u1" }])),
    // A conversations entry not named conversations.json: found by its content.
    "chats/part-1.json": enc.encode(
      JSON.stringify([
        claude("b", "bravo new", "2026-01-04T00:00:00Z"),
        claude("c", "charlie stale", "2026-01-01T00:00:00Z"),
        claude("d", "delta tie", "2026-01-03T00:00:00Z"),
        claude("e", "echo undated"),
        claude("f", "foxtrot"),
      ]),
    ),
  },
  { level: 6 },
);
const expected = [
  { id: "a", text: "alpha", entry: `${BATCH0}!conversations.json` },
  { id: "c", text: "charlie kept", entry: `${BATCH0}!conversations.json` },
  { id: "d", text: "delta first", entry: `${BATCH0}!conversations.json` },
  { id: "e", text: "echo dated", entry: `${BATCH0}!conversations.json` },
  { id: "b", text: "bravo new", entry: `${BATCH1}!chats/part-1.json` },
  { id: "f", text: "foxtrot", entry: `${BATCH1}!chats/part-1.json` },
];

let server: Server;
let base = "";
const ranges: (string | undefined)[] = [];
let expiringLeft = 0;
const hits = new Map<string, number>();
const manifestFor = (paths: readonly string[]) =>
  enc.encode(
    JSON.stringify({
      export_id: "x",
      created_at: "2026-01-10T00:00:00Z",
      data_files: paths.map((p, i) => ({
        file_name: i === 0 ? BATCH0 : BATCH1,
        size_bytes: 1,
        export_url: `${base}${p}?${TOKEN}`,
      })),
    }),
  );

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url!, "http://x");
    hits.set(url.pathname, (hits.get(url.pathname) ?? 0) + 1);
    if (url.pathname === "/expired" || (url.pathname === "/b1-expiring" && --expiringLeft < 0)) {
      res.writeHead(403).end("<Error>Request has expired</Error>");
      return;
    }
    const body =
      url.pathname === "/b0"
        ? batch0
        : url.pathname === "/b1" || url.pathname === "/b1-expiring"
          ? batch1
          : url.pathname === "/index.json"
            ? manifestFor(["/b0", "/b1"])
            : null;
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    ranges.push(req.headers.range);
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "");
    if (m) {
      const start = Number(m[1]);
      const end = m[2] ? Math.min(Number(m[2]), body.length - 1) : body.length - 1;
      res.writeHead(206, {
        "content-length": end - start + 1,
        "content-range": `bytes ${start}-${end}/${body.length}`,
        etag: '"v1"',
      });
      res.end(body.subarray(start, end + 1));
      return;
    }
    res.writeHead(200, { "content-length": body.length, etag: '"v1"' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const dir = mkdtempSync(join(tmpdir(), "threadmill-manifest-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Out = { id: string; text: string; entry: string | null; cursor: Cursor };
async function collect(
  input: Parameters<typeof readExport>[0],
  options: Parameters<typeof readExport>[1] = {},
): Promise<Out[]> {
  const out: Out[] = [];
  for await (const c of readExport(input, options))
    out.push({ id: c.id, text: c.messages[0]?.text ?? "", entry: c.cursor.entry, cursor: c.cursor });
  return out;
}
const plain = (list: Out[]) => list.map(({ id, text, entry }) => ({ id, text, entry }));

describe("Claude's split export (index of batch ZIPs)", () => {
  it("leaves no request running once the export is read (a cancelled HTTP body is never re-requested)", async () => {
    hits.clear();
    await collect(manifestFor(["/b0", "/b1"]));
    const after = [...hits];
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect([...hits]).toEqual(after);
  });

  it("recognises the index from its content, never a conversations file", () => {
    const manifest = parseExportManifest(manifestFor(["/b0", "/b1"]));
    expect(manifest?.files.map((f) => f.name)).toEqual([BATCH0, BATCH1]);
    const named = parseExportManifest(
      enc.encode(JSON.stringify({ data_files: [{ export_url: `https://h/dl/${BATCH0}?${TOKEN}` }] })),
    );
    expect(named?.files[0]?.name).toBe(BATCH0);
    expect(parseExportManifest(enc.encode(JSON.stringify([claude("a", "x")])))).toBeNull();
    expect(parseExportManifest(enc.encode(JSON.stringify(claude("a", "x"))))).toBeNull();
    expect(
      parseExportManifest(
        enc.encode(JSON.stringify({ conversations: [], data_files: [{ export_url: "https://h/x" }] })),
      ),
    ).toBeNull();
    expect(
      parseExportManifest(enc.encode(JSON.stringify({ data_files: [{ file_name: "x.zip" }] }))),
    ).toBeNull();
    expect(parseExportManifest(enc.encode("{ not json"))).toBeNull();
  });

  it("reads the index given as bytes (portable entry) by following each export_url; dedupes across batches (newest updated_at wins, undated never beats dated, ties to the earlier)", async () => {
    const issues: ParseIssue[] = [];
    const out: Out[] = [];
    for await (const c of readPortable(manifestFor(["/b0", "/b1"]), { onIssue: (i) => issues.push(i) }))
      out.push({ id: c.id, text: c.messages[0]?.text ?? "", entry: c.cursor.entry, cursor: c.cursor });
    expect(plain(out)).toEqual(expected);
    // The injected_prompt_block is not message text.
    expect(out.every((c) => !c.text.includes("system-injected"))).toBe(true);
    const dupes = issues.filter((i) => i.code === "duplicate-conversation").map((i) => i.conversationId);
    expect(dupes.sort()).toEqual(["b", "c", "d", "e"]);
    // ZIP directories and entries were read with Range requests.
    expect(ranges.some((r) => r !== undefined)).toBe(true);
  });

  it("reads the index from an http(s) URL and from a file path (Node entry)", async () => {
    expect(plain(await collect(`${base}/index.json`))).toEqual(expected);
    const file = join(dir, "export-index.json");
    writeFileSync(file, manifestFor(["/b0", "/b1"]));
    expect(plain(await collect(file))).toEqual(expected);
  });

  it("resumes from every cursor with exactly the remaining conversations", async () => {
    const all = await collect(`${base}/index.json`);
    for (let i = 0; i < all.length; i++) {
      const rest = await collect(`${base}/index.json`, { start: all[i]!.cursor });
      expect(plain(rest)).toEqual(plain(all.slice(i + 1)));
    }
  });

  it("an expired signed URL (403) throws ExportFormatError(manifest-unreachable) naming the batch files, never the URL or token", async () => {
    const error = await collect(manifestFor(["/b0", "/expired"])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExportFormatError);
    const e = error as ExportFormatError;
    expect(e.reason).toBe("manifest-unreachable");
    expect(e.entry).toBe(BATCH1);
    expect(e.message).toContain(BATCH0);
    expect(e.message).toContain(BATCH1);
    expect(e.message).toContain("HTTP 403");
    expect(e.message).toMatch(/import their folder, or each ZIP/);
    expect(e.message).not.toContain("SECRET");
    expect(e.message).not.toContain("sig=");
    expect(e.message).not.toContain("127.0.0.1");
  });

  it("a link that expires while the export is read stops with manifest-unreachable after the conversations already yielded, and their cursor resumes in the downloaded folder", async () => {
    // Every request a clean read makes to batch 1 but the last (its entry, read after batch 0's
    // conversations were yielded) succeeds; the last is refused.
    hits.clear();
    await collect(manifestFor(["/b0", "/b1"]));
    expiringLeft = hits.get("/b1")! - 1;
    const out: Out[] = [];
    const error = await (async () => {
      for await (const c of readExport(manifestFor(["/b0", "/b1-expiring"])))
        out.push({ id: c.id, text: c.messages[0]?.text ?? "", entry: c.cursor.entry, cursor: c.cursor });
    })().catch((e: unknown) => e);
    expect((error as ExportFormatError).reason).toBe("manifest-unreachable");
    expect((error as ExportFormatError).message).not.toContain("SECRET");
    expect(out.length).toBeGreaterThan(0);
    const folder = join(dir, "downloaded");
    mkdirSync(folder);
    writeFileSync(join(folder, BATCH0), batch0);
    writeFileSync(join(folder, BATCH1), batch1);
    const rest = await collect(folder, { start: out.at(-1)!.cursor });
    expect(plain([...out, ...rest])).toEqual(expected);
  });

  it("followIndex: false never requests the index's URLs and says what to do", async () => {
    hits.clear();
    const error = await collect(manifestFor(["/b0", "/b1"]), { followIndex: false }).catch((e: unknown) => e);
    expect((error as ExportFormatError).reason).toBe("manifest-unreachable");
    expect((error as ExportFormatError).message).toContain(BATCH0);
    expect((error as ExportFormatError).message).not.toContain("SECRET");
    expect(hits.size).toBe(0);
  });

  it("a 404 batch is manifest-unreachable too", async () => {
    const error = await collect(manifestFor(["/gone", "/b1"])).catch((e: unknown) => e);
    expect((error as ExportFormatError).reason).toBe("manifest-unreachable");
    expect((error as ExportFormatError).message).toContain("HTTP 404");
    expect((error as ExportFormatError).message).not.toContain("SECRET");
  });

  it("the fetch option is what the portable reader uses to follow the URLs", async () => {
    const seen: string[] = [];
    const fetchSpy: typeof fetch = (input, init) => {
      seen.push(new URL(String(input)).pathname);
      return fetch(input, init);
    };
    const out = await collect(manifestFor(["/b0", "/b1"]), { fetch: fetchSpy });
    expect(plain(out)).toEqual(expected);
    expect(new Set(seen)).toEqual(new Set(["/b0", "/b1"]));
  });

  it("reads a folder of batch ZIPs, with or without the index, and resumes in it", async () => {
    const folder = join(dir, "batches");
    mkdirSync(folder);
    writeFileSync(join(folder, BATCH0), batch0);
    writeFileSync(join(folder, BATCH1), batch1);
    const all = await collect(folder);
    expect(plain(all)).toEqual(expected);
    for (let i = 0; i < all.length; i++)
      expect(plain(await collect(folder, { start: all[i]!.cursor }))).toEqual(plain(all.slice(i + 1)));
    // The index beside them is not followed (its links may have expired): the local ZIPs are read.
    writeFileSync(join(folder, "export-index.json"), manifestFor(["/expired", "/expired"]));
    expect(plain(await collect(folder))).toEqual(expected);
  });

  it("the batch holding only conversations.json (no users.json) reads alone as a ZIP", async () => {
    const file = join(dir, BATCH0);
    writeFileSync(file, batch0);
    expect((await collect(file)).map((c) => [c.id, c.entry])).toEqual(
      ["a", "b", "c", "d", "e"].map((id) => [id, "conversations.json"]),
    );
  });

  it("a batch set with no conversations anywhere names its batches", async () => {
    const folder = join(dir, "no-conversations");
    mkdirSync(folder);
    writeFileSync(join(folder, BATCH1), zipSync({ "projects.json": enc.encode("[]") }));
    const error = await collect(folder).catch((e: unknown) => e);
    expect((error as ExportFormatError).reason).toBe("no-conversations-file");
    expect((error as ExportFormatError).message).toContain(BATCH1);
  });
});
