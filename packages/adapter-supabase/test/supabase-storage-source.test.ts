import { createServer, type Server } from "node:http";
import { createMemoryAdapter } from "@threadmill/adapter-memory";
import {
  createImportPipeline,
  createRunner,
  JobConfigurationError,
  type SourceRef,
  StorageError,
} from "@threadmill/core";
import { createClient } from "@supabase/supabase-js";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createSupabaseStorageSource, supabaseStorageResolver } from "../src/index.js";

const OBJECT = new TextEncoder().encode(
  `[${Array.from({ length: 2000 }, (_, i) => `{"n":${i}}`).join(",")}]`,
);
const TOKEN_LIFETIME_MS = 300;

/**
 * A local node:http stand-in for the two Supabase Storage endpoints the source uses: `POST
 * /storage/v1/object/sign/:bucket/:path` (mints a token valid TOKEN_LIFETIME_MS) and `GET
 * /storage/v1/object/sign/:bucket/:path?token=` (serves the bytes, honouring Range).
 */
function storageStandIn() {
  const tokens = new Map<string, number>();
  const seen: { method: string; url: string; range: string | undefined }[] = [];
  let minted = 0;
  const server = createServer((req, res) => {
    const url = new URL(req.url!, "http://x");
    seen.push({ method: req.method!, url: req.url!, range: req.headers.range });
    const match = /^\/storage\/v1\/object\/sign\/([^/]+)\/(.+)$/.exec(url.pathname);
    if (!match) return res.writeHead(404).end();
    const [, bucket, path] = match;
    const exists = bucket === "exports" && decodeURIComponent(path!) === "user-1/conversations.json";
    if (req.method === "POST") {
      if (!exists) {
        res.writeHead(400, { "content-type": "application/json" });
        return res.end(
          JSON.stringify({ statusCode: "404", error: "not_found", message: "Object not found" }),
        );
      }
      minted += 1;
      const token = `tok-${minted}-${Math.random().toString(36).slice(2)}`;
      tokens.set(token, Date.now() + TOKEN_LIFETIME_MS);
      res.writeHead(200, { "content-type": "application/json" });
      return res.end(JSON.stringify({ signedURL: `/object/sign/${bucket}/${path}?token=${token}` }));
    }
    const expires = tokens.get(url.searchParams.get("token") ?? "");
    if (!exists || expires === undefined || expires < Date.now()) {
      res.writeHead(400, { "content-type": "application/json" });
      return res.end(JSON.stringify({ statusCode: "403", error: "InvalidJWT", message: "jwt expired" }));
    }
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    if (range) {
      const start = Number(range[1]);
      if (start >= OBJECT.length) {
        res.writeHead(416, { "content-range": `bytes */${OBJECT.length}` });
        return res.end();
      }
      res.writeHead(206, {
        "content-range": `bytes ${start}-${OBJECT.length - 1}/${OBJECT.length}`,
        "content-length": String(OBJECT.length - start),
      });
      return res.end(OBJECT.subarray(start));
    }
    res.writeHead(200, { "content-length": String(OBJECT.length) });
    res.end(OBJECT);
  });
  return { server, seen, tokens };
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

describe("Supabase Storage source (against a local node:http stand-in for the sign and download endpoints)", () => {
  const standIn = storageStandIn();
  let server: Server;
  let url = "";
  beforeAll(async () => {
    server = standIn.server;
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });
  // Node 20 has no global WebSocket; realtime is unused here, so it gets an inert transport.
  const client = () =>
    createClient(url, "anon-key-for-tests", {
      auth: { persistSession: false },
      // biome-ignore lint/suspicious/noExplicitAny: an inert WebSocket stand-in, never connected.
      realtime: { transport: class {} as any },
    });

  it("every open() mints a fresh signed URL, so a job that waited past the URL's lifetime still downloads", async () => {
    const source = createSupabaseStorageSource({
      client: client(),
      bucket: "exports",
      path: "user-1/conversations.json",
    });
    const first = await source.open();
    expect(first).toMatchObject({ size: OBJECT.length, offset: 0 });
    expect(await readAll(first.stream)).toEqual(OBJECT);
    await new Promise((r) => setTimeout(r, TOKEN_LIFETIME_MS * 2)); // the queue wait (90 minutes in seed 002)
    const second = await source.open();
    expect(await readAll(second.stream)).toEqual(OBJECT);
    const signs = standIn.seen.filter((s) => s.method === "POST");
    expect(signs).toHaveLength(2);
    const gets = standIn.seen
      .filter((s) => s.method === "GET")
      .map((s) => new URL(s.url, "http://x").searchParams.get("token"));
    expect(new Set(gets).size).toBe(2);
  });

  it("open({ start }) reads with a Range request from that byte, reporting the total size", async () => {
    const source = createSupabaseStorageSource({
      client: client(),
      bucket: "exports",
      path: "user-1/conversations.json",
    });
    const opened = await source.open({ start: 1000 });
    expect(opened).toMatchObject({ offset: 1000, size: OBJECT.length });
    expect(await readAll(opened.stream)).toEqual(OBJECT.subarray(1000));
    expect(standIn.seen.at(-1)?.range).toBe("bytes=1000-");
    const atEnd = await source.open({ start: OBJECT.length });
    expect(atEnd).toMatchObject({ offset: OBJECT.length, size: OBJECT.length });
    expect((await readAll(atEnd.stream)).length).toBe(0);
  });

  it("works with the storage client alone and through the runner's resolver for { kind: 'supabase' }", async () => {
    const resolve = supabaseStorageResolver(client().storage);
    const source = resolve({ kind: "supabase", bucket: "exports", path: "user-1/conversations.json" });
    expect(source.name).toBe("supabase-storage://exports/user-1/conversations.json");
    expect(await readAll((await source.open()).stream)).toEqual(OBJECT);
    expect(() => resolve({ kind: "supabase", bucket: "exports" })).toThrow(TypeError);
  });

  it("the runner's submit rejects a malformed { kind: 'supabase' } input before any job exists", async () => {
    const store = createMemoryAdapter();
    const runner = createRunner({
      store,
      pipelines: { import: createImportPipeline() },
      sources: { supabase: supabaseStorageResolver(client().storage) },
    });
    const inputs: SourceRef[] = [
      { kind: "supabase", bucket: "exports" },
      { kind: "supabase", path: "user-1/conversations.json" },
      { kind: "supabase", bucket: "", path: "user-1/conversations.json" },
    ];
    for (const input of inputs) {
      const error = await runner.submit({ tenant: "t", pipeline: "import", input }).catch((e: unknown) => e);
      expect(JobConfigurationError.isInstance(error)).toBe(true);
      expect((error as JobConfigurationError).reason).toBe("INVALID_INPUT");
    }
    expect(await store.jobs.list("t")).toEqual([]);
  });

  it("a missing object is a non-retriable StorageError; an expired or refused download is reported without the signed URL or token, and nothing is logged", async () => {
    const logs = [vi.spyOn(console, "log"), vi.spyOn(console, "error"), vi.spyOn(console, "warn")];
    try {
      const missing = createSupabaseStorageSource({ client: client(), bucket: "exports", path: "nope.json" });
      const error = await missing.open().catch((e: unknown) => e);
      expect(StorageError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ adapter: "supabase-storage", retriable: false });
      expect((error as Error).message).toContain("supabase-storage://exports/nope.json");

      // A fetch that lets the URL expire before the download starts: the server answers 400/403.
      const slow: typeof fetch = async (input, init) => {
        await new Promise((r) => setTimeout(r, TOKEN_LIFETIME_MS * 2));
        return fetch(input, init);
      };
      const source = createSupabaseStorageSource({
        client: client(),
        bucket: "exports",
        path: "user-1/conversations.json",
        fetch: slow,
      });
      const expired = await source.open().catch((e: unknown) => e);
      expect(StorageError.isInstance(expired)).toBe(true);
      expect((expired as Error).message).not.toMatch(/tok-|token=/);
      expect(JSON.stringify(expired)).not.toMatch(/tok-|token=/);
      for (const spy of logs) expect(spy).not.toHaveBeenCalled();
    } finally {
      for (const spy of logs) spy.mockRestore();
    }
  });
});
