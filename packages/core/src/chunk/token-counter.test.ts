import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// Runs `code` (an ES module) in a fresh Node process with tsx, so each check starts from a module
// graph with nothing loaded yet; `process.argv[1]` is the path of core's root entry (the sources).
function runFresh(code: string): unknown {
  const entry = fileURLToPath(new URL("../index.ts", import.meta.url));
  const out = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code, entry], {
    encoding: "utf8",
    timeout: 60_000,
  });
  return JSON.parse(out.trim().split("\n").pop()!);
}

describe("tokenizer tables load lazily", () => {
  it("importing the root entry loads no table; the first count loads only its own", () => {
    const result = runFresh(`
      import { createRequire } from "node:module";
      const cache = createRequire(import.meta.url).cache;
      const tables = () => Object.keys(cache).filter((k) => k.includes("bpeRanks")).map((k) => k.split("/").pop()).sort();
      const core = await import(process.argv[1]);
      const afterImport = tables();
      const chunker = core.createChunker({ tokenizer: "cl100k_base" });
      const afterCreate = tables();
      const n = core.createTokenCounter("cl100k_base").count("Hello world <|endoftext|>");
      console.log(JSON.stringify({ afterImport, afterCreate, afterCount: tables(), n }));
    `);
    expect(result).toEqual({ afterImport: [], afterCreate: [], afterCount: ["cl100k_base.js"], n: 8 });
  });

  it("without a synchronous require the first count names loadTokenizer; after it, counts are right", () => {
    const result = runFresh(`
      delete process.getBuiltinModule; // like a browser, an edge runtime, or ESM on Node < 20.16
      const core = await import(process.argv[1]);
      let error = null;
      try { core.createTokenCounter("o200k_base").count("Hello world"); } catch (e) { error = e.message; }
      await core.loadTokenizer("claude"); // claude counts with the o200k_base tables
      await core.loadTokenizer("claude");
      const chunks = [...core.createChunker({ maxTokens: 16, overlapTokens: 0 }).chunk({
        id: "c", messages: [{ id: "m", role: "user", text: "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen", createdAt: null, attachments: [] }],
      })];
      console.log(JSON.stringify({
        error,
        o200k: core.createTokenCounter("o200k_base").count("Hello world, this is a test."),
        claude: core.createTokenCounter("claude").count("Hello world, this is a test."),
        chunks: chunks.map((c) => c.tokens),
      }));
    `);
    expect(result).toMatchObject({
      error: expect.stringMatching(/await loadTokenizer\("o200k_base"\)/),
      o200k: 8,
      claude: 12,
      chunks: [16, 1], // "User: one two ... fifteen" is 17 tokens
    });
  });

  it("rejects an unknown tokenizer name", async () => {
    const { loadTokenizer } = await import("./token-counter.js");
    await expect(loadTokenizer("gpt2" as never)).rejects.toThrow(TypeError);
  });
});
